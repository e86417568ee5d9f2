// SigV4 against the AWS signing test-suite vectors in tests/testdata/aws/sigv4/.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "provider/cloud/aws/sigv4.h"

namespace prov::cloud::aws {
namespace {

nlohmann::json LoadVectors() {
  const char* root = std::getenv("PROV_SOURCE_DIR");
  std::string dir = root ? root : ".";
  std::ifstream in(dir + "/tests/testdata/aws/sigv4/vectors.json");
  EXPECT_TRUE(in.good()) << "PROV_SOURCE_DIR not set or vectors missing";
  std::stringstream ss;
  ss << in.rdbuf();
  return nlohmann::json::parse(ss.str());
}

TEST(SigV4Test, MatchesPublishedVectors) {
  nlohmann::json v = LoadVectors();
  ASSERT_GE(v["cases"].size(), 7u);
  Credentials base{v["access_key_id"], v["secret_access_key"], "", std::nullopt, "test"};
  auto now = ParseAmzDate(v["amz_date"].get<std::string>());
  ASSERT_TRUE(now.ok());
  for (const auto& c : v["cases"]) {
    SCOPED_TRACE(c["name"].get<std::string>());
    http::Request req;
    req.method = c["method"];
    req.url = "https://example.amazonaws.com" + c["target"].get<std::string>();
    for (const auto& h : c["headers"]) req.headers.emplace_back(h[0], h[1]);
    req.body = c["body"];
    Credentials creds = base;
    if (c.contains("session_token")) creds.session_token = c["session_token"];
    auto t = SignV4(&req, creds, v["region"].get<std::string>(), v["service"].get<std::string>(), *now);
    ASSERT_TRUE(t.ok()) << t.error().ToString();
    EXPECT_EQ(t->signed_headers, c["signed_headers"]);
    EXPECT_EQ(t->signature, c["signature"]) << t->canonical_request;
    if (c.contains("payload_hash")) EXPECT_EQ(Sha256Hex(req.body), c["payload_hash"]);
    if (c.contains("canonical_request_hash")) {
      EXPECT_EQ(Sha256Hex(t->canonical_request), c["canonical_request_hash"]);
    }
    if (c.contains("signing_key")) EXPECT_EQ(t->signing_key_hex, c["signing_key"]);
    if (c.contains("canonical_query")) {
      EXPECT_NE(t->canonical_request.find("\n" + c["canonical_query"].get<std::string>() + "\n"),
                std::string::npos);
    }
    if (c.contains("canonical_uri")) {
      EXPECT_TRUE(t->canonical_request.starts_with("GET\n" + c["canonical_uri"].get<std::string>() + "\n"));
    }
    EXPECT_EQ(t->authorization, "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/"
                                "aws4_request, SignedHeaders=" +
                                    c["signed_headers"].get<std::string>() + ", Signature=" +
                                    c["signature"].get<std::string>());
  }
}

TEST(SigV4Test, AddsHeadersAndResignsCleanly) {
  http::Request req;
  req.method = "POST";
  req.url = "http://127.0.0.1:5000/";
  req.headers = {{"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"},
                 {"User-Agent", "x"}};
  req.body = "Action=DescribeSecurityGroups&Version=2016-11-15";
  Credentials c{"AKID", "secret", "tok", std::nullopt, "test"};
  auto now = std::chrono::system_clock::from_time_t(1440938160);
  auto t1 = SignV4(&req, c, "eu-west-1", "ec2", now);
  ASSERT_TRUE(t1.ok());
  EXPECT_EQ(t1->signed_headers, "content-type;host;x-amz-date;x-amz-security-token");
  auto has = [&](const std::string& n, const std::string& v) {
    for (auto& h : req.headers)
      if (h.first == n && h.second == v) return true;
    return false;
  };
  EXPECT_TRUE(has("Host", "127.0.0.1:5000"));  // non-default port kept
  EXPECT_TRUE(has("X-Amz-Date", "20150830T123600Z"));
  EXPECT_TRUE(has("X-Amz-Security-Token", "tok"));
  size_t n = req.headers.size();
  auto t2 = SignV4(&req, c, "eu-west-1", "ec2", now + std::chrono::seconds(5));
  ASSERT_TRUE(t2.ok());
  EXPECT_EQ(req.headers.size(), n);  // replaced, not duplicated
  EXPECT_NE(t1->signature, t2->signature);
}

TEST(SigV4Test, DefaultPortIsNotInHost) {
  http::Request req;
  req.url = "https://ec2.us-east-1.amazonaws.com:443/";
  Credentials c{"AKID", "secret", "", std::nullopt, "test"};
  ASSERT_TRUE(SignV4(&req, c, "us-east-1", "ec2", std::chrono::system_clock::now()).ok());
  EXPECT_EQ(req.headers[0].second, "ec2.us-east-1.amazonaws.com");
}

TEST(SigV4Test, RejectsMissingCredentialsWithoutLeakingSecret) {
  http::Request req;
  req.url = "https://example.com/";
  Credentials c{"", "very-secret", "", std::nullopt, "test"};
  auto t = SignV4(&req, c, "us-east-1", "ec2", std::chrono::system_clock::now());
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.error().code, ErrorCode::kPermissionDenied);
  EXPECT_EQ(t.error().ToString().find("very-secret"), std::string::npos);
  http::Request bad;
  bad.url = "no-scheme";
  auto t2 = SignV4(&bad, Credentials{"a", "b", "", std::nullopt, ""}, "r", "s", std::chrono::system_clock::now());
  ASSERT_FALSE(t2.ok());
  EXPECT_EQ(t2.error().code, ErrorCode::kInvalidArgument);
}

TEST(SigV4Test, UriEncodingAndDates) {
  EXPECT_EQ(UriEncode("a b/c~d=e&f"), "a%20b%2Fc~d%3De%26f");
  EXPECT_EQ(UriEncode("/a b/", false), "/a%20b/");
  EXPECT_EQ(UriDecode("a%20b+c%2"), "a b c%2");
  auto t = ParseIso8601("2026-11-25T17:10:19Z");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(FormatAmzDate(*t), "20261125T171019Z");
  EXPECT_TRUE(ParseIso8601("2026-11-25T17:10:19.123Z").ok());
  EXPECT_FALSE(ParseIso8601("yesterday").ok());
  EXPECT_FALSE(ParseAmzDate("2015-08-30").ok());
}

}  // namespace
}  // namespace prov::cloud::aws
