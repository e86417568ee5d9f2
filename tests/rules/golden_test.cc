// Golden files: the full catalog compiled for each platform. UPDATE_GOLDEN=1 rewrites them;
// review the diff like code.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "provider/catalog/loader.h"
#include "provider/rules/compiler.h"

namespace prov::rules {
namespace {

std::string SourceDir() {
  const char* d = std::getenv("PROV_SOURCE_DIR");  // set by ctest
  return d ? d : "";
}

void CheckGolden(const std::string& rel, const std::string& actual) {
  ASSERT_FALSE(SourceDir().empty()) << "PROV_SOURCE_DIR is not set (ctest sets it)";
  std::string path = SourceDir() + "/tests/testdata/rules/" + rel;
  if (const char* u = std::getenv("UPDATE_GOLDEN"); u && std::string(u) == "1") {
    std::ofstream out(path, std::ios::binary);
    out << actual;
    ASSERT_TRUE(out.good()) << "cannot write " << path;
    return;
  }
  std::ifstream in(path, std::ios::binary);
  ASSERT_TRUE(in.good()) << "missing golden " << path << " (run with UPDATE_GOLDEN=1)";
  std::stringstream ss;
  ss << in.rdbuf();
  EXPECT_EQ(ss.str(), actual) << "golden " << path << " differs (UPDATE_GOLDEN=1 rewrites it)";
}

struct Case {
  const char* name;
  Selection selection;
};

std::vector<Case> Cases() {
  const auto& cat = catalog::Embedded();
  Selection endpoints;
  for (const auto& s : cat.services) {
    if (s.category == "endpoint") endpoints.services.push_back(s.id);
  }
  Selection everything;  // all services, every switch on, every parameter given
  everything.line_sharing = everything.tcp_fallback = everything.ipv6_clients = true;
  everything.sip_trunk_peers = {"203.0.113.0/28"};
  everything.sftp_server_addresses = {"198.51.100.10/32"};
  return {{"all_services", {}}, {"endpoints", endpoints}, {"everything_on", everything}};
}

TEST(GoldenTest, FullCatalogPerPlatform) {
  for (Platform p : {Platform::kAws, Platform::kAzure, Platform::kGcp}) {
    for (const auto& c : Cases()) {
      TargetOptions t;
      t.platform = p;
      // The full catalog does not fit one default AWS group (60 per direction): the
      // goldens show the spread over two groups, which needs no over-permission.
      if (p == Platform::kAws) t.groups = 2;
      auto r = Compile(catalog::Embedded(), c.selection, t);
      ASSERT_TRUE(r.ok()) << c.name << " " << PlatformName(p) << ": " << r.error().ToString();
      CheckGolden(std::string(PlatformName(p)) + "/" + c.name + ".golden.json", ToJson(*r, p));
    }
  }
  TargetOptions two_groups;
  two_groups.groups = 2;
  auto md = Compile(catalog::Embedded(), Cases()[1].selection, two_groups);
  ASSERT_TRUE(md.ok());
  CheckGolden("aws/endpoints.golden.md", ToMarkdown(*md, Platform::kAws));
}

}  // namespace
}  // namespace prov::rules
