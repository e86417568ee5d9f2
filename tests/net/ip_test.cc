// provider/net: strict CIDR and port parsing, canonical printing, merging and collapsing.
#include "provider/net/ip.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace prov::net {
namespace {

Cidr C(const std::string& s) {
  auto c = Cidr::Parse(s);
  EXPECT_TRUE(c.ok()) << s << ": " << c.error().ToString();
  return c.ok() ? *c : Cidr{};
}

std::vector<std::string> Strings(const std::vector<Cidr>& v) {
  std::vector<std::string> out;
  for (const auto& c : v) out.push_back(c.ToString());
  return out;
}

TEST(CidrTest, ParsesAndPrintsCanonicalForms) {
  EXPECT_EQ(C("10.0.0.0/8").ToString(), "10.0.0.0/8");
  EXPECT_EQ(C("192.0.2.7").ToString(), "192.0.2.7/32");
  EXPECT_EQ(C("2001:DB8:0:0::/32").ToString(), "2001:db8::/32");
  EXPECT_EQ(C("::1").ToString(), "::1/128");
  EXPECT_EQ(C("0.0.0.0/0").prefix_len, 0);
  EXPECT_EQ(C("2001:db8::/32").family, Family::kIPv6);
}

TEST(CidrTest, RejectsMalformedInputSayingWhy) {
  struct Case { const char* text; const char* why; };
  for (const Case& c : std::vector<Case>{
           {"10.0.0.1/8", "host bits set (did you mean 10.0.0.0/8?)"},
           {"010.0.0.0/8", "leading zero"},
           {"256.0.0.0/8", "above 255"},
           {"10.0.0/8", "four octets"},
           {"10.0.0.0/33", "prefix length above 32"},
           {"2001:db8::/129", "prefix length above 128"},
           {"10.0.0.0/", "prefix length is not a number"},
           {"10.0.0.0/08", "prefix length is not a number"},
           {"10.0.0.0/-1", "prefix length is not a number"},
           {"2001:db8::g/64", "not an IPv6 address"},
           {"", "not an IPv4 address"},
           {"a.b.c.d", "not an IPv4 address"}}) {
    auto r = Cidr::Parse(c.text);
    ASSERT_FALSE(r.ok()) << c.text;
    const std::string msg = r.error().ToString();
    EXPECT_NE(msg.find(std::string("\"") + c.text + "\""), std::string::npos) << msg;
    EXPECT_NE(msg.find(c.why), std::string::npos) << c.text << " -> " << msg;
  }
}

TEST(CidrTest, NonStrictMasksHostBits) {
  auto r = Cidr::Parse("10.1.2.3/8", /*strict=*/false);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->ToString(), "10.0.0.0/8");
  auto r6 = Cidr::Parse("2001:db8::1/64", false);
  ASSERT_TRUE(r6.ok());
  EXPECT_EQ(r6->ToString(), "2001:db8::/64");
}

TEST(CidrTest, ContainsAndV4Bounds) {
  EXPECT_TRUE(C("10.0.0.0/8").Contains(C("10.20.0.0/16")));
  EXPECT_TRUE(C("10.0.0.0/8").Contains(C("10.0.0.0/8")));
  EXPECT_FALSE(C("10.20.0.0/16").Contains(C("10.0.0.0/8")));
  EXPECT_FALSE(C("10.0.0.0/8").Contains(C("11.0.0.0/8")));
  EXPECT_FALSE(C("0.0.0.0/0").Contains(C("::/0"))) << "families never contain each other";
  EXPECT_TRUE(C("0.0.0.0/0").Contains(C("203.0.113.9")));
  EXPECT_EQ(C("192.0.2.0/24").V4First(), 0xC0000200u);
  EXPECT_EQ(C("192.0.2.0/24").V4Last(), 0xC00002FFu);
  EXPECT_EQ(C("0.0.0.0/0").V4Last(), 0xFFFFFFFFu);
  EXPECT_EQ(C("192.0.2.9").V4Last(), C("192.0.2.9").V4First());
}

TEST(CidrTest, OrderPutsIPv4FirstThenAddressThenLength) {
  EXPECT_LT(C("10.0.0.0/8"), C("::/0"));
  EXPECT_LT(C("10.0.0.0/8"), C("10.0.0.0/16"));
  EXPECT_LT(C("9.0.0.0/8"), C("10.0.0.0/8"));
}

TEST(CollapseCidrsTest, DropsContainedAndDuplicatesAndMergesSiblings) {
  EXPECT_EQ(Strings(CollapseCidrs({C("10.1.0.0/16"), C("10.0.0.0/8"), C("10.0.0.0/8")})),
            (std::vector<std::string>{"10.0.0.0/8"}));
  EXPECT_EQ(Strings(CollapseCidrs({C("192.0.2.128/25"), C("192.0.2.0/25")})),
            (std::vector<std::string>{"192.0.2.0/24"}));
  // Four quarters merge all the way up.
  EXPECT_EQ(Strings(CollapseCidrs({C("192.0.2.192/26"), C("192.0.2.0/26"), C("192.0.2.64/26"),
                                   C("192.0.2.128/26")})),
            (std::vector<std::string>{"192.0.2.0/24"}));
  // Adjacent but not siblings (different parents): kept apart.
  EXPECT_EQ(Strings(CollapseCidrs({C("192.0.2.128/25"), C("192.0.3.0/25")})),
            (std::vector<std::string>{"192.0.2.128/25", "192.0.3.0/25"}));
  // Families are never merged.
  EXPECT_EQ(Strings(CollapseCidrs({C("2001:db8::/33"), C("2001:db8:8000::/33"), C("10.0.0.0/8")})),
            (std::vector<std::string>{"10.0.0.0/8", "2001:db8::/32"}));
  EXPECT_TRUE(CollapseCidrs({}).empty());
}

TEST(PortRangeTest, ParsesPrintsAndRejects) {
  auto p = PortRange::Parse("20000-64999");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->from, 20000);
  EXPECT_EQ(p->to, 64999);
  EXPECT_EQ(p->Count(), 45000u);
  EXPECT_EQ(p->ToString(), "20000-64999");
  EXPECT_EQ(PortRange::Parse("443")->ToString(), "443");
  EXPECT_EQ(PortRange::Parse("0-65535")->Count(), 65536u);
  for (const char* bad : {"", "-", "65536", "80-", "x", "443-80", "1-2-3", "+80", "100000"}) {
    auto r = PortRange::Parse(bad);
    EXPECT_FALSE(r.ok()) << bad;
    if (!r.ok()) EXPECT_NE(r.error().ToString().find("port"), std::string::npos) << r.error().ToString();
  }
  EXPECT_NE(PortRange::Parse("443-80").error().ToString().find("reversed"), std::string::npos);
  EXPECT_NE(PortRange::Parse("65536").error().ToString().find("out of range"), std::string::npos);
}

TEST(PortRangeTest, MergeRangesJoinsOverlappingAndTouching) {
  auto m = MergeRanges({{500, 600}, {443, 443}, {444, 450}, {550, 700}, {1000, 1000}});
  EXPECT_EQ(m, (std::vector<PortRange>{{443, 450}, {500, 700}, {1000, 1000}}));
  EXPECT_EQ(MergeRanges({{65535, 65535}, {0, 65534}}), (std::vector<PortRange>{{0, 65535}}));
  EXPECT_TRUE(MergeRanges({}).empty());
}

TEST(TransportTest, CaseInsensitiveTcpUdpOnly) {
  EXPECT_EQ(*ParseTransport("TCP"), Transport::kTcp);
  EXPECT_EQ(*ParseTransport("udp"), Transport::kUdp);
  EXPECT_STREQ(TransportName(Transport::kUdp), "udp");
  auto r = ParseTransport("icmp");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().ToString().find("\"icmp\""), std::string::npos);
}

}  // namespace
}  // namespace prov::net
