#include "provider/cloud/azure/credentials.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/x509.h>

#include <cstring>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "provider/cloud/azure/azure_util.h"
#include "provider/cloud/http/retry.h"

namespace prov::cloud::azure {

using internal::FormEncode;
using nlohmann::json;
using SysTime = std::chrono::system_clock::time_point;

namespace {

constexpr auto kRefreshMargin = std::chrono::minutes(5);
constexpr char kAssertionType[] = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

bool Truthy(const char* v) {
  if (v == nullptr) return false;
  std::string s = internal::ToLower(v);
  return s == "true" || s == "1" || s == "yes";
}

std::string Trim(std::string s) {
  size_t b = s.find_first_not_of(" \t\r\n");
  size_t e = s.find_last_not_of(" \t\r\n");
  if (b == std::string::npos) return "";
  return s.substr(b, e - b + 1);
}

std::string StripSlash(std::string s) {
  while (!s.empty() && s.back() == '/') s.pop_back();
  return s;
}

Result<std::string> ReadFile(const std::string& path, const std::string& what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "cannot read " + what + " file \"" + path + "\": " + std::strerror(errno));
  }
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

http::RetryPolicy TokenRetryPolicy() {
  http::RetryPolicy p;
  p.max_attempts = 4;
  p.max_total = std::chrono::seconds(60);
  return p;
}

// One token-endpoint style request with retry on throttling / 5xx / no answer.
Result<http::Response> DoWithRetry(http::Transport& transport, const http::Request& req,
                                   const std::atomic<bool>* cancel) {
  auto call = [&]() { return transport.Do(req); };
  auto classify = [](const Result<http::Response>& r) {
    http::Attempt a;
    if (!r.ok()) {
      a.verdict = http::Verdict::kRetry;
    } else if (r->status == 429 || r->status >= 500) {
      a.verdict = http::Verdict::kRetry;
      a.retry_after = http::ParseRetryAfter(*r);
    }
    return a;
  };
  return http::WithRetry(TokenRetryPolicy(), call, classify, cancel);
}

// Reads {access_token, expires_in | expires_on} (numbers or numeric strings, since IMDS
// and App Service send strings).
Result<AccessToken> ParseTokenResponse(const http::Response& r, const std::string& what,
                                       SysTime now) {
  json j;
  try {
    j = json::parse(r.body);
  } catch (const std::exception&) {
    return MakeError(ErrorCode::kDataLoss,
                     what + ": HTTP " + std::to_string(r.status) + ", response is not JSON");
  }
  if (r.status != 200 || !j.is_object() || !j.contains("access_token")) {
    Error e;
    e.http_status = r.status;
    e.code = (r.status == 400 || r.status == 401 || r.status == 403)
                 ? ErrorCode::kPermissionDenied
                 : (r.status == 429 || r.status >= 500 ? ErrorCode::kUnavailable
                                                       : ErrorCode::kDataLoss);
    std::string desc;
    if (j.is_object()) {
      if (j.contains("error") && j["error"].is_string()) e.remote_code = j["error"];
      if (j.contains("error") && j["error"].is_object()) {
        e.remote_code = j["error"].value("code", "");
        desc = j["error"].value("message", "");
      }
      if (j.contains("error_description") && j["error_description"].is_string())
        desc = j["error_description"];
    }
    // Entra descriptions carry trace ids and timestamps after the first line.
    desc = desc.substr(0, desc.find_first_of("\r\n"));
    e.message = what + ": HTTP " + std::to_string(r.status) +
                (e.remote_code.empty() ? "" : ": " + e.remote_code) +
                (desc.empty() ? "" : ": " + desc);
    return e;
  }
  AccessToken t;
  if (!j["access_token"].is_string() || j["access_token"].get<std::string>().empty())
    return MakeError(ErrorCode::kDataLoss, what + ": access_token is empty");
  t.token = j["access_token"].get<std::string>();
  auto num = [&](const char* k) -> std::optional<long long> {
    if (!j.contains(k)) return std::nullopt;
    const json& v = j[k];
    if (v.is_number_integer()) return v.get<long long>();
    if (v.is_string()) {
      try {
        size_t used = 0;
        long long x = std::stoll(v.get<std::string>(), &used);
        if (used == v.get<std::string>().size()) return x;
      } catch (const std::exception&) {
      }
    }
    return std::nullopt;
  };
  if (auto in = num("expires_in"); in && *in > 0) {
    t.expires_at = now + std::chrono::seconds(*in);
  } else if (auto on = num("expires_on"); on && *on > 0) {
    t.expires_at = SysTime(std::chrono::seconds(*on));
  } else {
    return MakeError(ErrorCode::kDataLoss, what + ": response has no usable expires_in/expires_on");
  }
  return t;
}

std::string JoinForm(const std::vector<std::pair<std::string, std::string>>& fields) {
  std::string out;
  for (const auto& [k, v] : fields) {
    if (!out.empty()) out += "&";
    out += FormEncode(k) + "=" + FormEncode(v);
  }
  return out;
}

// --------------------------------------------------------------------- OpenSSL bits

struct BioFree { void operator()(BIO* b) const { BIO_free(b); } };
struct PkeyFree { void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); } };
struct X509Free { void operator()(X509* x) const { X509_free(x); } };
struct P12Free { void operator()(PKCS12* p) const { PKCS12_free(p); } };
struct MdCtxFree { void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); } };
using BioPtr = std::unique_ptr<BIO, BioFree>;
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyFree>;
using X509Ptr = std::unique_ptr<X509, X509Free>;

int PasswordCallback(char* buf, int size, int, void* userdata) {
  const std::string* pw = static_cast<const std::string*>(userdata);
  if (pw == nullptr || static_cast<int>(pw->size()) > size) return 0;
  std::memcpy(buf, pw->data(), pw->size());
  return static_cast<int>(pw->size());
}

Status LoadCertificate(const std::string& path, const std::string& password, PkeyPtr* key,
                       X509Ptr* cert) {
  PROV_ASSIGN_OR_RETURN(std::string data, ReadFile(path, "client certificate"));
  auto fail = [&](const std::string& why) {
    ERR_clear_error();
    return MakeError(ErrorCode::kInvalidArgument,
                     "client certificate \"" + path + "\": " + why, "client_certificate_path");
  };
  std::string pw = password;
  if (data.find("-----BEGIN") != std::string::npos) {
    BioPtr b1(BIO_new_mem_buf(data.data(), static_cast<int>(data.size())));
    key->reset(PEM_read_bio_PrivateKey(b1.get(), nullptr, PasswordCallback, &pw));
    ERR_clear_error();
    BioPtr b2(BIO_new_mem_buf(data.data(), static_cast<int>(data.size())));
    cert->reset(PEM_read_bio_X509(b2.get(), nullptr, nullptr, nullptr));
    if (!*key)
      return fail("no usable private key in the PEM file (missing, or wrong password)");
    if (!*cert) return fail("no certificate in the PEM file");
  } else {
    BioPtr b(BIO_new_mem_buf(data.data(), static_cast<int>(data.size())));
    std::unique_ptr<PKCS12, P12Free> p12(d2i_PKCS12_bio(b.get(), nullptr));
    if (!p12) return fail("neither PEM nor PKCS#12");
    EVP_PKEY* k = nullptr;
    X509* c = nullptr;
    STACK_OF(X509)* ca = nullptr;
    if (PKCS12_parse(p12.get(), password.c_str(), &k, &c, &ca) != 1)
      return fail("cannot open the PKCS#12 file (wrong password?)");
    key->reset(k);
    cert->reset(c);
    sk_X509_pop_free(ca, X509_free);
    if (!*key || !*cert) return fail("the PKCS#12 file lacks a key or a certificate");
  }
  if (EVP_PKEY_get_base_id(key->get()) != EVP_PKEY_RSA)
    return fail("the private key is not RSA (RS256 assertions need an RSA key)");
  if (X509_check_private_key(cert->get(), key->get()) != 1)
    return fail("the private key does not match the certificate");
  ERR_clear_error();
  return Status::Ok();
}

Result<std::string> Digest(const EVP_MD* md, const std::string& data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_Digest(data.data(), data.size(), out, &len, md, nullptr) != 1)
    return MakeError(ErrorCode::kInternal, "OpenSSL digest failed");
  return std::string(reinterpret_cast<char*>(out), len);
}

// ------------------------------------------------------------------ token sources

class EntraTokenSource : public CachingTokenSource {
 public:
  using FormFn = std::function<Result<std::vector<std::pair<std::string, std::string>>>(
      const std::atomic<bool>*)>;
  EntraTokenSource(Clock clock, std::shared_ptr<http::Transport> transport, std::string endpoint,
                   std::string flow, FormFn form)
      : CachingTokenSource(std::move(clock)),
        transport_(std::move(transport)),
        endpoint_(std::move(endpoint)),
        flow_(std::move(flow)),
        form_(std::move(form)) {}

 protected:
  Result<AccessToken> Fetch(const std::atomic<bool>* cancel) override {
    std::string what = "requesting an Entra ID token (" + flow_ + ") from " + endpoint_;
    PROV_ASSIGN_OR_RETURN(auto fields, form_(cancel));
    http::Request req;
    req.method = "POST";
    req.url = endpoint_;
    req.headers.emplace_back("Content-Type", "application/x-www-form-urlencoded");
    req.headers.emplace_back("Accept", "application/json");
    req.body = JoinForm(fields);
    auto r = DoWithRetry(*transport_, req, cancel);
    if (!r.ok()) {
      Error e = r.error();
      e.message = what + ": " + e.message;
      return e;
    }
    return ParseTokenResponse(*r, what, clock_());
  }

 private:
  std::shared_ptr<http::Transport> transport_;
  std::string endpoint_;
  std::string flow_;
  FormFn form_;
};

class ManagedIdentityTokenSource : public CachingTokenSource {
 public:
  ManagedIdentityTokenSource(Clock clock, std::shared_ptr<http::Transport> transport,
                             http::Request request, std::string what)
      : CachingTokenSource(std::move(clock)),
        transport_(std::move(transport)),
        request_(std::move(request)),
        what_(std::move(what)) {}

 protected:
  Result<AccessToken> Fetch(const std::atomic<bool>* cancel) override {
    auto r = DoWithRetry(*transport_, request_, cancel);
    if (!r.ok()) {
      Error e = r.error();
      e.message = what_ + ": " + e.message;
      return e;
    }
    return ParseTokenResponse(*r, what_, clock_());
  }

 private:
  std::shared_ptr<http::Transport> transport_;
  http::Request request_;
  std::string what_;
};

}  // namespace

// ------------------------------------------------------------------------- public

AzureCredentialConfig ApplyEnvironment(AzureCredentialConfig c, const EnvLookup& env) {
  auto fill = [&](std::string& field, std::initializer_list<const char*> names) {
    if (!field.empty()) return;
    for (const char* n : names) {
      const char* v = env(n);
      if (v != nullptr && *v != '\0') {
        field = v;
        return;
      }
    }
  };
  fill(c.environment, {"ARM_ENVIRONMENT", "AZURE_ENVIRONMENT"});
  fill(c.tenant_id, {"ARM_TENANT_ID", "AZURE_TENANT_ID"});
  fill(c.client_id, {"ARM_CLIENT_ID", "AZURE_CLIENT_ID"});
  fill(c.client_secret, {"ARM_CLIENT_SECRET", "AZURE_CLIENT_SECRET"});
  fill(c.client_certificate_path,
       {"ARM_CLIENT_CERTIFICATE_PATH", "AZURE_CLIENT_CERTIFICATE_PATH"});
  fill(c.client_certificate_password,
       {"ARM_CLIENT_CERTIFICATE_PASSWORD", "AZURE_CLIENT_CERTIFICATE_PASSWORD"});
  fill(c.oidc_token, {"ARM_OIDC_TOKEN"});
  fill(c.oidc_token_file_path, {"ARM_OIDC_TOKEN_FILE_PATH", "AZURE_FEDERATED_TOKEN_FILE"});
  fill(c.oidc_request_url, {"ARM_OIDC_REQUEST_URL", "ACTIONS_ID_TOKEN_REQUEST_URL"});
  fill(c.oidc_request_token, {"ARM_OIDC_REQUEST_TOKEN", "ACTIONS_ID_TOKEN_REQUEST_TOKEN"});
  fill(c.msi_endpoint, {"ARM_MSI_ENDPOINT"});
  fill(c.identity_endpoint, {"IDENTITY_ENDPOINT"});
  fill(c.identity_header, {"IDENTITY_HEADER"});
  fill(c.authority_host, {"AZURE_AUTHORITY_HOST"});
  if (!c.use_oidc) c.use_oidc = Truthy(env("ARM_USE_OIDC"));
  if (!c.use_msi) c.use_msi = Truthy(env("ARM_USE_MSI"));
  return c;
}

CachingTokenSource::CachingTokenSource(Clock clock)
    : clock_(clock ? std::move(clock) : Clock([] { return std::chrono::system_clock::now(); })) {}

Result<std::string> CachingTokenSource::Token(const std::atomic<bool>* cancel) {
  // Holding the lock while fetching makes concurrent callers share one fetch.
  std::lock_guard<std::mutex> g(mu_);
  if (cached_ && clock_() < cached_->expires_at - kRefreshMargin) return cached_->token;
  ++fetches_;
  auto t = Fetch(cancel);
  if (!t.ok()) return t.error();
  cached_ = std::move(t).value();
  return cached_->token;
}

void CachingTokenSource::Invalidate() {
  std::lock_guard<std::mutex> g(mu_);
  cached_.reset();
}

int CachingTokenSource::fetches() const {
  std::lock_guard<std::mutex> g(mu_);
  return fetches_;
}

std::string TokenEndpoint(const std::string& authority_host, const std::string& tenant_id) {
  return StripSlash(authority_host) + "/" + tenant_id + "/oauth2/v2.0/token";
}

Result<std::string> MakeClientAssertion(const std::string& certificate_path,
                                        const std::string& password,
                                        const std::string& client_id,
                                        const std::string& audience, SysTime now) {
  PkeyPtr key;
  X509Ptr cert;
  PROV_RETURN_IF_ERROR(LoadCertificate(certificate_path, password, &key, &cert));
  unsigned char* der = nullptr;
  int der_len = i2d_X509(cert.get(), &der);
  if (der_len <= 0) return MakeError(ErrorCode::kInternal, "cannot DER-encode the certificate");
  std::string der_s(reinterpret_cast<char*>(der), der_len);
  OPENSSL_free(der);
  PROV_ASSIGN_OR_RETURN(std::string sha1, Digest(EVP_sha1(), der_s));
  PROV_ASSIGN_OR_RETURN(std::string sha256, Digest(EVP_sha256(), der_s));

  long long iat = std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
  json header = {{"alg", "RS256"},
                 {"typ", "JWT"},
                 {"x5t", internal::Base64UrlEncode(sha1)},
                 {"x5t#S256", internal::Base64UrlEncode(sha256)}};
  json claims = {{"aud", audience},     {"iss", client_id},  {"sub", client_id},
                 {"jti", internal::NewGuid()}, {"nbf", iat}, {"iat", iat},
                 {"exp", iat + 600}};
  std::string signing_input = internal::Base64UrlEncode(header.dump()) + "." +
                              internal::Base64UrlEncode(claims.dump());
  std::unique_ptr<EVP_MD_CTX, MdCtxFree> ctx(EVP_MD_CTX_new());
  size_t sig_len = 0;
  if (!ctx ||
      EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key.get()) != 1 ||
      EVP_DigestSign(ctx.get(), nullptr, &sig_len,
                     reinterpret_cast<const unsigned char*>(signing_input.data()),
                     signing_input.size()) != 1) {
    ERR_clear_error();
    return MakeError(ErrorCode::kInternal, "OpenSSL could not set up RS256 signing");
  }
  std::string sig(sig_len, '\0');
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &sig_len,
                     reinterpret_cast<const unsigned char*>(signing_input.data()),
                     signing_input.size()) != 1) {
    ERR_clear_error();
    return MakeError(ErrorCode::kInternal, "OpenSSL RS256 signing failed");
  }
  sig.resize(sig_len);
  return signing_input + "." + internal::Base64UrlEncode(sig);
}

Result<std::shared_ptr<CachingTokenSource>> NewTokenSource(
    const AzureCredentialConfig& c, std::shared_ptr<http::Transport> transport, Clock clock) {
  if (!clock) clock = [] { return std::chrono::system_clock::now(); };
  PROV_ASSIGN_OR_RETURN(CloudEnvironment cloud, EnvironmentByName(c.environment));
  std::string scope = StripSlash(cloud.token_audience) + "/.default";

  if (c.use_msi) {
    http::Request req;
    req.method = "GET";
    std::string what;
    if (c.msi_endpoint.empty() && !c.identity_endpoint.empty() && !c.identity_header.empty()) {
      // App Service / Functions form.
      req.url = c.identity_endpoint + (c.identity_endpoint.find('?') == std::string::npos ? "?" : "&") +
                "api-version=2019-08-01&resource=" + FormEncode(cloud.token_audience);
      if (!c.client_id.empty()) req.url += "&client_id=" + FormEncode(c.client_id);
      req.headers.emplace_back("X-IDENTITY-HEADER", c.identity_header);
      what = "requesting a managed identity token from " + c.identity_endpoint;
    } else {
      std::string base = c.msi_endpoint.empty()
                             ? "http://169.254.169.254/metadata/identity/oauth2/token"
                             : c.msi_endpoint;
      req.url = base + (base.find('?') == std::string::npos ? "?" : "&") +
                "api-version=2018-02-01&resource=" + FormEncode(cloud.token_audience);
      if (!c.client_id.empty()) req.url += "&client_id=" + FormEncode(c.client_id);
      req.headers.emplace_back("Metadata", "true");
      what = "requesting a managed identity token from " + base;
    }
    req.timeout = std::chrono::seconds(10);
    return std::shared_ptr<CachingTokenSource>(
        std::make_shared<ManagedIdentityTokenSource>(clock, transport, req, what));
  }

  std::vector<std::string> missing;
  if (c.tenant_id.empty()) missing.push_back("tenant_id (ARM_TENANT_ID)");
  if (c.client_id.empty()) missing.push_back("client_id (ARM_CLIENT_ID)");
  std::string authority = c.authority_host.empty() ? cloud.authority_host : c.authority_host;
  if (authority.find("://") == std::string::npos) authority = "https://" + authority;
  std::string endpoint = TokenEndpoint(authority, c.tenant_id);

  bool has_federated = !c.oidc_token.empty() || !c.oidc_token_file_path.empty() ||
                       (!c.oidc_request_url.empty() && !c.oidc_request_token.empty());
  bool federated = c.use_oidc || (has_federated && c.client_secret.empty() &&
                                  c.client_certificate_path.empty());
  auto join = [](const std::vector<std::string>& v) {
    std::string s;
    for (const auto& x : v) s += (s.empty() ? "" : ", ") + x;
    return s;
  };
  if (!missing.empty() &&
      (federated || !c.client_certificate_path.empty() || !c.client_secret.empty())) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "Azure credentials are incomplete: missing " + join(missing), "azure");
  }
  std::string client_id = c.client_id;

  if (federated) {
    if (!has_federated) {
      return MakeError(ErrorCode::kInvalidArgument,
                       "use_oidc is set but no OIDC token is available: set oidc_token, "
                       "oidc_token_file_path (ARM_OIDC_TOKEN_FILE_PATH / "
                       "AZURE_FEDERATED_TOKEN_FILE) or run in GitHub Actions with "
                       "id-token permission (ACTIONS_ID_TOKEN_REQUEST_URL/TOKEN)",
                       "azure.use_oidc");
    }
    auto form = [c, transport, scope, client_id](const std::atomic<bool>* cancel)
        -> Result<std::vector<std::pair<std::string, std::string>>> {
      std::string assertion;
      if (!c.oidc_token.empty()) {
        assertion = c.oidc_token;
      } else if (!c.oidc_token_file_path.empty()) {
        // Re-read every time: workload identity rotates the file.
        PROV_ASSIGN_OR_RETURN(std::string t, ReadFile(c.oidc_token_file_path, "OIDC token"));
        assertion = Trim(t);
        if (assertion.empty())
          return MakeError(ErrorCode::kInvalidArgument,
                           "OIDC token file \"" + c.oidc_token_file_path + "\" is empty",
                           "azure.oidc_token_file_path");
      } else {
        http::Request req;
        req.method = "GET";
        req.url = c.oidc_request_url +
                  (c.oidc_request_url.find('?') == std::string::npos ? "?" : "&") +
                  "audience=" + FormEncode("api://AzureADTokenExchange");
        req.headers.emplace_back("Authorization", "Bearer " + c.oidc_request_token);
        req.headers.emplace_back("Accept", "application/json");
        std::string what = "requesting a GitHub Actions OIDC token";
        auto r = DoWithRetry(*transport, req, cancel);
        if (!r.ok()) {
          Error e = r.error();
          e.message = what + ": " + e.message;
          return e;
        }
        if (r->status != 200) {
          Error e = MakeError(ErrorCode::kPermissionDenied,
                              what + ": HTTP " + std::to_string(r->status));
          e.http_status = r->status;
          return e;
        }
        try {
          json j = json::parse(r->body);
          if (j.is_object() && j.contains("value") && j["value"].is_string())
            assertion = j["value"].get<std::string>();
        } catch (const std::exception&) {
        }
        if (assertion.empty())
          return MakeError(ErrorCode::kDataLoss, what + ": response has no \"value\"");
      }
      return std::vector<std::pair<std::string, std::string>>{
          {"grant_type", "client_credentials"},
          {"client_id", client_id},
          {"scope", scope},
          {"client_assertion_type", kAssertionType},
          {"client_assertion", assertion}};
    };
    return std::shared_ptr<CachingTokenSource>(
        std::make_shared<EntraTokenSource>(clock, transport, endpoint, "federated OIDC", form));
  }

  if (!c.client_certificate_path.empty()) {
    // Fail early on an unreadable certificate rather than at the first ARM call.
    PROV_ASSIGN_OR_RETURN(std::string probe,
                          MakeClientAssertion(c.client_certificate_path,
                                              c.client_certificate_password, client_id, endpoint,
                                              clock()));
    (void)probe;
    auto form = [c, scope, client_id, endpoint, clock](const std::atomic<bool>*)
        -> Result<std::vector<std::pair<std::string, std::string>>> {
      PROV_ASSIGN_OR_RETURN(std::string assertion,
                            MakeClientAssertion(c.client_certificate_path,
                                                c.client_certificate_password, client_id,
                                                endpoint, clock()));
      return std::vector<std::pair<std::string, std::string>>{
          {"grant_type", "client_credentials"},
          {"client_id", client_id},
          {"scope", scope},
          {"client_assertion_type", kAssertionType},
          {"client_assertion", assertion}};
    };
    return std::shared_ptr<CachingTokenSource>(
        std::make_shared<EntraTokenSource>(clock, transport, endpoint, "client certificate", form));
  }

  if (!c.client_secret.empty()) {
    std::string secret = c.client_secret;
    auto form = [secret, scope, client_id](const std::atomic<bool>*)
        -> Result<std::vector<std::pair<std::string, std::string>>> {
      return std::vector<std::pair<std::string, std::string>>{
          {"grant_type", "client_credentials"},
          {"client_id", client_id},
          {"client_secret", secret},
          {"scope", scope}};
    };
    return std::shared_ptr<CachingTokenSource>(
        std::make_shared<EntraTokenSource>(clock, transport, endpoint, "client secret", form));
  }

  return MakeError(ErrorCode::kInvalidArgument,
                   "no Azure credentials configured: set client_secret (ARM_CLIENT_SECRET), "
                   "client_certificate_path (ARM_CLIENT_CERTIFICATE_PATH), use_oidc with an OIDC "
                   "token (ARM_USE_OIDC), or use_msi (ARM_USE_MSI), plus tenant_id and client_id",
                   "azure");
}

}  // namespace prov::cloud::azure
