#include "provider/catalog/names.h"

#include <gtest/gtest.h>

namespace prov::catalog {
namespace {

TEST(CatalogNamesTest, AcceptsArticleHostNames) {
  for (const char* h : {"www.business.att.com", "status-officeathand.att.com", "ringcentral-9.pubnubapi.com",
                        "glip-prod-biz-us-east-1-core-data.s3-accelerate.amazonaws.com", "rcvsip.biz",
                        "media0.giphy.com", "pp-pre.ringcentral.biz"})
    EXPECT_TRUE(IsValidHostname(h)) << h;
}

TEST(CatalogNamesTest, RejectsBadHostNamesWithAReason) {
  std::string why;
  EXPECT_FALSE(IsValidHostname("localhost", &why));
  EXPECT_NE(why.find("two labels"), std::string::npos);
  EXPECT_FALSE(IsValidHostname("a..b.com", &why));
  EXPECT_FALSE(IsValidHostname(".a.com", &why));
  EXPECT_FALSE(IsValidHostname("a.com.", &why));
  EXPECT_FALSE(IsValidHostname("-a.com", &why));
  EXPECT_FALSE(IsValidHostname("a-.com", &why));
  EXPECT_FALSE(IsValidHostname("Upper.com", &why));
  EXPECT_NE(why.find("lower case"), std::string::npos);
  EXPECT_FALSE(IsValidHostname("a b.com", &why));
  EXPECT_FALSE(IsValidHostname("*.a.com", &why));
  EXPECT_FALSE(IsValidHostname("10.0.0.1", &why));
  EXPECT_FALSE(IsValidHostname(std::string(64, 'a') + ".com", &why));
  EXPECT_NE(why.find("63"), std::string::npos);
  std::string long_name;
  for (int i = 0; i < 64; ++i) long_name += "abc.";
  EXPECT_FALSE(IsValidHostname(long_name + "com", &why));
  EXPECT_NE(why.find("253"), std::string::npos);
  EXPECT_FALSE(IsValidHostname("", &why));
}

TEST(CatalogNamesTest, WildcardsOnlyInTheLeftmostLabel) {
  EXPECT_TRUE(IsValidWildcard("*.ringcentral.biz"));
  EXPECT_TRUE(IsValidWildcard("sip*.ringcentral.biz"));
  EXPECT_TRUE(IsValidWildcard("*.v.ringcentral.biz"));
  EXPECT_TRUE(IsValidWildcard("a*b.example.com"));
  std::string why;
  EXPECT_FALSE(IsValidWildcard("ringcentral.biz", &why));
  EXPECT_FALSE(IsValidWildcard("*.*.example.com", &why));
  EXPECT_FALSE(IsValidWildcard("a.*.example.com", &why));
  EXPECT_FALSE(IsValidWildcard("*.com", &why));
  EXPECT_FALSE(IsValidWildcard("*", &why));
  EXPECT_FALSE(IsValidWildcard("*-.example.com", &why));
  EXPECT_FALSE(IsValidWildcard("*_x.example.com", &why));
}

TEST(CatalogNamesTest, WildcardMatchesOneLabel) {
  EXPECT_TRUE(WildcardMatches("*.ringcentral.biz", "glip.ringcentral.biz"));
  EXPECT_FALSE(WildcardMatches("*.ringcentral.biz", "a.b.ringcentral.biz"));
  EXPECT_FALSE(WildcardMatches("*.ringcentral.biz", "ringcentral.biz"));
  EXPECT_TRUE(WildcardMatches("sip*.ringcentral.biz", "sip12.ringcentral.biz"));
  EXPECT_FALSE(WildcardMatches("sip*.ringcentral.biz", "sip.ringcentral.biz"));  // '*' is non-empty
  EXPECT_FALSE(WildcardMatches("sip*.ringcentral.biz", "pp.ringcentral.biz"));
  EXPECT_TRUE(WildcardMatches("a.example.com", "a.example.com"));
}

TEST(CatalogNamesTest, Vocabularies) {
  EXPECT_EQ(KnownConditions(), (std::vector<std::string>{"ipv6_clients", "line_sharing", "tcp_fallback"}));
  EXPECT_EQ(KnownParameters(), (std::vector<std::string>{"rooms_host", "sftp_server_addresses", "sip_trunk_peers"}));
}

}  // namespace
}  // namespace prov::catalog
