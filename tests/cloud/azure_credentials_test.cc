// Entra ID token sources against a scripted transport: request shapes per flow, caching
// until 5 minutes before expiry, error reporting without secrets, and the certificate
// assertion JWT parsed back and verified with OpenSSL.
#include "provider/cloud/azure/credentials.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include <cstdio>
#include <fstream>
#include <map>
#include <thread>

#include <nlohmann/json.hpp>

#include "provider/cloud/azure/azure_util.h"
#include "tests/fakes/azure/fake_transport.h"
#include "tests/support/temp_dir.h"

namespace prov::cloud::azure {
namespace {

using nlohmann::json;
using testing::HeaderOf;
using testing::Resp;
using testing::ScriptedTransport;

std::map<std::string, std::string> ParseForm(const std::string& body) {
  std::map<std::string, std::string> out;
  size_t pos = 0;
  while (pos < body.size()) {
    size_t amp = body.find('&', pos);
    if (amp == std::string::npos) amp = body.size();
    std::string kv = body.substr(pos, amp - pos);
    size_t eq = kv.find('=');
    auto dec = [](const std::string& s) {
      std::string o;
      for (size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '%' && i + 2 < s.size()) {
          o.push_back(static_cast<char>(std::stoi(s.substr(i + 1, 2), nullptr, 16)));
          i += 2;
        } else {
          o.push_back(s[i] == '+' ? ' ' : s[i]);
        }
      }
      return o;
    };
    out[dec(kv.substr(0, eq))] = eq == std::string::npos ? "" : dec(kv.substr(eq + 1));
    pos = amp + 1;
  }
  return out;
}

struct FakeClock {
  std::chrono::system_clock::time_point now =
      std::chrono::system_clock::time_point(std::chrono::seconds(1'800'000'000));
  Clock fn() {
    return [this] { return now; };
  }
};

TEST(AzureCredentialsTest, ClientSecretFormAndCachingUntilFiveMinutesBeforeExpiry) {
  std::vector<std::map<std::string, std::string>> forms;
  auto t = std::make_shared<ScriptedTransport>([&](const http::Request& r) -> Result<http::Response> {
    forms.push_back(ParseForm(r.body));
    return Resp(200, json({{"token_type", "Bearer"},
                           {"expires_in", 3600},
                           {"access_token", "tok" + std::to_string(forms.size())}})
                         .dump());
  });
  FakeClock clock;
  AzureCredentialConfig c;
  c.tenant_id = "tenant1";
  c.client_id = "app1";
  c.client_secret = "s3cret&=+";
  auto src = NewTokenSource(c, t, clock.fn());
  ASSERT_TRUE(src.ok()) << src.error().ToString();
  EXPECT_EQ(*(*src)->Token(nullptr), "tok1");
  auto reqs = t->requests();
  ASSERT_EQ(reqs.size(), 1u);
  EXPECT_EQ(reqs[0].method, "POST");
  EXPECT_EQ(reqs[0].url, "https://login.microsoftonline.com/tenant1/oauth2/v2.0/token");
  EXPECT_EQ(HeaderOf(reqs[0], "Content-Type"), "application/x-www-form-urlencoded");
  EXPECT_EQ(forms[0]["grant_type"], "client_credentials");
  EXPECT_EQ(forms[0]["client_id"], "app1");
  EXPECT_EQ(forms[0]["client_secret"], "s3cret&=+");
  EXPECT_EQ(forms[0]["scope"], "https://management.azure.com/.default");

  clock.now += std::chrono::minutes(54);  // 6 minutes left: still cached
  EXPECT_EQ(*(*src)->Token(nullptr), "tok1");
  EXPECT_EQ((*src)->fetches(), 1);
  clock.now += std::chrono::minutes(2);  // 4 minutes left: refresh
  EXPECT_EQ(*(*src)->Token(nullptr), "tok2");
  EXPECT_EQ((*src)->fetches(), 2);
  (*src)->Invalidate();
  EXPECT_EQ(*(*src)->Token(nullptr), "tok3");
}

TEST(AzureCredentialsTest, ConcurrentCallersShareOneFetch) {
  std::atomic<int> fetches{0};
  auto t = std::make_shared<ScriptedTransport>([&](const http::Request&) -> Result<http::Response> {
    ++fetches;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    return Resp(200, R"({"access_token":"t","expires_in":3600})");
  });
  AzureCredentialConfig c{.tenant_id = "t", .client_id = "c", .client_secret = "s"};
  auto src = *NewTokenSource(c, t);
  std::vector<std::thread> ts;
  for (int i = 0; i < 8; ++i) ts.emplace_back([&] { EXPECT_TRUE(src->Token(nullptr).ok()); });
  for (auto& th : ts) th.join();
  EXPECT_EQ(fetches.load(), 1);
}

TEST(AzureCredentialsTest, TokenErrorsNameTheCodeButNeverTheSecret) {
  auto t = std::make_shared<ScriptedTransport>([&](const http::Request&) -> Result<http::Response> {
    return Resp(401, R"({"error":"invalid_client","error_description":"AADSTS7000215: Invalid client secret provided.\r\nTrace ID: x"})");
  });
  AzureCredentialConfig c{.tenant_id = "t", .client_id = "c", .client_secret = "TOPSECRET-value"};
  auto src = *NewTokenSource(c, t);
  auto tok = src->Token(nullptr);
  ASSERT_FALSE(tok.ok());
  EXPECT_EQ(tok.error().code, ErrorCode::kPermissionDenied);
  EXPECT_EQ(tok.error().remote_code, "invalid_client");
  EXPECT_NE(tok.error().message.find("AADSTS7000215"), std::string::npos);
  EXPECT_EQ(tok.error().message.find("Trace ID"), std::string::npos);
  EXPECT_EQ(tok.error().ToString().find("TOPSECRET"), std::string::npos);
}

TEST(AzureCredentialsTest, SovereignCloudAndAuthorityOverride) {
  std::string url, scope;
  auto t = std::make_shared<ScriptedTransport>([&](const http::Request& r) -> Result<http::Response> {
    url = r.url;
    scope = ParseForm(r.body)["scope"];
    return Resp(200, R"({"access_token":"t","expires_in":"3600"})");
  });
  AzureCredentialConfig c{.environment = "usgovernment", .tenant_id = "t", .client_id = "c",
                          .client_secret = "s"};
  ASSERT_TRUE((*NewTokenSource(c, t))->Token(nullptr).ok());
  EXPECT_EQ(url, "https://login.microsoftonline.us/t/oauth2/v2.0/token");
  EXPECT_EQ(scope, "https://management.usgovcloudapi.net/.default");
  c.authority_host = "http://127.0.0.1:9/";
  ASSERT_TRUE((*NewTokenSource(c, t))->Token(nullptr).ok());
  EXPECT_EQ(url, "http://127.0.0.1:9/t/oauth2/v2.0/token");
}

TEST(AzureCredentialsTest, NothingConfiguredIsAClearError) {
  auto t = std::make_shared<ScriptedTransport>(
      [](const http::Request&) -> Result<http::Response> { return Resp(500); });
  auto none = NewTokenSource(AzureCredentialConfig{}, t);
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(none.error().message.find("ARM_CLIENT_SECRET"), std::string::npos);
  AzureCredentialConfig c{.client_secret = "x"};
  auto partial = NewTokenSource(c, t);
  ASSERT_FALSE(partial.ok());
  EXPECT_NE(partial.error().message.find("tenant_id"), std::string::npos);
  EXPECT_EQ(partial.error().message.find("x\""), std::string::npos);
}

TEST(AzureCredentialsTest, EnvironmentArmVariablesWinOverAzureOnes) {
  std::map<std::string, std::string> env = {
      {"ARM_TENANT_ID", "arm-tenant"}, {"AZURE_TENANT_ID", "azure-tenant"},
      {"AZURE_CLIENT_ID", "azure-client"}, {"ARM_CLIENT_SECRET", "sec"},
      {"ARM_USE_OIDC", "True"}, {"AZURE_FEDERATED_TOKEN_FILE", "/var/run/token"},
      {"ACTIONS_ID_TOKEN_REQUEST_URL", "https://gh/req"}, {"AZURE_AUTHORITY_HOST", "https://a"}};
  auto lookup = [&](const char* k) -> const char* {
    auto it = env.find(k);
    return it == env.end() ? nullptr : it->second.c_str();
  };
  AzureCredentialConfig in;
  in.client_secret = "explicit";
  auto c = ApplyEnvironment(in, lookup);
  EXPECT_EQ(c.tenant_id, "arm-tenant");
  EXPECT_EQ(c.client_id, "azure-client");
  EXPECT_EQ(c.client_secret, "explicit");
  EXPECT_TRUE(c.use_oidc);
  EXPECT_FALSE(c.use_msi);
  EXPECT_EQ(c.oidc_token_file_path, "/var/run/token");
  EXPECT_EQ(c.oidc_request_url, "https://gh/req");
  EXPECT_EQ(c.authority_host, "https://a");
}

TEST(AzureCredentialsTest, ManagedIdentityViaImds) {
  auto t = std::make_shared<ScriptedTransport>([&](const http::Request& r) -> Result<http::Response> {
    return Resp(200, R"({"access_token":"mi","expires_in":"86399","expires_on":"1","resource":"x","token_type":"Bearer"})");
  });
  FakeClock clock;
  AzureCredentialConfig c{.client_id = "user-assigned", .use_msi = true};
  auto src = *NewTokenSource(c, t, clock.fn());
  EXPECT_EQ(*src->Token(nullptr), "mi");
  auto r = t->requests().at(0);
  EXPECT_EQ(r.method, "GET");
  EXPECT_EQ(r.url,
            "http://169.254.169.254/metadata/identity/oauth2/token?api-version=2018-02-01"
            "&resource=https%3A%2F%2Fmanagement.azure.com%2F&client_id=user-assigned");
  EXPECT_EQ(HeaderOf(r, "Metadata"), "true");
  clock.now += std::chrono::hours(23);  // string expires_in honoured: still cached
  EXPECT_EQ(*src->Token(nullptr), "mi");
  EXPECT_EQ(t->requests().size(), 1u);
}

TEST(AzureCredentialsTest, ManagedIdentityAppServiceForm) {
  auto t = std::make_shared<ScriptedTransport>([&](const http::Request& r) -> Result<http::Response> {
    return Resp(200, R"({"access_token":"as","expires_on":"4000000000","resource":"x","token_type":"Bearer"})");
  });
  AzureCredentialConfig c{.use_msi = true, .identity_endpoint = "http://127.0.0.1:41/msi/token",
                          .identity_header = "hdr-secret"};
  auto src = *NewTokenSource(c, t);
  EXPECT_EQ(*src->Token(nullptr), "as");
  auto r = t->requests().at(0);
  EXPECT_EQ(r.url, "http://127.0.0.1:41/msi/token?api-version=2019-08-01"
                   "&resource=https%3A%2F%2Fmanagement.azure.com%2F");
  EXPECT_EQ(HeaderOf(r, "X-IDENTITY-HEADER"), "hdr-secret");
}

TEST(AzureCredentialsTest, FederatedTokenFileIsReReadOnEveryFetch) {
  prov::testing::UniqueTempDir tmp;
  std::string path = tmp.File("azure_oidc_token");
  { std::ofstream(path) << "first-jwt\n"; }
  std::vector<std::string> assertions;
  auto t = std::make_shared<ScriptedTransport>([&](const http::Request& r) -> Result<http::Response> {
    auto f = ParseForm(r.body);
    EXPECT_EQ(f["client_assertion_type"], "urn:ietf:params:oauth:client-assertion-type:jwt-bearer");
    EXPECT_EQ(f.count("client_secret"), 0u);
    assertions.push_back(f["client_assertion"]);
    return Resp(200, R"({"access_token":"t","expires_in":3600})");
  });
  AzureCredentialConfig c{.tenant_id = "t", .client_id = "c", .use_oidc = true,
                          .oidc_token_file_path = path};
  auto src = *NewTokenSource(c, t);
  ASSERT_TRUE(src->Token(nullptr).ok());
  { std::ofstream(path) << "second-jwt"; }
  src->Invalidate();
  ASSERT_TRUE(src->Token(nullptr).ok());
  EXPECT_EQ(assertions, (std::vector<std::string>{"first-jwt", "second-jwt"}));
}

TEST(AzureCredentialsTest, FederatedTokenFromGithubActionsRequestUrl) {
  auto t = std::make_shared<ScriptedTransport>([&](const http::Request& r) -> Result<http::Response> {
    if (r.method == "GET") {
      EXPECT_EQ(r.url, "https://gh.example/token?api-version=2.0&audience=api%3A%2F%2FAzureADTokenExchange");
      EXPECT_EQ(HeaderOf(r, "Authorization"), "Bearer gh-request-token");
      return Resp(200, R"({"count":1,"value":"gh-jwt"})");
    }
    EXPECT_EQ(ParseForm(r.body)["client_assertion"], "gh-jwt");
    return Resp(200, R"({"access_token":"arm","expires_in":3600})");
  });
  AzureCredentialConfig c{.tenant_id = "t", .client_id = "c", .use_oidc = true,
                          .oidc_request_url = "https://gh.example/token?api-version=2.0",
                          .oidc_request_token = "gh-request-token"};
  EXPECT_EQ(*(*NewTokenSource(c, t))->Token(nullptr), "arm");
  EXPECT_EQ(t->requests().size(), 2u);
}

// ------------------------------------------------------------ certificate assertion

struct TestCert {
  prov::testing::UniqueTempDir tmp;  // removed with the files in it
  std::string pem_path, encrypted_path, pfx_path;
  std::string der;
  EVP_PKEY* key = nullptr;
  ~TestCert() {
    EVP_PKEY_free(key);
  }
};

void MakeTestCert(TestCert* tc) {
  tc->key = EVP_RSA_gen(2048);
  X509* x = X509_new();
  ASN1_INTEGER_set(X509_get_serialNumber(x), 7);
  X509_gmtime_adj(X509_getm_notBefore(x), 0);
  X509_gmtime_adj(X509_getm_notAfter(x), 3600);
  X509_set_pubkey(x, tc->key);
  X509_NAME* n = X509_get_subject_name(x);
  X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("t"), -1,
                             -1, 0);
  X509_set_issuer_name(x, n);
  X509_sign(x, tc->key, EVP_sha256());
  unsigned char* der = nullptr;
  int len = i2d_X509(x, &der);
  tc->der.assign(reinterpret_cast<char*>(der), len);
  OPENSSL_free(der);
  const std::string& dir = tc->tmp.path();
  tc->pem_path = dir + "/azure_test_cert.pem";
  tc->encrypted_path = dir + "/azure_test_cert_enc.pem";
  tc->pfx_path = dir + "/azure_test_cert.pfx";
  FILE* f = std::fopen(tc->pem_path.c_str(), "w");
  PEM_write_X509(f, x);  // certificate first, key second: order must not matter
  PEM_write_PrivateKey(f, tc->key, nullptr, nullptr, 0, nullptr, nullptr);
  std::fclose(f);
  f = std::fopen(tc->encrypted_path.c_str(), "w");
  std::string pw = "pem-pass";
  PEM_write_PrivateKey(f, tc->key, EVP_aes_256_cbc(), nullptr, 0, nullptr, pw.data());
  PEM_write_X509(f, x);
  std::fclose(f);
  PKCS12* p12 = PKCS12_create("pfx-pass", "t", tc->key, x, nullptr, 0, 0, 0, 0, 0);
  f = std::fopen(tc->pfx_path.c_str(), "wb");
  i2d_PKCS12_fp(f, p12);
  std::fclose(f);
  PKCS12_free(p12);
  X509_free(x);
}

std::string B64Url(const std::string& s) { return internal::Base64UrlEncode(s); }
std::string Sha(const EVP_MD* md, const std::string& d) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  EVP_Digest(d.data(), d.size(), out, &n, md, nullptr);
  return std::string(reinterpret_cast<char*>(out), n);
}

void CheckAssertion(const std::string& jwt, const TestCert& tc, long long now) {
  size_t d1 = jwt.find('.'), d2 = jwt.rfind('.');
  ASSERT_NE(d1, std::string::npos);
  ASSERT_NE(d1, d2);
  std::string h, c, sig;
  ASSERT_TRUE(internal::Base64UrlDecode(jwt.substr(0, d1), &h));
  ASSERT_TRUE(internal::Base64UrlDecode(jwt.substr(d1 + 1, d2 - d1 - 1), &c));
  ASSERT_TRUE(internal::Base64UrlDecode(jwt.substr(d2 + 1), &sig));
  EXPECT_EQ(jwt.find('='), std::string::npos);  // unpadded base64url
  json header = json::parse(h), claims = json::parse(c);
  EXPECT_EQ(header["alg"], "RS256");
  EXPECT_EQ(header["typ"], "JWT");
  EXPECT_EQ(header["x5t#S256"], B64Url(Sha(EVP_sha256(), tc.der)));
  EXPECT_EQ(header["x5t"], B64Url(Sha(EVP_sha1(), tc.der)));
  EXPECT_EQ(claims["aud"], "https://login.example/t/oauth2/v2.0/token");
  EXPECT_EQ(claims["iss"], "app-id");
  EXPECT_EQ(claims["sub"], "app-id");
  EXPECT_EQ(claims["iat"], now);
  EXPECT_EQ(claims["nbf"], now);
  EXPECT_EQ(claims["exp"], now + 600);
  EXPECT_EQ(claims["jti"].get<std::string>().size(), 36u);
  // The signature verifies with the certificate's public key over "header.claims".
  std::string input = jwt.substr(0, d2);
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  ASSERT_EQ(EVP_DigestVerifyInit(ctx, nullptr, EVP_sha256(), nullptr, tc.key), 1);
  EXPECT_EQ(EVP_DigestVerify(ctx, reinterpret_cast<const unsigned char*>(sig.data()), sig.size(),
                             reinterpret_cast<const unsigned char*>(input.data()), input.size()),
            1);
  EVP_MD_CTX_free(ctx);
}

TEST(AzureCredentialsTest, CertificateAssertionIsAVerifiableRs256Jwt) {
  TestCert tc;
  MakeTestCert(&tc);
  auto now = std::chrono::system_clock::time_point(std::chrono::seconds(1'800'000'000));
  std::string aud = "https://login.example/t/oauth2/v2.0/token";
  auto a = MakeClientAssertion(tc.pem_path, "", "app-id", aud, now);
  ASSERT_TRUE(a.ok()) << a.error().ToString();
  CheckAssertion(*a, tc, 1'800'000'000);
  auto b = MakeClientAssertion(tc.pem_path, "", "app-id", aud, now);
  EXPECT_NE(*a, *b);  // fresh jti each time

  auto enc = MakeClientAssertion(tc.encrypted_path, "pem-pass", "app-id", aud, now);
  ASSERT_TRUE(enc.ok()) << enc.error().ToString();
  CheckAssertion(*enc, tc, 1'800'000'000);
  auto wrong = MakeClientAssertion(tc.encrypted_path, "nope-pass", "app-id", aud, now);
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(wrong.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(wrong.error().ToString().find("nope-pass"), std::string::npos);

  auto pfx = MakeClientAssertion(tc.pfx_path, "pfx-pass", "app-id", aud, now);
  ASSERT_TRUE(pfx.ok()) << pfx.error().ToString();
  CheckAssertion(*pfx, tc, 1'800'000'000);
  EXPECT_FALSE(MakeClientAssertion(tc.pfx_path, "bad", "app-id", aud, now).ok());
  auto missing = MakeClientAssertion("/nonexistent/cert.pem", "", "app-id", aud, now);
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message.find("/nonexistent/cert.pem"), std::string::npos);
}

TEST(AzureCredentialsTest, CertificateFlowPostsTheAssertion) {
  TestCert tc;
  MakeTestCert(&tc);
  std::map<std::string, std::string> form;
  auto t = std::make_shared<ScriptedTransport>([&](const http::Request& r) -> Result<http::Response> {
    form = ParseForm(r.body);
    return Resp(200, R"({"access_token":"t","expires_in":3600})");
  });
  FakeClock clock;
  AzureCredentialConfig c{.tenant_id = "t", .client_id = "app-id",
                          .client_certificate_path = tc.pem_path,
                          .authority_host = "https://login.example"};
  auto src = NewTokenSource(c, t, clock.fn());
  ASSERT_TRUE(src.ok()) << src.error().ToString();
  ASSERT_TRUE((*src)->Token(nullptr).ok());
  EXPECT_EQ(form["grant_type"], "client_credentials");
  EXPECT_EQ(form["client_assertion_type"], "urn:ietf:params:oauth:client-assertion-type:jwt-bearer");
  EXPECT_EQ(form.count("client_secret"), 0u);
  CheckAssertion(form["client_assertion"], tc, 1'800'000'000);
}

}  // namespace
}  // namespace prov::cloud::azure
