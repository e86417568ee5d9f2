// Unit tests for Google credentials: the RS256 JWT assertion verified back with OpenSSL,
// token exchange and caching (incl. concurrent callers), the metadata server, workload
// identity federation, and the resolution order of the credential sources.
#include "provider/cloud/gcp/credentials.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <thread>

#include "tests/fakes/gcp/fake_transport.h"

namespace prov::cloud::gcp {
namespace {

using json = nlohmann::json;
using testing::FakeTransport;
using testing::JsonResponse;

struct KeyPair {
  std::string private_pem, public_pem;
};

KeyPair GenerateRsa() {
  EVP_PKEY* pkey = EVP_RSA_gen(2048);
  KeyPair kp;
  BIO* b = BIO_new(BIO_s_mem());
  PEM_write_bio_PrivateKey(b, pkey, nullptr, nullptr, 0, nullptr, nullptr);
  char* data;
  long n = BIO_get_mem_data(b, &data);
  kp.private_pem.assign(data, n);
  BIO_free(b);
  b = BIO_new(BIO_s_mem());
  PEM_write_bio_PUBKEY(b, pkey);
  n = BIO_get_mem_data(b, &data);
  kp.public_pem.assign(data, n);
  BIO_free(b);
  EVP_PKEY_free(pkey);
  return kp;
}

const KeyPair& TestKey() {
  static KeyPair kp = GenerateRsa();
  return kp;
}

bool VerifyRs256(const std::string& signing_input, const std::string& sig, const std::string& public_pem) {
  BIO* b = BIO_new_mem_buf(public_pem.data(), int(public_pem.size()));
  EVP_PKEY* pub = PEM_read_bio_PUBKEY(b, nullptr, nullptr, nullptr);
  BIO_free(b);
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  bool ok = EVP_DigestVerifyInit(ctx, nullptr, EVP_sha256(), nullptr, pub) == 1 &&
            EVP_DigestVerify(ctx, reinterpret_cast<const unsigned char*>(sig.data()), sig.size(),
                             reinterpret_cast<const unsigned char*>(signing_input.data()),
                             signing_input.size()) == 1;
  EVP_MD_CTX_free(ctx);
  EVP_PKEY_free(pub);
  return ok;
}

std::map<std::string, std::string> ParseForm(const std::string& body) {
  std::map<std::string, std::string> out;
  size_t pos = 0;
  auto decode = [](const std::string& s) {
    std::string r;
    for (size_t i = 0; i < s.size(); ++i) {
      if (s[i] == '%' && i + 2 < s.size()) {
        r += char(std::stoi(s.substr(i + 1, 2), nullptr, 16));
        i += 2;
      } else {
        r += s[i] == '+' ? ' ' : s[i];
      }
    }
    return r;
  };
  while (pos <= body.size()) {
    size_t amp = body.find('&', pos);
    std::string pair = body.substr(pos, amp == std::string::npos ? std::string::npos : amp - pos);
    size_t eq = pair.find('=');
    if (eq != std::string::npos) out[decode(pair.substr(0, eq))] = decode(pair.substr(eq + 1));
    if (amp == std::string::npos) break;
    pos = amp + 1;
  }
  return out;
}

std::string KeyJson(const std::string& token_uri = "https://oauth2.googleapis.com/token") {
  return json{{"type", "service_account"},
              {"project_id", "demo-project"},
              {"private_key_id", "kid-123"},
              {"private_key", TestKey().private_pem},
              {"client_email", "oah@demo-project.iam.gserviceaccount.com"},
              {"token_uri", token_uri}}
      .dump();
}

struct FakeClock {
  std::chrono::system_clock::time_point now =
      std::chrono::system_clock::time_point(std::chrono::seconds(1'800'000'000));
  Clock fn() {
    return [this] { return now; };
  }
};

TEST(GcpCredentialsTest, Base64UrlRoundTrip) {
  for (const std::string& s : std::vector<std::string>{"", "f", "fo", "foo", "foob", "fooba", "foobar", std::string("\xff\xfe\x00\x01", 4)}) {
    auto back = Base64UrlDecode(Base64UrlEncode(s));
    ASSERT_TRUE(back.ok());
    EXPECT_EQ(*back, s);
  }
  EXPECT_EQ(Base64UrlEncode("\xfb\xff"), "-_8");
  EXPECT_FALSE(Base64UrlDecode("a*b").ok());
}

TEST(GcpCredentialsTest, JwtAssertionIsSignedRs256WithExpectedClaims) {
  auto key = ParseServiceAccountKey(KeyJson());
  ASSERT_TRUE(key.ok()) << key.error().ToString();
  auto iat = std::chrono::system_clock::time_point(std::chrono::seconds(1'800'000'000));
  auto jwt = BuildJwtAssertion(*key, {kComputeScope, kCloudPlatformScope}, key->token_uri, iat);
  ASSERT_TRUE(jwt.ok()) << jwt.error().ToString();
  size_t d1 = jwt->find('.'), d2 = jwt->rfind('.');
  ASSERT_NE(d1, d2);
  auto header = json::parse(*Base64UrlDecode(jwt->substr(0, d1)));
  auto claims = json::parse(*Base64UrlDecode(jwt->substr(d1 + 1, d2 - d1 - 1)));
  auto sig = Base64UrlDecode(jwt->substr(d2 + 1));
  EXPECT_EQ(header["alg"], "RS256");
  EXPECT_EQ(header["typ"], "JWT");
  EXPECT_EQ(header["kid"], "kid-123");
  EXPECT_EQ(claims["iss"], "oah@demo-project.iam.gserviceaccount.com");
  EXPECT_EQ(claims["aud"], "https://oauth2.googleapis.com/token");
  EXPECT_EQ(claims["scope"], std::string(kComputeScope) + " " + kCloudPlatformScope);
  EXPECT_EQ(claims["iat"], 1'800'000'000);
  EXPECT_EQ(claims["exp"], 1'800'003'600);
  EXPECT_TRUE(VerifyRs256(jwt->substr(0, d2), *sig, TestKey().public_pem));
  std::string tampered = jwt->substr(0, d2 - 1) + (jwt->at(d2 - 1) == 'A' ? "B" : "A");
  EXPECT_FALSE(VerifyRs256(tampered, *sig, TestKey().public_pem));
}

TEST(GcpCredentialsTest, RejectsBadKeys) {
  auto k = ParseServiceAccountKey(R"({"type":"service_account","client_email":"a@b"})");
  ASSERT_FALSE(k.ok());
  EXPECT_EQ(k.error().code, ErrorCode::kInvalidArgument);
  ServiceAccountKey bad;
  bad.client_email = "a@b";
  bad.private_key_pem = "-----BEGIN PRIVATE KEY-----\nnot a key\n-----END PRIVATE KEY-----\n";
  auto jwt = BuildJwtAssertion(bad, {kComputeScope}, kDefaultTokenUri, std::chrono::system_clock::now());
  ASSERT_FALSE(jwt.ok());
  EXPECT_EQ(jwt.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(jwt.error().message.find("not a key"), std::string::npos);
}

TEST(GcpCredentialsTest, ServiceAccountExchangesAndCachesUntilNearExpiry) {
  FakeClock clock;
  int exchanges = 0;
  auto transport = std::make_shared<FakeTransport>([&](const http::Request& r) -> Result<http::Response> {
    ++exchanges;
    EXPECT_EQ(r.method, "POST");
    EXPECT_EQ(r.url, "http://127.0.0.1:1/token");
    auto form = ParseForm(r.body);
    EXPECT_EQ(form["grant_type"], "urn:ietf:params:oauth:grant-type:jwt-bearer");
    EXPECT_EQ(std::count(form["assertion"].begin(), form["assertion"].end(), '.'), 2);
    return JsonResponse(200, R"({"access_token":"ya29.t)" + std::to_string(exchanges) +
                                 R"(","expires_in":3600,"token_type":"Bearer"})");
  });
  TokenFetchOptions o;
  o.transport = transport;
  o.clock = clock.fn();
  auto p = NewTokenProviderFromJson(KeyJson(), o, "http://127.0.0.1:1/token");
  ASSERT_TRUE(p.ok()) << p.error().ToString();
  EXPECT_EQ(*(*p)->Token(nullptr), "ya29.t1");
  clock.now += std::chrono::seconds(3000);
  EXPECT_EQ(*(*p)->Token(nullptr), "ya29.t1");  // still 600 s left > 300 s margin
  clock.now += std::chrono::seconds(400);
  EXPECT_EQ(*(*p)->Token(nullptr), "ya29.t2");  // within the margin: refreshed
  (*p)->Invalidate();
  EXPECT_EQ(*(*p)->Token(nullptr), "ya29.t3");
  EXPECT_EQ(exchanges, 3);
  EXPECT_NE((*p)->Describe().find("oah@demo-project"), std::string::npos);
}

TEST(GcpCredentialsTest, ConcurrentCallersShareOneFetch) {
  std::atomic<int> exchanges{0};
  auto transport = std::make_shared<FakeTransport>([&](const http::Request&) -> Result<http::Response> {
    ++exchanges;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    return JsonResponse(200, R"({"access_token":"ya29.shared","expires_in":3600})");
  });
  TokenFetchOptions o;
  o.transport = transport;
  auto p = NewTokenProviderFromJson(KeyJson(), o);
  ASSERT_TRUE(p.ok());
  std::vector<std::thread> threads;
  std::atomic<int> good{0};
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&] {
      auto t = (*p)->Token(nullptr);
      if (t.ok() && *t == "ya29.shared") ++good;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(good.load(), 8);
  EXPECT_EQ(exchanges.load(), 1);
}

TEST(GcpCredentialsTest, TokenEndpointRejectionIsPermissionDeniedWithoutSecrets) {
  auto transport = std::make_shared<FakeTransport>([](const http::Request&) -> Result<http::Response> {
    return JsonResponse(400, R"({"error":"invalid_grant","error_description":"Invalid JWT Signature."})");
  });
  TokenFetchOptions o;
  o.transport = transport;
  auto p = NewTokenProviderFromJson(KeyJson(), o);
  ASSERT_TRUE(p.ok());
  auto t = (*p)->Token(nullptr);
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.error().code, ErrorCode::kPermissionDenied);
  EXPECT_EQ(t.error().remote_code, "invalid_grant");
  EXPECT_NE(t.error().message.find("Invalid JWT Signature"), std::string::npos);
  EXPECT_EQ(t.error().ToString().find("PRIVATE KEY"), std::string::npos);
  EXPECT_EQ(transport->requests().size(), 1u);  // a 400 is not retried
}

TEST(GcpCredentialsTest, TokenEndpointOutageIsRetried) {
  auto transport = std::make_shared<FakeTransport>();
  transport->Push(503, "unavailable");
  transport->PushError(MakeError(ErrorCode::kUnavailable, "connection refused"));
  transport->Push(200, R"({"access_token":"ya29.after","expires_in":60})");
  TokenFetchOptions o;
  o.transport = transport;
  o.sleep = [](std::chrono::milliseconds) {};
  auto p = NewTokenProviderFromJson(KeyJson(), o);
  ASSERT_TRUE(p.ok());
  auto t = (*p)->Token(nullptr);
  ASSERT_TRUE(t.ok()) << t.error().ToString();
  EXPECT_EQ(*t, "ya29.after");
}

TEST(GcpCredentialsTest, MetadataServerNeedsFlavorHeader) {
  auto transport = std::make_shared<FakeTransport>([](const http::Request& r) -> Result<http::Response> {
    EXPECT_EQ(r.url, "http://127.0.0.1:9/computeMetadata/v1/instance/service-accounts/default/token");
    bool flavor = false;
    for (const auto& [k, v] : r.headers) flavor |= (k == "Metadata-Flavor" && v == "Google");
    if (!flavor) return JsonResponse(403, "Missing required header: Metadata-Flavor");
    return JsonResponse(200, R"({"access_token":"ya29.md","expires_in":3599,"token_type":"Bearer"})");
  });
  TokenFetchOptions o;
  o.transport = transport;
  auto p = NewMetadataTokenProvider("127.0.0.1:9", o);
  auto t = p->Token(nullptr);
  ASSERT_TRUE(t.ok()) << t.error().ToString();
  EXPECT_EQ(*t, "ya29.md");
}

TEST(GcpCredentialsTest, MetadataUnreachableSaysWhatToConfigure) {
  auto transport = std::make_shared<FakeTransport>([](const http::Request&) -> Result<http::Response> {
    return MakeError(ErrorCode::kUnavailable, "could not resolve host");
  });
  TokenFetchOptions o;
  o.transport = transport;
  o.sleep = [](std::chrono::milliseconds) {};
  auto p = NewMetadataTokenProvider("metadata.invalid", o);
  auto t = p->Token(nullptr);
  ASSERT_FALSE(t.ok());
  EXPECT_NE(t.error().message.find("GOOGLE_APPLICATION_CREDENTIALS"), std::string::npos);
  EXPECT_LE(transport->requests().size(), 3u);
}

TEST(GcpCredentialsTest, ExternalAccountFileSourceWithImpersonation) {
  std::string subject_path = ::testing::TempDir() + "/gcp_subject_" + std::to_string(getpid());
  {
    std::ofstream(subject_path) << "oidc-subject-token\n";
  }
  FakeClock clock;
  auto transport = std::make_shared<FakeTransport>([&](const http::Request& r) -> Result<http::Response> {
    if (r.url == "https://sts.example.test/v1/token") {
      auto f = ParseForm(r.body);
      EXPECT_EQ(f["grant_type"], "urn:ietf:params:oauth:grant-type:token-exchange");
      EXPECT_EQ(f["subject_token"], "oidc-subject-token");
      EXPECT_EQ(f["subject_token_type"], "urn:ietf:params:oauth:token-type:jwt");
      EXPECT_EQ(f["requested_token_type"], "urn:ietf:params:oauth:token-type:access_token");
      EXPECT_EQ(f["scope"], kCloudPlatformScope);
      EXPECT_EQ(f["audience"], "//iam.googleapis.com/projects/1/locations/global/workloadIdentityPools/p/providers/x");
      return JsonResponse(200, R"({"access_token":"sts-token","expires_in":3600,"token_type":"Bearer"})");
    }
    EXPECT_EQ(r.url, "https://iam.example.test/v1/projects/-/serviceAccounts/sa@p.iam.gserviceaccount.com:generateAccessToken");
    EXPECT_EQ(r.headers[1].second, "Bearer sts-token");
    auto body = json::parse(r.body);
    EXPECT_EQ(body["scope"][0], kComputeScope);
    return JsonResponse(200, R"({"accessToken":"impersonated","expireTime":"2027-01-15T09:00:00Z"})");
  });
  json cfg = {{"type", "external_account"},
              {"audience", "//iam.googleapis.com/projects/1/locations/global/workloadIdentityPools/p/providers/x"},
              {"subject_token_type", "urn:ietf:params:oauth:token-type:jwt"},
              {"token_url", "https://sts.example.test/v1/token"},
              {"service_account_impersonation_url",
               "https://iam.example.test/v1/projects/-/serviceAccounts/sa@p.iam.gserviceaccount.com:generateAccessToken"},
              {"credential_source", {{"file", subject_path}}}};
  TokenFetchOptions o;
  o.transport = transport;
  o.clock = clock.fn();
  auto p = NewTokenProviderFromJson(cfg.dump(), o);
  ASSERT_TRUE(p.ok()) << p.error().ToString();
  auto t = (*p)->Token(nullptr);
  ASSERT_TRUE(t.ok()) << t.error().ToString();
  EXPECT_EQ(*t, "impersonated");
  EXPECT_EQ(*(*p)->Token(nullptr), "impersonated");
  EXPECT_EQ(transport->requests().size(), 2u);  // cached (expireTime is far ahead of clock)
  std::remove(subject_path.c_str());
}

TEST(GcpCredentialsTest, ExternalAccountUrlSourceJsonFormat) {
  auto transport = std::make_shared<FakeTransport>([&](const http::Request& r) -> Result<http::Response> {
    if (r.url == "http://169.254.0.1/token") {
      EXPECT_EQ(r.headers.at(0), (std::pair<std::string, std::string>("Authorization", "bearer abc")));
      return JsonResponse(200, R"({"value":"from-url"})");
    }
    EXPECT_EQ(ParseForm(r.body)["subject_token"], "from-url");
    EXPECT_EQ(ParseForm(r.body)["scope"], kComputeScope);
    return JsonResponse(200, R"({"access_token":"sts-direct","expires_in":3600})");
  });
  json cfg = {{"type", "external_account"},
              {"audience", "aud"},
              {"subject_token_type", "urn:ietf:params:oauth:token-type:jwt"},
              {"token_url", "https://sts.example.test/v1/token"},
              {"credential_source",
               {{"url", "http://169.254.0.1/token"},
                {"headers", {{"Authorization", "bearer abc"}}},
                {"format", {{"type", "json"}, {"subject_token_field_name", "value"}}}}}};
  TokenFetchOptions o;
  o.transport = transport;
  auto p = NewTokenProviderFromJson(cfg.dump(), o);
  ASSERT_TRUE(p.ok());
  auto t = (*p)->Token(nullptr);
  ASSERT_TRUE(t.ok()) << t.error().ToString();
  EXPECT_EQ(*t, "sts-direct");
}

TEST(GcpCredentialsTest, ExternalAccountValidation) {
  TokenFetchOptions o;
  o.transport = std::make_shared<FakeTransport>();
  auto missing = NewTokenProviderFromJson(R"({"type":"external_account","audience":"a"})", o);
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message.find("subject_token_type"), std::string::npos);
  auto aws = NewTokenProviderFromJson(
      R"({"type":"external_account","audience":"a","subject_token_type":"t","token_url":"u","credential_source":{"environment_id":"aws1"}})", o);
  ASSERT_FALSE(aws.ok());
  EXPECT_NE(aws.error().message.find("aws1"), std::string::npos);
  auto unknown = NewTokenProviderFromJson(R"({"type":"impersonated_service_account"})", o);
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().code, ErrorCode::kInvalidArgument);
}

TEST(GcpCredentialsTest, AuthorizedUserUsesRefreshToken) {
  auto transport = std::make_shared<FakeTransport>([](const http::Request& r) -> Result<http::Response> {
    auto f = ParseForm(r.body);
    EXPECT_EQ(f["grant_type"], "refresh_token");
    EXPECT_EQ(f["refresh_token"], "rt");
    EXPECT_EQ(r.url, kDefaultTokenUri);
    return JsonResponse(200, R"({"access_token":"user-token","expires_in":3600})");
  });
  TokenFetchOptions o;
  o.transport = transport;
  auto p = NewTokenProviderFromJson(
      R"({"type":"authorized_user","client_id":"c","client_secret":"s","refresh_token":"rt"})", o);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(*(*p)->Token(nullptr), "user-token");
}

TEST(GcpCredentialsTest, ResolutionOrder) {
  std::map<std::string, std::string> vars;
  EnvFn env = [&](const std::string& k) -> std::optional<std::string> {
    auto it = vars.find(k);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
  CredentialsConfig cfg;
  cfg.fetch.transport = std::make_shared<FakeTransport>();

  // Nothing configured: the metadata server (GCE_METADATA_HOST honoured).
  vars["GCE_METADATA_HOST"] = "127.0.0.1:8099";
  vars["HOME"] = "/nonexistent-home";
  auto p = ResolveCredentials(cfg, env);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ((*p)->Describe(), "metadata server http://127.0.0.1:8099");

  std::string path = ::testing::TempDir() + "/gcp_sa_" + std::to_string(getpid()) + ".json";
  std::ofstream(path) << KeyJson();
  vars["GOOGLE_APPLICATION_CREDENTIALS"] = path;
  p = ResolveCredentials(cfg, env);
  ASSERT_TRUE(p.ok()) << p.error().ToString();
  EXPECT_EQ((*p)->Describe(), "service account oah@demo-project.iam.gserviceaccount.com");

  vars["GOOGLE_CREDENTIALS"] = "{\"type\":\"authorized_user\",\"client_id\":\"cid\",\"client_secret\":\"s\",\"refresh_token\":\"r\"}";
  p = ResolveCredentials(cfg, env);
  ASSERT_TRUE(p.ok()) << p.error().ToString();
  EXPECT_EQ((*p)->Describe(), "authorized user cid");

  vars["GOOGLE_OAUTH_ACCESS_TOKEN"] = "env-token";
  p = ResolveCredentials(cfg, env);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(*(*p)->Token(nullptr), "env-token");

  cfg.credentials = path;  // the provider attribute beats the environment
  p = ResolveCredentials(cfg, env);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ((*p)->Describe(), "service account oah@demo-project.iam.gserviceaccount.com");

  cfg.access_token = "attr-token";
  p = ResolveCredentials(cfg, env);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(*(*p)->Token(nullptr), "attr-token");

  CredentialsConfig broken;
  broken.credentials = "/nonexistent/key.json";
  auto b = ResolveCredentials(broken, env);
  ASSERT_FALSE(b.ok());
  EXPECT_EQ(b.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(b.error().message.find("/nonexistent/key.json"), std::string::npos);
  std::remove(path.c_str());
}

}  // namespace
}  // namespace prov::cloud::gcp
