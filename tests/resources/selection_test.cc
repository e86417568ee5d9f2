// ReadSelection's diagnostics are bounded: one per kind of problem, naming the first few
// values and the count (issue 10: 1.1 million unknown names built a 285 MB answer).
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>

#include "provider/catalog/loader.h"
#include "resources/selection.h"

namespace prov::resources {
namespace {

using cty::Type;
using cty::Value;

Value Config(const std::vector<std::string>& services) {
  return Value::Object({{"services", Value::StringList(services)}});
}

size_t AnswerBytes(const protocol::Diagnostics& d) {
  size_t n = 0;
  for (const auto& x : d.items()) n += x.summary.size() + x.detail.size();
  return n;
}

TEST(SelectionDiagnosticsTest, MillionUnknownNamesGiveOneBoundedDiagnostic) {
  std::vector<std::string> names;
  names.reserve(1100000);
  for (int i = 0; i < 1100000; ++i) names.push_back("svc" + std::to_string(i));
  names.push_back("video");
  names.push_back("video");
  const Value config = Config(names);
  protocol::Diagnostics diags;
  auto started = std::chrono::steady_clock::now();
  auto sel = ReadSelection(config, catalog::Embedded(), diags);
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started).count();
  ASSERT_EQ(diags.items().size(), 2u);
  const auto& unknown = diags.items()[0];
  EXPECT_EQ(unknown.summary, "1100000 unknown Office@Hand services");
  EXPECT_NE(unknown.detail.find("\"svc0\", \"svc1\", \"svc2\", \"svc3\", \"svc4\" and 1099995 more"),
            std::string::npos)
      << unknown.detail;
  ASSERT_TRUE(unknown.attribute.has_value());
  EXPECT_EQ(unknown.attribute->ToString(), "services");
  EXPECT_EQ(diags.items()[1].summary, "Duplicate service \"video\"");
  EXPECT_EQ(diags.items()[1].attribute->ToString(), "services[1100001]");
  EXPECT_EQ(sel.services, std::vector<std::string>{"video"});
  std::printf("1,100,002 names: %zu diagnostics, %zu bytes of text, %lld ms\n", diags.items().size(),
              AnswerBytes(diags), static_cast<long long>(ms));
  EXPECT_LT(AnswerBytes(diags), 4096u) << unknown.detail;
}

TEST(SelectionDiagnosticsTest, OneUnknownNameKeepsItsElementPath) {
  protocol::Diagnostics diags;
  ReadSelection(Config({"video", "desk_phones"}), catalog::Embedded(), diags);
  ASSERT_EQ(diags.items().size(), 1u);
  EXPECT_EQ(diags.items()[0].summary, "Unknown Office@Hand service \"desk_phones\"");
  EXPECT_EQ(diags.items()[0].attribute->ToString(), "services[1]");
  EXPECT_NE(diags.items()[0].detail.find("phones"), std::string::npos);
}

}  // namespace
}  // namespace prov::resources
