// Proof by exhaustion: for every combination of the real catalog's services, and for
// hundreds of random catalogs, the compiled rules allow exactly what the catalog asks for
// (plus only over-permission that is reported) and respect each platform's limits.
#include <gtest/gtest.h>

#include "provider/catalog/loader.h"
#include "provider/rules/compiler.h"
#include "provider/rules/ir.h"
#include "tests/rules/checker.h"
#include "tests/rules/random_catalog.h"

namespace prov::rules {
namespace {

constexpr Platform kPlatforms[] = {Platform::kAws, Platform::kAzure, Platform::kGcp};

TEST(CoverageTest, EveryServiceCombinationOfTheRealCatalog) {
  const catalog::Catalog& cat = catalog::Embedded();
  const size_t n = cat.services.size();
  ASSERT_LE(n, 16u) << "2^n subsets would be too many; switch to sampled subsets";
  testing::RandomCatalogs flags(42);
  int compiled = 0;
  for (uint32_t mask = 1; mask < (1u << n); ++mask) {
    Selection sel;
    for (size_t i = 0; i < n; ++i) {
      if (mask & (1u << i)) sel.services.push_back(cat.services[i].id);
    }
    // Vary the switches and parameters too (deterministically).
    sel.line_sharing = flags.Chance(50);
    sel.tcp_fallback = flags.Chance(50);
    sel.ipv6_clients = flags.Chance(50);
    if (flags.Chance(50)) sel.sip_trunk_peers = {"203.0.113.0/28"};
    if (flags.Chance(50)) sel.sftp_server_addresses = {"198.51.100.10/32", "198.51.100.11/32"};
    for (Platform p : kPlatforms) {
      TargetOptions t;
      t.platform = p;
      // Every combination fits two default AWS groups without merging.
      if (p == Platform::kAws) t.groups = 2;
      auto r = Compile(cat, sel, t);
      ASSERT_TRUE(r.ok()) << "mask " << mask << " " << PlatformName(p) << ": " << r.error().ToString();
      ASSERT_EQ(testing::CheckCoverage(cat, sel, p, *r), "") << "mask " << mask << " " << PlatformName(p);
      ASSERT_EQ(testing::CheckShape(*r, t, cat.supernets.size()), "") << "mask " << mask << " " << PlatformName(p);
      ++compiled;
    }
  }
  EXPECT_EQ(compiled, int(((1u << n) - 1) * 3));
}

TEST(CoverageTest, RandomCatalogsOnEveryPlatform) {
  testing::RandomCatalogs gen(20261125);
  int ok = 0, exhausted = 0, merged = 0, spread = 0;
  for (int round = 0; round < 300; ++round) {
    catalog::Catalog cat = gen.Make(gen.Uniform(1, 6), gen.Uniform(1, 8));
    Selection sel = gen.MakeSelection(cat);
    for (Platform p : kPlatforms) {
      TargetOptions t;
      t.platform = p;
      if (p == Platform::kAws) {
        t.groups = gen.Uniform(1, 3);
        t.rule_budget = gen.Chance(50) ? gen.Uniform(3, 30) : 0;
        t.prefix_list = gen.Chance(20);
      }
      if (p == Platform::kAzure && gen.Chance(30)) {
        t.priority_from = 1000;
        t.priority_to = 1000 + gen.Uniform(0, 40);
        t.taken_priorities = {1000, 1001};
      }
      if (p == Platform::kGcp && gen.Chance(30)) t.priority_from = gen.Uniform(1, 65535);
      auto r = Compile(cat, sel, t);
      if (!r.ok()) {
        ASSERT_EQ(r.error().code, ErrorCode::kResourceExhausted)
            << "round " << round << " " << PlatformName(p) << ": " << r.error().ToString();
        EXPECT_NE(r.error().message.find("need"), std::string::npos);
        ++exhausted;
        continue;
      }
      ++ok;
      merged += r->strategy == "merged";
      spread += r->strategy == "spread";
      ASSERT_EQ(testing::CheckCoverage(cat, sel, p, *r), "") << "round " << round << " " << PlatformName(p)
                                                            << "\n" << ToJson(*r, p);
      ASSERT_EQ(testing::CheckShape(*r, t, [&] {
                  // A prefix list holds the supernets in their minimal form (CollapsePrefixes
                  // is proven exact and minimal in OptimiseTest).
                  std::vector<net::Cidr> v4;
                  for (const auto& s : cat.supernets) {
                    if (s.cidr.family == net::Family::kIPv4) v4.push_back(s.cidr);
                  }
                  return CollapsePrefixes(v4).size();
                }()), "")
          << "round " << round << " " << PlatformName(p) << "\n" << ToJson(*r, p);
      // Deterministic: the same input gives byte-identical output.
      auto again = Compile(cat, sel, t);
      ASSERT_EQ(ToJson(*again, p), ToJson(*r, p));
    }
  }
  // The generator must actually reach the interesting paths.
  EXPECT_GE(ok, 600);
  EXPECT_GT(merged, 10);
  EXPECT_GT(spread, 5);
  std::cout << "[ random ] " << ok << " compiled, " << exhausted << " exhausted, " << merged
            << " merged, " << spread << " spread\n";
}

}  // namespace
}  // namespace prov::rules
