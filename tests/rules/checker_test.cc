// The checker must be able to fail: tamper with correct output and watch it object.
#include <gtest/gtest.h>

#include "provider/catalog/loader.h"
#include "provider/rules/compiler.h"
#include "tests/rules/checker.h"

namespace prov::rules {
namespace {

Compiled Good(Platform p, const Selection& sel) {
  TargetOptions t;
  t.platform = p;
  if (p == Platform::kAws) t.groups = 2;  // the full catalog needs two default groups
  auto r = Compile(catalog::Embedded(), sel, t);
  EXPECT_TRUE(r.ok());
  return *r;
}

TEST(CheckerTest, DetectsAMissingPort) {
  Compiled c = Good(Platform::kAzure, {});
  ASSERT_EQ(testing::CheckCoverage(catalog::Embedded(), {}, Platform::kAzure, c), "");
  c.rules[0].allowed[0].ports.pop_back();
  EXPECT_EQ(testing::CheckCoverage(catalog::Embedded(), {}, Platform::kAzure, c),
            "compiled rules miss flows the catalog asks for");
}

TEST(CheckerTest, DetectsUnreportedAndAcceptsReportedOverPermission) {
  Compiled c = Good(Platform::kGcp, {});
  c.rules[0].allowed[0].ports.push_back(*net::PortRange::Parse("40000"));
  EXPECT_EQ(testing::CheckCoverage(catalog::Embedded(), {}, Platform::kGcp, c),
            "compiled rules allow more than asked without reporting it");
  c.over_permission.push_back({c.rules[0].key, c.rules[0].allowed[0].transport,
                               *net::PortRange::Parse("40000"), "test"});
  EXPECT_EQ(testing::CheckCoverage(catalog::Embedded(), {}, Platform::kGcp, c), "");
  c.over_permission.back().extra = *net::PortRange::Parse("40001");
  EXPECT_EQ(testing::CheckCoverage(catalog::Embedded(), {}, Platform::kGcp, c),
            "compiled rules allow more than asked plus reported");
}

TEST(CheckerTest, DetectsAWiderPeer) {
  Compiled c = Good(Platform::kAws, {});
  c.rules[0].remote_cidrs = {"66.0.0.0/8"};
  EXPECT_NE(testing::CheckCoverage(catalog::Embedded(), {}, Platform::kAws, c), "");
}

TEST(CheckerTest, DetectsWrongDirectionAndLocalSide) {
  Selection sel;
  sel.services = {"archiver"};
  sel.sftp_server_addresses = {"198.51.100.10/32"};
  Compiled c = Good(Platform::kAzure, sel);
  ASSERT_EQ(testing::CheckCoverage(catalog::Embedded(), sel, Platform::kAzure, c), "");
  Compiled wrong_local = c;
  wrong_local.rules[0].local_cidrs = {"198.51.100.11/32"};
  EXPECT_NE(testing::CheckCoverage(catalog::Embedded(), sel, Platform::kAzure, wrong_local), "");
  c.rules[0].direction = net::Direction::kEgress;
  EXPECT_NE(testing::CheckCoverage(catalog::Embedded(), sel, Platform::kAzure, c), "");
}

TEST(CheckerTest, DetectsShapeViolations) {
  TargetOptions t;
  t.platform = Platform::kAws;
  t.groups = 2;
  Selection sel;
  for (const auto& s : catalog::Embedded().services) {
    if (s.category == "endpoint") sel.services.push_back(s.id);
  }
  auto r = Compile(catalog::Embedded(), sel, t);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(testing::CheckShape(*r, t, 9), "");
  Compiled crowded = *r;
  for (auto& rule : crowded.rules) rule.group_index = 0;  // 72 rules in one group
  EXPECT_EQ(testing::CheckShape(crowded, t, 9), "AWS group over its limit: 72");
  TargetOptions az;
  az.platform = Platform::kAzure;
  auto a = Compile(catalog::Embedded(), sel, az);
  ASSERT_TRUE(a.ok());
  Compiled dup = *a;
  dup.rules[1].priority = dup.rules[0].priority;
  EXPECT_NE(testing::CheckShape(dup, az, 9), "");
  Compiled bad_name = *a;
  bad_name.rules[0].name = bad_name.rules[0].key = "a/b";
  EXPECT_NE(testing::CheckShape(bad_name, az, 9), "");
}

}  // namespace
}  // namespace prov::rules
