// The credential chain, each source against loopback fakes (STS, IMDSv2, ECS) with an
// injected environment and clock.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <map>

#include "provider/cloud/aws/credentials.h"
#include "tests/fakes/aws/fake_transport.h"
#include "tests/fakes/aws/loopback_server.h"

namespace prov::cloud::aws {
namespace {

using prov::testing::FormFields;
using prov::testing::LoopbackServer;
using prov::testing::ServerReply;
using prov::testing::ServerRequest;
using Clock = std::chrono::system_clock;

const Clock::time_point kNow = Clock::from_time_t(1764090000);  // 2025-11-25T17:00:00Z

std::string StsCreds(const std::string& action, const std::string& akid, const std::string& exp) {
  return "<" + action + "Response xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><" + action +
         "Result><Credentials><AccessKeyId>" + akid + "</AccessKeyId><SecretAccessKey>sts-secret-" + akid +
         "</SecretAccessKey><SessionToken>sts-token</SessionToken><Expiration>" + exp +
         "</Expiration></Credentials></" + action + "Result><ResponseMetadata><RequestId>x</RequestId>"
         "</ResponseMetadata></" + action + "Response>";
}

class CredentialsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = ::testing::TempDir() + "/aws_creds_" + std::to_string(::getpid()) + "_" +
           ::testing::UnitTest::GetInstance()->current_test_info()->name();
    std::string cmd = "mkdir -p '" + dir_ + "'";
    ASSERT_EQ(std::system(cmd.c_str()), 0);
    env_["HOME"] = dir_;  // no real ~/.aws
    env_["AWS_EC2_METADATA_DISABLED"] = "true";
  }

  std::string Write(const std::string& name, const std::string& text) {
    std::string p = dir_ + "/" + name;
    std::ofstream(p) << text;
    return p;
  }

  std::shared_ptr<CredentialsProvider> Chain(CredentialsConfig cfg = {}) {
    CredentialsDeps deps;
    deps.transport = http::NewCurlTransport();
    deps.getenv = [this](const std::string& n) -> std::optional<std::string> {
      auto it = env_.find(n);
      if (it == env_.end()) return std::nullopt;
      return it->second;
    };
    deps.clock = [this] { return now_; };
    return NewDefaultCredentialsChain(std::move(cfg), std::move(deps));
  }

  std::string dir_;
  std::map<std::string, std::string> env_;
  Clock::time_point now_ = kNow;
};

TEST_F(CredentialsTest, ExplicitKeysWinOverEnvironment) {
  env_["AWS_ACCESS_KEY_ID"] = "ENVKEY";
  env_["AWS_SECRET_ACCESS_KEY"] = "envsecret";
  CredentialsConfig cfg;
  cfg.access_key_id = "CFGKEY";
  cfg.secret_access_key = "cfgsecret";
  auto c = Chain(cfg)->Get();
  ASSERT_TRUE(c.ok()) << c.error().ToString();
  EXPECT_EQ(c->access_key_id, "CFGKEY");
  EXPECT_EQ(c->source, "explicit");

  CredentialsConfig half;
  half.access_key_id = "CFGKEY";
  auto bad = Chain(half)->Get();
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(bad.error().where, "secret_key");
}

TEST_F(CredentialsTest, EnvironmentWithSessionToken) {
  env_["AWS_ACCESS_KEY_ID"] = "ENVKEY";
  env_["AWS_SECRET_ACCESS_KEY"] = "envsecret";
  env_["AWS_SESSION_TOKEN"] = "envtoken";
  auto c = Chain()->Get();
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->source, "environment");
  EXPECT_EQ(c->session_token, "envtoken");
  EXPECT_FALSE(c->expiration.has_value());
}

TEST_F(CredentialsTest, SharedFilesProfilesAndPrecedence) {
  env_["AWS_CONFIG_FILE"] = Write("config",
                                  "[default]\nregion = eu-west-1\n"
                                  "[profile dev]\naws_access_key_id = CONFIGDEV\naws_secret_access_key = s1\n"
                                  "[profile cfgonly]\naws_access_key_id = CFGONLY\naws_secret_access_key = s2\n"
                                  "[dev]\naws_access_key_id = IGNORED_NO_PROFILE_PREFIX\n");
  env_["AWS_SHARED_CREDENTIALS_FILE"] = Write("credentials",
                                              "# comment\n[default]\naws_access_key_id = DEFAULTKEY\n"
                                              "aws_secret_access_key = defsecret\n\n[dev]\n"
                                              "aws_access_key_id = CREDSDEV\naws_secret_access_key = s3\n"
                                              "aws_session_token = t3\n");
  auto d = Chain()->Get();
  ASSERT_TRUE(d.ok()) << d.error().ToString();
  EXPECT_EQ(d->access_key_id, "DEFAULTKEY");
  EXPECT_EQ(d->source, "profile:default");

  env_["AWS_PROFILE"] = "dev";
  auto dev = Chain()->Get();
  ASSERT_TRUE(dev.ok());
  EXPECT_EQ(dev->access_key_id, "CREDSDEV");  // credentials file wins over config
  EXPECT_EQ(dev->session_token, "t3");

  CredentialsConfig cfg;
  cfg.profile = "cfgonly";
  env_["AWS_ACCESS_KEY_ID"] = "ENVKEY";
  env_["AWS_SECRET_ACCESS_KEY"] = "envsecret";
  auto only = Chain(cfg)->Get();
  ASSERT_TRUE(only.ok());
  EXPECT_EQ(only->access_key_id, "CFGONLY");  // an explicit profile suppresses the env keys

  cfg.profile = "nope";
  auto missing = Chain(cfg)->Get();
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(missing.error().message.find("\"nope\" not found"), std::string::npos) << missing.error().message;
}

TEST_F(CredentialsTest, SourceProfileAssumesRoleWithSignedStsCall) {
  LoopbackServer sts([](const ServerRequest& r) {
    auto f = FormFields(r.body);
    if (f["Action"] != "AssumeRole") return ServerReply{400, {}, "unexpected"};
    return ServerReply{200, {{"Content-Type", "text/xml"}},
                       StsCreds("AssumeRole", "ASIAROLE", "2025-11-25T18:00:00Z")};
  });
  env_["AWS_ENDPOINT_URL_STS"] = sts.url();
  env_["AWS_CONFIG_FILE"] = Write("config",
                                  "[profile base]\naws_access_key_id = BASEKEY\naws_secret_access_key = basesecret\n"
                                  "[profile admin]\nrole_arn = arn:aws:iam::123456789012:role/admin\n"
                                  "source_profile = base\nrole_session_name = sess-1\nexternal_id = ext\n");
  env_["AWS_SHARED_CREDENTIALS_FILE"] = dir_ + "/none";
  env_["AWS_PROFILE"] = "admin";
  auto c = Chain()->Get();
  ASSERT_TRUE(c.ok()) << c.error().ToString();
  EXPECT_EQ(c->access_key_id, "ASIAROLE");
  EXPECT_EQ(c->secret_access_key, "sts-secret-ASIAROLE");
  EXPECT_EQ(c->session_token, "sts-token");
  ASSERT_TRUE(c->expiration.has_value());
  EXPECT_EQ(*c->expiration, kNow + std::chrono::hours(1));
  auto reqs = sts.requests();
  ASSERT_EQ(reqs.size(), 1u);
  auto f = FormFields(reqs[0].body);
  EXPECT_EQ(f["RoleArn"], "arn:aws:iam::123456789012:role/admin");
  EXPECT_EQ(f["RoleSessionName"], "sess-1");
  EXPECT_EQ(f["ExternalId"], "ext");
  EXPECT_EQ(f["Version"], "2011-06-15");
  EXPECT_TRUE(reqs[0].Header("authorization").starts_with("AWS4-HMAC-SHA256 Credential=BASEKEY/20251125/"))
      << reqs[0].Header("authorization");
  EXPECT_NE(reqs[0].Header("authorization").find("/sts/aws4_request"), std::string::npos);
}

TEST_F(CredentialsTest, WebIdentityFromEnvironmentIsUnsigned) {
  LoopbackServer sts([](const ServerRequest& r) {
    auto f = FormFields(r.body);
    if (f["Action"] != "AssumeRoleWithWebIdentity" || f["WebIdentityToken"] != "jwt-token-value") {
      return ServerReply{400, {}, "<ErrorResponse><Error><Code>InvalidIdentityToken</Code><Message>bad</Message></Error></ErrorResponse>"};
    }
    return ServerReply{200, {}, StsCreds("AssumeRoleWithWebIdentity", "ASIAWEB", "2025-11-25T17:30:00.000Z")};
  });
  env_["AWS_ENDPOINT_URL"] = sts.url();
  env_["AWS_WEB_IDENTITY_TOKEN_FILE"] = Write("token", "jwt-token-value\n");
  env_["AWS_ROLE_ARN"] = "arn:aws:iam::123456789012:role/ci";
  env_["AWS_ROLE_SESSION_NAME"] = "ci-run";
  auto c = Chain()->Get();
  ASSERT_TRUE(c.ok()) << c.error().ToString();
  EXPECT_EQ(c->access_key_id, "ASIAWEB");
  EXPECT_EQ(c->source, "web-identity");
  auto reqs = sts.requests();
  ASSERT_EQ(reqs.size(), 1u);
  EXPECT_EQ(reqs[0].Header("authorization"), "");
  EXPECT_EQ(FormFields(reqs[0].body)["RoleSessionName"], "ci-run");
}

TEST_F(CredentialsTest, StsErrorIsPermissionDeniedWithCodeAndNoSecret) {
  LoopbackServer sts([](const ServerRequest&) {
    return ServerReply{403, {}, prov::testing::ReadTestData("aws/ec2/sts_error.xml")};
  });
  env_["AWS_ACCESS_KEY_ID"] = "ENVKEY";
  env_["AWS_SECRET_ACCESS_KEY"] = "envsecret-do-not-leak";
  CredentialsConfig cfg;
  cfg.assume_role_arn = "arn:aws:iam::123456789012:role/x";
  cfg.sts_endpoint = sts.url();
  auto c = Chain(cfg)->Get();
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().code, ErrorCode::kPermissionDenied);
  EXPECT_EQ(c.error().remote_code, "AccessDenied");
  EXPECT_EQ(c.error().http_status, 403);
  EXPECT_EQ(c.error().ToString().find("envsecret"), std::string::npos);
  EXPECT_NE(c.error().message.find("AssumeRole (arn:aws:iam::123456789012:role/x)"), std::string::npos);
}

TEST_F(CredentialsTest, ProviderAssumeRoleWrapsChainAndRefreshesBeforeExpiry) {
  int calls = 0;
  LoopbackServer sts([&](const ServerRequest&) {
    ++calls;
    std::string exp = calls == 1 ? "2025-11-25T17:10:00Z" : "2025-11-25T19:00:00Z";
    return ServerReply{200, {}, StsCreds("AssumeRole", "ASIA" + std::to_string(calls), exp)};
  });
  env_["AWS_ACCESS_KEY_ID"] = "ENVKEY";
  env_["AWS_SECRET_ACCESS_KEY"] = "envsecret";
  CredentialsConfig cfg;
  cfg.assume_role_arn = "arn:aws:iam::123456789012:role/x";
  cfg.sts_endpoint = sts.url();
  auto chain = Chain(cfg);
  auto c1 = chain->Get();
  ASSERT_TRUE(c1.ok()) << c1.error().ToString();
  EXPECT_EQ(c1->access_key_id, "ASIA1");
  EXPECT_EQ(c1->source, "assume-role");
  now_ = kNow + std::chrono::minutes(2);  // 8 minutes left: still fine
  EXPECT_EQ(chain->Get()->access_key_id, "ASIA1");
  now_ = kNow + std::chrono::minutes(6);  // inside the 5-minute window: refresh
  EXPECT_EQ(chain->Get()->access_key_id, "ASIA2");
  EXPECT_EQ(chain->Get()->access_key_id, "ASIA2");
  EXPECT_EQ(calls, 2);
}

TEST_F(CredentialsTest, ContainerFullUriWithAuthorizationToken) {
  LoopbackServer ecs([](const ServerRequest& r) {
    if (r.Header("authorization") != "ecs-token") return ServerReply{401, {}, "no"};
    return ServerReply{200, {{"Content-Type", "application/json"}},
                       R"({"AccessKeyId":"ASIAECS","SecretAccessKey":"ecs-secret","Token":"ecs-tok",)"
                       R"("Expiration":"2025-11-25T23:00:00Z","RoleArn":"arn:x"})"};
  });
  env_["AWS_CONTAINER_CREDENTIALS_FULL_URI"] = ecs.url() + "/v2/credentials/abc";
  env_["AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"] = Write("ecs-token", "ecs-token\n");
  auto c = Chain()->Get();
  ASSERT_TRUE(c.ok()) << c.error().ToString();
  EXPECT_EQ(c->access_key_id, "ASIAECS");
  EXPECT_EQ(c->session_token, "ecs-tok");
  EXPECT_EQ(c->source, "container");
  EXPECT_EQ(ecs.requests()[0].target, "/v2/credentials/abc");

  env_["AWS_CONTAINER_CREDENTIALS_FULL_URI"] = "http://example.com/creds";
  auto bad = Chain()->Get();
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, ErrorCode::kInvalidArgument);
}

TEST_F(CredentialsTest, ImdsV2TokenThenRoleCredentials) {
  LoopbackServer imds([](const ServerRequest& r) {
    if (r.method == "PUT" && r.target == "/latest/api/token") {
      if (r.Header("x-aws-ec2-metadata-token-ttl-seconds") != "21600") return ServerReply{400, {}, ""};
      return ServerReply{200, {}, "imds-session-token"};
    }
    if (r.Header("x-aws-ec2-metadata-token") != "imds-session-token") return ServerReply{401, {}, ""};
    if (r.target == "/latest/meta-data/iam/security-credentials/") return ServerReply{200, {}, "my-role"};
    if (r.target == "/latest/meta-data/iam/security-credentials/my-role") {
      return ServerReply{200, {}, R"({"Code":"Success","Type":"AWS-HMAC","AccessKeyId":"ASIAIMDS",)"
                                  R"("SecretAccessKey":"imds-secret","Token":"imds-tok","Expiration":"2025-11-25T23:00:00Z"})"};
    }
    return ServerReply{404, {}, ""};
  });
  env_.erase("AWS_EC2_METADATA_DISABLED");
  env_["AWS_EC2_METADATA_SERVICE_ENDPOINT"] = imds.url() + "/";
  auto c = Chain()->Get();
  ASSERT_TRUE(c.ok()) << c.error().ToString();
  EXPECT_EQ(c->access_key_id, "ASIAIMDS");
  EXPECT_EQ(c->source, "imds");
  EXPECT_EQ(imds.requests().size(), 3u);

  env_["AWS_EC2_METADATA_DISABLED"] = "true";
  auto none = Chain()->Get();
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(imds.requests().size(), 3u);  // disabled: not asked
}

TEST_F(CredentialsTest, NoSourceListsWhatWasTried) {
  auto c = Chain()->Get();
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().code, ErrorCode::kPermissionDenied);
  EXPECT_NE(c.error().message.find("environment"), std::string::npos);
  EXPECT_NE(c.error().message.find("EC2 instance metadata"), std::string::npos);
}

TEST_F(CredentialsTest, StsEndpointResolution) {
  auto env = [](std::map<std::string, std::string> m) {
    return [m](const std::string& n) -> std::optional<std::string> {
      auto it = m.find(n);
      if (it == m.end()) return std::nullopt;
      return it->second;
    };
  };
  CredentialsConfig cfg;
  EXPECT_EQ(StsEndpoint(cfg, env({})), "https://sts.us-east-1.amazonaws.com/");
  EXPECT_EQ(StsEndpoint(cfg, env({{"AWS_REGION", "eu-north-1"}})), "https://sts.eu-north-1.amazonaws.com/");
  EXPECT_EQ(StsEndpoint(cfg, env({{"AWS_ENDPOINT_URL", "http://a"}, {"AWS_ENDPOINT_URL_STS", "http://s"}})), "http://s/");
  cfg.sts_endpoint = "http://cfg";
  EXPECT_EQ(StsEndpoint(cfg, env({{"AWS_ENDPOINT_URL_STS", "http://s"}})), "http://cfg/");
}

}  // namespace
}  // namespace prov::cloud::aws
