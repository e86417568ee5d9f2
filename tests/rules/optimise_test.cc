#include <gtest/gtest.h>

#include <random>

#include "provider/rules/ir.h"
#include "tests/rules/checker.h"
#include "tests/rules/random_catalog.h"

namespace prov::rules {
namespace {

net::Cidr C(const char* s) { return *net::Cidr::Parse(s); }
net::PortRange P(const char* s) { return *net::PortRange::Parse(s); }

TEST(OptimiseTest, CollapsesSiblingsAndDropsContained) {
  auto out = CollapsePrefixes({C("10.0.1.0/24"), C("10.0.0.0/24"), C("10.0.0.128/25"),
                               C("10.0.0.0/24"), C("192.168.0.1/32")});
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].ToString(), "10.0.0.0/23");
  EXPECT_EQ(out[1].ToString(), "192.168.0.1/32");
}

TEST(OptimiseTest, CollapseCascadesUpwards) {
  auto out = CollapsePrefixes({C("10.0.0.0/26"), C("10.0.0.64/26"), C("10.0.0.128/25")});
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].ToString(), "10.0.0.0/24");
}

TEST(OptimiseTest, CollapseKeepsFamiliesApart) {
  auto out = CollapsePrefixes({C("::/1"), C("8000::/1"), C("0.0.0.0/1"), C("128.0.0.0/1")});
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].ToString(), "0.0.0.0/0");
  EXPECT_EQ(out[1].ToString(), "::/0");
}

// Same address set, and minimal: no prefix inside another, no sibling pair left.
TEST(OptimiseTest, CollapseRandomIsExactAndMinimal) {
  testing::RandomCatalogs gen(7);
  for (int round = 0; round < 300; ++round) {
    std::vector<net::Cidr> in;
    int n = gen.Uniform(1, 40);
    for (int i = 0; i < n; ++i) in.push_back(gen.RandomCidr());
    auto out = CollapsePrefixes(in);
    testing::PointSet a, b;
    for (const auto& c : in) a.Add({0, 0, c.family == net::Family::kIPv4 ? 0 : 1, ""}, 1, 1, c);
    for (const auto& c : out) b.Add({0, 0, c.family == net::Family::kIPv4 ? 0 : 1, ""}, 1, 1, c);
    ASSERT_TRUE(testing::SameSet(a, b)) << "round " << round;
    for (size_t i = 0; i < out.size(); ++i) {
      for (size_t j = 0; j < out.size(); ++j) {
        if (i == j) continue;
        ASSERT_FALSE(out[i].Contains(out[j])) << out[i].ToString() << " holds " << out[j].ToString();
        if (out[i].family == out[j].family && out[i].prefix_len == out[j].prefix_len &&
            out[i].prefix_len > 0) {
          net::Cidr pi = out[i], pj = out[j];
          pi.prefix_len = pj.prefix_len = out[i].prefix_len - 1;
          auto m1 = net::Cidr::Parse(pi.ToString(), false), m2 = net::Cidr::Parse(pj.ToString(), false);
          ASSERT_FALSE(*m1 == *m2) << "siblings left: " << out[i].ToString() << " " << out[j].ToString();
        }
      }
    }
    ASSERT_EQ(out, CollapsePrefixes(out)) << "not idempotent";
  }
}

TEST(OptimiseTest, SubtractsRanges) {
  auto r = SubtractRanges({P("1-100"), P("200-300")}, {P("10-20"), P("50-250"), P("300")});
  ASSERT_EQ(r.size(), 3u);
  EXPECT_EQ(r[0].ToString(), "1-9");
  EXPECT_EQ(r[1].ToString(), "21-49");
  EXPECT_EQ(r[2].ToString(), "251-299");
  EXPECT_TRUE(SubtractRanges({P("0-65535")}, {P("0-65535")}).empty());
  auto whole = SubtractRanges({P("0-65535")}, {P("0")});
  ASSERT_EQ(whole.size(), 1u);
  EXPECT_EQ(whole[0].ToString(), "1-65535");
}

Resolved MakeResolved(std::vector<Flow> flows, int rows) {
  Resolved r;
  for (int i = 0; i < rows; ++i) r.rows.push_back({"s", "s.r" + std::to_string(i), catalog::TrafficClass::kData});
  r.flows = std::move(flows);
  return r;
}

TEST(OptimiseTest, MergesTouchingPortsAndKeepsProvenance) {
  Flow a{net::Direction::kEgress, net::Transport::kTcp, P("443"), {C("10.0.0.0/24")}, {}, 0};
  Flow b{net::Direction::kEgress, net::Transport::kTcp, P("444-450"), {C("10.0.0.0/24")}, {}, 1};
  Flow c{net::Direction::kEgress, net::Transport::kTcp, P("443"), {C("10.0.0.0/24")}, {}, 1};
  auto groups = Optimise(MakeResolved({a, b, c}, 2), {false, true});
  ASSERT_EQ(groups.size(), 1u);
  ASSERT_EQ(groups[0].allowed.size(), 1u);
  ASSERT_EQ(groups[0].allowed[0].ranges.size(), 1u);
  EXPECT_EQ(groups[0].allowed[0].ranges[0].range.ToString(), "443-450");
  EXPECT_EQ(groups[0].allowed[0].ranges[0].rows, (std::vector<int>{0, 1}));
}

TEST(OptimiseTest, GroupsPeersByPortsAndDropsCoveredPorts) {
  // /24 needs 443; its /25 half asks 443 and 8080 -> the /25 keeps only 8080.
  Flow a{net::Direction::kEgress, net::Transport::kTcp, P("443"), {C("10.0.0.0/24"), C("10.0.2.0/24")}, {}, 0};
  Flow b{net::Direction::kEgress, net::Transport::kTcp, P("443"), {C("10.0.0.0/25")}, {}, 1};
  Flow c{net::Direction::kEgress, net::Transport::kTcp, P("8080"), {C("10.0.0.0/25")}, {}, 1};
  auto groups = Optimise(MakeResolved({a, b, c}, 2), {false, true});
  ASSERT_EQ(groups.size(), 2u);
  EXPECT_EQ(testing::CidrListText(groups[0].remote), "10.0.0.0/24,10.0.2.0/24,");
  EXPECT_EQ(groups[0].allowed[0].ranges[0].range.ToString(), "443");
  EXPECT_EQ(testing::CidrListText(groups[1].remote), "10.0.0.0/25,");
  EXPECT_EQ(groups[1].allowed[0].ranges[0].range.ToString(), "8080");
}

TEST(OptimiseTest, GroupsProtocolsWhenAsked) {
  Flow a{net::Direction::kEgress, net::Transport::kTcp, P("443"), {C("10.0.0.0/24")}, {}, 0};
  Flow b{net::Direction::kEgress, net::Transport::kUdp, P("3478"), {C("10.0.0.0/24")}, {}, 0};
  EXPECT_EQ(Optimise(MakeResolved({a, b}, 1), {false, false}).size(), 2u);
  auto g = Optimise(MakeResolved({a, b}, 1), {true, false});
  ASSERT_EQ(g.size(), 1u);
  EXPECT_EQ(g[0].allowed.size(), 2u);
}

}  // namespace
}  // namespace prov::rules
