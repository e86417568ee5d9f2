#include "provider/cloud/gcp/credentials.h"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include <cctype>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "provider/base/log.h"
#include "provider/cloud/gcp/gcp_http_util.h"

namespace prov::cloud::gcp {
namespace {

using json = nlohmann::json;
using std::chrono::system_clock;

constexpr char kJwtBearerGrant[] = "urn:ietf:params:oauth:grant-type:jwt-bearer";
constexpr char kTokenExchangeGrant[] = "urn:ietf:params:oauth:grant-type:token-exchange";
constexpr char kAccessTokenType[] = "urn:ietf:params:oauth:token-type:access_token";
constexpr char kDefaultMetadataHost[] = "metadata.google.internal";

system_clock::time_point Now(const Clock& clock) { return clock ? clock() : system_clock::now(); }

// Reads a string member; empty when absent or not a string.
std::string Str(const json& j, const char* name) {
  auto it = j.find(name);
  return (it != j.end() && it->is_string()) ? it->get<std::string>() : std::string();
}

Result<json> ParseJsonObject(const std::string& text, const std::string& what) {
  json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) {
    return MakeError(ErrorCode::kInvalidArgument, what + " is not a JSON object");
  }
  return j;
}

Result<std::string> ReadFile(const std::string& path, const std::string& what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return MakeError(ErrorCode::kInvalidArgument, "cannot read " + what + " file " + path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// RFC 3339 ("2014-10-02T15:01:23Z", optional fraction and offset) -> time_point.
std::optional<system_clock::time_point> ParseRfc3339(const std::string& s) {
  std::tm tm{};
  const char* p = strptime(s.c_str(), "%Y-%m-%dT%H:%M:%S", &tm);
  if (p == nullptr) return std::nullopt;
  if (*p == '.') {
    ++p;
    while (std::isdigit(static_cast<unsigned char>(*p))) ++p;
  }
  long offset = 0;
  if (*p == '+' || *p == '-') {
    int hh = 0, mm = 0;
    if (std::sscanf(p + 1, "%2d:%2d", &hh, &mm) != 2) return std::nullopt;
    offset = (hh * 3600L + mm * 60L) * (*p == '+' ? 1 : -1);
  } else if (*p != 'Z' && *p != 'z') {
    return std::nullopt;
  }
  return system_clock::from_time_t(timegm(&tm) - offset);
}

// A provider that caches whatever Fetch() returns. The mutex is held across the fetch so
// concurrent callers wait for one refresh instead of stampeding the token endpoint.
class CachingProvider : public TokenProvider {
 public:
  explicit CachingProvider(TokenFetchOptions options) : options_(std::move(options)) {
    if (!options_.transport) options_.transport = http::NewCurlTransport();
  }

  Result<std::string> Token(const std::atomic<bool>* cancel) override {
    std::lock_guard<std::mutex> lock(mu_);
    auto now = Now(options_.clock);
    if (cached_.has_value() &&
        (cached_->expiry == system_clock::time_point::max() ||
         cached_->expiry - options_.refresh_margin > now)) {
      return cached_->token;
    }
    PROV_ASSIGN_OR_RETURN(AccessToken fresh, Fetch(cancel));
    log::Debug("fetched Google access token",
               {{"source", Describe()},
                {"valid_for_s", std::to_string(std::chrono::duration_cast<std::chrono::seconds>(
                                                   fresh.expiry - now).count())}});
    cached_ = fresh;
    return cached_->token;
  }

  void Invalidate() override {
    std::lock_guard<std::mutex> lock(mu_);
    cached_.reset();
  }

 protected:
  virtual Result<AccessToken> Fetch(const std::atomic<bool>* cancel) = 0;

  // Sends with retry on transport failures, 429 and 5xx; returns the final response.
  Result<http::Response> Send(const http::Request& req, const std::atomic<bool>* cancel) {
    return http::WithRetry(
        options_.retry, [&] { return options_.transport->Do(req); },
        [](const Result<http::Response>& r) {
          http::Attempt a;
          if (!r.ok()) {
            a.verdict = r.error().code == ErrorCode::kCancelled ? http::Verdict::kFail
                                                                : http::Verdict::kRetry;
            return a;
          }
          int s = r->status;
          if (s == 429 || s >= 500) {
            a.verdict = http::Verdict::kRetry;
            a.retry_after = http::ParseRetryAfter(*r);
          }
          return a;
        },
        cancel, nullptr, options_.sleep);
  }

  // Turns an OAuth2 token response {access_token, expires_in} (or an error) into a token.
  Result<AccessToken> ParseOAuthResponse(const Result<http::Response>& r, const std::string& where) {
    if (!r.ok()) {
      Error e = r.error();
      e.message = "requesting a token from " + where + ": " + e.message;
      return e;
    }
    json j = json::parse(r->body, nullptr, false);
    if (r->status != 200) {
      Error e;
      e.code = (r->status == 400 || r->status == 401 || r->status == 403)
                   ? ErrorCode::kPermissionDenied
                   : ErrorCode::kUnavailable;
      e.http_status = r->status;
      std::string reason, desc;
      if (!j.is_discarded() && j.is_object()) {
        reason = Str(j, "error");
        desc = Str(j, "error_description");
        if (reason.empty() && j.contains("error") && j["error"].is_object()) {
          reason = Str(j["error"], "status");
          desc = Str(j["error"], "message");
        }
      }
      e.remote_code = reason;
      e.message = "token request to " + where + " failed with HTTP " + std::to_string(r->status) +
                  (desc.empty() ? std::string() : ": " + desc);
      return e;
    }
    if (j.is_discarded() || !j.is_object()) {
      return MakeError(ErrorCode::kDataLoss, "token response from " + where + " is not JSON");
    }
    AccessToken t;
    t.token = Str(j, "access_token");
    if (t.token.empty()) t.token = Str(j, "accessToken");  // iamcredentials
    if (t.token.empty()) {
      return MakeError(ErrorCode::kDataLoss, "token response from " + where + " has no access token");
    }
    auto now = Now(options_.clock);
    if (j.contains("expires_in") && j["expires_in"].is_number()) {
      t.expiry = now + std::chrono::seconds(j["expires_in"].get<int64_t>());
    } else if (auto when = ParseRfc3339(Str(j, "expireTime")); when.has_value()) {
      t.expiry = *when;
    } else {
      t.expiry = now + std::chrono::seconds(3600);  // documented default lifetime
    }
    return t;
  }

  TokenFetchOptions options_;

 private:
  std::mutex mu_;
  std::optional<AccessToken> cached_;
};

class StaticProvider : public TokenProvider {
 public:
  explicit StaticProvider(std::string token) : token_(std::move(token)) {}
  Result<std::string> Token(const std::atomic<bool>*) override { return token_; }
  void Invalidate() override {}
  std::string Describe() const override { return "access token"; }

 private:
  const std::string token_;
};

class ServiceAccountProvider : public CachingProvider {
 public:
  ServiceAccountProvider(ServiceAccountKey key, TokenFetchOptions o, std::string uri)
      : CachingProvider(std::move(o)), key_(std::move(key)) {
    token_uri_ = uri.empty() ? key_.token_uri : uri;
  }
  std::string Describe() const override { return "service account " + key_.client_email; }

 protected:
  Result<AccessToken> Fetch(const std::atomic<bool>* cancel) override {
    // The audience is the token endpoint the key names (what Google checks), even when the
    // request goes to an overridden endpoint.
    PROV_ASSIGN_OR_RETURN(std::string jwt, BuildJwtAssertion(key_, options_.scopes, key_.token_uri,
                                                             Now(options_.clock)));
    http::Request req;
    req.method = "POST";
    req.url = token_uri_;
    req.headers = {{"Content-Type", "application/x-www-form-urlencoded"}};
    req.body = internal::FormEncode({{"grant_type", kJwtBearerGrant}, {"assertion", jwt}});
    return ParseOAuthResponse(Send(req, cancel), token_uri_);
  }

 private:
  ServiceAccountKey key_;
  std::string token_uri_;
};

class AuthorizedUserProvider : public CachingProvider {
 public:
  AuthorizedUserProvider(json j, TokenFetchOptions o, std::string uri)
      : CachingProvider(std::move(o)) {
    client_id_ = Str(j, "client_id");
    client_secret_ = Str(j, "client_secret");
    refresh_token_ = Str(j, "refresh_token");
    token_uri_ = !uri.empty() ? uri : (Str(j, "token_uri").empty() ? kDefaultTokenUri : Str(j, "token_uri"));
  }
  std::string Describe() const override { return "authorized user " + client_id_; }

 protected:
  Result<AccessToken> Fetch(const std::atomic<bool>* cancel) override {
    http::Request req;
    req.method = "POST";
    req.url = token_uri_;
    req.headers = {{"Content-Type", "application/x-www-form-urlencoded"}};
    req.body = internal::FormEncode({{"grant_type", "refresh_token"},
                                     {"client_id", client_id_},
                                     {"client_secret", client_secret_},
                                     {"refresh_token", refresh_token_}});
    return ParseOAuthResponse(Send(req, cancel), token_uri_);
  }

 private:
  std::string client_id_, client_secret_, refresh_token_, token_uri_;
};

class MetadataProvider : public CachingProvider {
 public:
  MetadataProvider(std::string host, TokenFetchOptions o) : CachingProvider(std::move(o)) {
    if (host.find("://") == std::string::npos) host = "http://" + host;
    while (!host.empty() && host.back() == '/') host.pop_back();
    base_ = host;
    // The metadata server is local: fail fast when we are not on Google Cloud.
    options_.retry.max_attempts = std::min(options_.retry.max_attempts, 3);
  }
  std::string Describe() const override { return "metadata server " + base_; }

 protected:
  Result<AccessToken> Fetch(const std::atomic<bool>* cancel) override {
    http::Request req;
    req.url = base_ + "/computeMetadata/v1/instance/service-accounts/default/token";
    req.headers = {{"Metadata-Flavor", "Google"}};
    req.timeout = std::chrono::milliseconds(5000);
    auto r = Send(req, cancel);
    if (!r.ok()) {
      Error e = r.error();
      e.message = "no Google credentials configured and the metadata server " + base_ +
                  " is unreachable (" + e.message +
                  "); set credentials, GOOGLE_CREDENTIALS or GOOGLE_APPLICATION_CREDENTIALS";
      return e;
    }
    return ParseOAuthResponse(r, "metadata server " + base_);
  }

 private:
  std::string base_;
};

// Workload identity federation: subject token -> STS -> (optional) impersonation.
class ExternalAccountProvider : public CachingProvider {
 public:
  ExternalAccountProvider(json j, TokenFetchOptions o, std::string uri)
      : CachingProvider(std::move(o)), config_(std::move(j)) {
    token_url_ = !uri.empty() ? uri : Str(config_, "token_url");
    impersonation_url_ = Str(config_, "service_account_impersonation_url");
  }
  std::string Describe() const override {
    return "workload identity federation " + Str(config_, "audience");
  }

  static Status Validate(const json& j) {
    for (const char* f : {"audience", "subject_token_type", "token_url"}) {
      if (Str(j, f).empty()) {
        return MakeError(ErrorCode::kInvalidArgument,
                         std::string("external_account credentials lack \"") + f + "\"");
      }
    }
    if (!j.contains("credential_source") || !j["credential_source"].is_object()) {
      return MakeError(ErrorCode::kInvalidArgument,
                       "external_account credentials lack \"credential_source\"");
    }
    const json& src = j["credential_source"];
    if (!Str(src, "environment_id").empty()) {
      return MakeError(ErrorCode::kInvalidArgument,
                       "external_account credential_source environment_id \"" +
                           Str(src, "environment_id") +
                           "\" is not supported; use a file or url credential source");
    }
    if (Str(src, "file").empty() && Str(src, "url").empty()) {
      return MakeError(ErrorCode::kInvalidArgument,
                       "external_account credential_source needs \"file\" or \"url\"");
    }
    return Status::Ok();
  }

 protected:
  Result<AccessToken> Fetch(const std::atomic<bool>* cancel) override {
    PROV_ASSIGN_OR_RETURN(std::string subject, SubjectToken(cancel));
    std::string scope;
    if (!impersonation_url_.empty()) {
      scope = kCloudPlatformScope;  // the STS token only needs to call iamcredentials
    } else {
      for (const auto& s : options_.scopes) scope += (scope.empty() ? "" : " ") + s;
    }
    http::Request req;
    req.method = "POST";
    req.url = token_url_;
    req.headers = {{"Content-Type", "application/x-www-form-urlencoded"}};
    req.body = internal::FormEncode({{"grant_type", kTokenExchangeGrant},
                                     {"audience", Str(config_, "audience")},
                                     {"scope", scope},
                                     {"requested_token_type", kAccessTokenType},
                                     {"subject_token", subject},
                                     {"subject_token_type", Str(config_, "subject_token_type")}});
    PROV_ASSIGN_OR_RETURN(AccessToken sts, ParseOAuthResponse(Send(req, cancel), token_url_));
    if (impersonation_url_.empty()) return sts;

    json body = {{"scope", options_.scopes}, {"lifetime", "3600s"}};
    http::Request imp;
    imp.method = "POST";
    imp.url = impersonation_url_;
    imp.headers = {{"Content-Type", "application/json"}, {"Authorization", "Bearer " + sts.token}};
    imp.body = body.dump();
    return ParseOAuthResponse(Send(imp, cancel), impersonation_url_);
  }

 private:
  Result<std::string> SubjectToken(const std::atomic<bool>* cancel) {
    const json& src = config_["credential_source"];
    std::string raw;
    std::string where;
    if (!Str(src, "file").empty()) {
      where = "credential_source file " + Str(src, "file");
      PROV_ASSIGN_OR_RETURN(raw, ReadFile(Str(src, "file"), "credential_source"));
    } else {
      where = "credential_source url " + Str(src, "url");
      http::Request req;
      req.url = Str(src, "url");
      if (src.contains("headers") && src["headers"].is_object()) {
        for (auto it = src["headers"].begin(); it != src["headers"].end(); ++it) {
          if (it->is_string()) req.headers.emplace_back(it.key(), it->get<std::string>());
        }
      }
      auto r = Send(req, cancel);
      if (!r.ok()) {
        Error e = r.error();
        e.message = "reading " + where + ": " + e.message;
        return e;
      }
      if (r->status != 200) {
        Error e = MakeError(ErrorCode::kPermissionDenied,
                            "reading " + where + " failed with HTTP " + std::to_string(r->status));
        e.http_status = r->status;
        return e;
      }
      raw = r->body;
    }
    std::string type = "text";
    std::string field;
    if (src.contains("format") && src["format"].is_object()) {
      if (!Str(src["format"], "type").empty()) type = Str(src["format"], "type");
      field = Str(src["format"], "subject_token_field_name");
    }
    if (type == "json") {
      json j = json::parse(raw, nullptr, false);
      if (j.is_discarded() || !j.is_object() || Str(j, field.c_str()).empty()) {
        return MakeError(ErrorCode::kInvalidArgument,
                         where + " is not JSON with a string field \"" + field + "\"");
      }
      return Str(j, field.c_str());
    }
    if (type != "text") {
      return MakeError(ErrorCode::kInvalidArgument,
                       "credential_source format type \"" + type + "\" is not text or json");
    }
    while (!raw.empty() && std::isspace(static_cast<unsigned char>(raw.back()))) raw.pop_back();
    if (raw.empty()) return MakeError(ErrorCode::kInvalidArgument, where + " is empty");
    return raw;
  }

  json config_;
  std::string token_url_;
  std::string impersonation_url_;
};

std::optional<std::string> RealEnv(const std::string& name) {
  const char* v = std::getenv(name.c_str());
  if (v == nullptr || *v == '\0') return std::nullopt;
  return std::string(v);
}

// "Content or path": JSON content starts with '{' after whitespace.
Result<std::string> ContentOrPath(const std::string& value, const std::string& what) {
  size_t i = value.find_first_not_of(" \t\r\n");
  if (i != std::string::npos && value[i] == '{') return value;
  return ReadFile(value, what);
}

}  // namespace

std::string Base64UrlEncode(const std::string& data) {
  static const char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  out.reserve((data.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 2 < data.size(); i += 3) {
    uint32_t n = (uint8_t(data[i]) << 16) | (uint8_t(data[i + 1]) << 8) | uint8_t(data[i + 2]);
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += kAlphabet[(n >> 6) & 63];
    out += kAlphabet[n & 63];
  }
  if (i + 1 == data.size()) {
    uint32_t n = uint8_t(data[i]) << 16;
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
  } else if (i + 2 == data.size()) {
    uint32_t n = (uint8_t(data[i]) << 16) | (uint8_t(data[i + 1]) << 8);
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += kAlphabet[(n >> 6) & 63];
  }
  return out;
}

Result<std::string> Base64UrlDecode(const std::string& text) {
  std::string out;
  uint32_t acc = 0;
  int bits = 0;
  for (char c : text) {
    int v;
    if (c >= 'A' && c <= 'Z') v = c - 'A';
    else if (c >= 'a' && c <= 'z') v = c - 'a' + 26;
    else if (c >= '0' && c <= '9') v = c - '0' + 52;
    else if (c == '-' || c == '+') v = 62;
    else if (c == '_' || c == '/') v = 63;
    else if (c == '=') break;
    else return MakeError(ErrorCode::kInvalidArgument, "invalid base64url character");
    acc = (acc << 6) | uint32_t(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += char((acc >> bits) & 0xff);
    }
  }
  return out;
}

Result<ServiceAccountKey> ParseServiceAccountKey(const std::string& json_text) {
  PROV_ASSIGN_OR_RETURN(json j, ParseJsonObject(json_text, "service account key"));
  if (Str(j, "type") != "service_account") {
    return MakeError(ErrorCode::kInvalidArgument,
                     "credentials type is \"" + Str(j, "type") + "\", expected \"service_account\"");
  }
  ServiceAccountKey k;
  k.client_email = Str(j, "client_email");
  k.private_key_id = Str(j, "private_key_id");
  k.private_key_pem = Str(j, "private_key");
  k.token_uri = Str(j, "token_uri");
  k.project_id = Str(j, "project_id");
  if (k.token_uri.empty()) k.token_uri = kDefaultTokenUri;
  if (k.client_email.empty()) {
    return MakeError(ErrorCode::kInvalidArgument, "service account key lacks \"client_email\"");
  }
  if (k.private_key_pem.find("PRIVATE KEY") == std::string::npos) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "service account key lacks a PEM \"private_key\"");
  }
  return k;
}

Result<std::string> BuildJwtAssertion(const ServiceAccountKey& key,
                                      const std::vector<std::string>& scopes,
                                      const std::string& audience,
                                      system_clock::time_point issued_at,
                                      std::chrono::seconds lifetime) {
  json header = {{"alg", "RS256"}, {"typ", "JWT"}};
  if (!key.private_key_id.empty()) header["kid"] = key.private_key_id;
  std::string scope;
  for (const auto& s : scopes) scope += (scope.empty() ? "" : " ") + s;
  int64_t iat = std::chrono::duration_cast<std::chrono::seconds>(issued_at.time_since_epoch()).count();
  json claims = {{"iss", key.client_email},
                 {"scope", scope},
                 {"aud", audience},
                 {"iat", iat},
                 {"exp", iat + lifetime.count()}};
  std::string signing_input = Base64UrlEncode(header.dump()) + "." + Base64UrlEncode(claims.dump());

  BIO* bio = BIO_new_mem_buf(key.private_key_pem.data(), int(key.private_key_pem.size()));
  if (bio == nullptr) return MakeError(ErrorCode::kInternal, "BIO_new_mem_buf failed");
  EVP_PKEY* pkey = PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  if (pkey == nullptr || EVP_PKEY_base_id(pkey) != EVP_PKEY_RSA) {
    if (pkey != nullptr) EVP_PKEY_free(pkey);
    return MakeError(ErrorCode::kInvalidArgument,
                     "service account private_key is not a PEM RSA private key");
  }
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  size_t sig_len = 0;
  std::string sig;
  bool ok = ctx != nullptr &&
            EVP_DigestSignInit(ctx, nullptr, EVP_sha256(), nullptr, pkey) == 1 &&
            EVP_DigestSignUpdate(ctx, signing_input.data(), signing_input.size()) == 1 &&
            EVP_DigestSignFinal(ctx, nullptr, &sig_len) == 1;
  if (ok) {
    sig.resize(sig_len);
    ok = EVP_DigestSignFinal(ctx, reinterpret_cast<unsigned char*>(sig.data()), &sig_len) == 1;
    sig.resize(sig_len);
  }
  EVP_MD_CTX_free(ctx);
  EVP_PKEY_free(pkey);
  if (!ok) return MakeError(ErrorCode::kInternal, "RS256 signing failed");
  return signing_input + "." + Base64UrlEncode(sig);
}

std::shared_ptr<TokenProvider> NewStaticTokenProvider(std::string token) {
  return std::make_shared<StaticProvider>(std::move(token));
}

std::shared_ptr<TokenProvider> NewServiceAccountTokenProvider(ServiceAccountKey key,
                                                              TokenFetchOptions options,
                                                              std::string token_uri_override) {
  return std::make_shared<ServiceAccountProvider>(std::move(key), std::move(options),
                                                  std::move(token_uri_override));
}

std::shared_ptr<TokenProvider> NewMetadataTokenProvider(std::string host, TokenFetchOptions options) {
  if (host.empty()) host = RealEnv("GCE_METADATA_HOST").value_or(kDefaultMetadataHost);
  return std::make_shared<MetadataProvider>(std::move(host), std::move(options));
}

Result<std::shared_ptr<TokenProvider>> NewTokenProviderFromJson(const std::string& json_text,
                                                                 TokenFetchOptions options,
                                                                 std::string token_uri_override) {
  PROV_ASSIGN_OR_RETURN(json j, ParseJsonObject(json_text, "Google credentials"));
  std::string type = Str(j, "type");
  if (type == "service_account") {
    PROV_ASSIGN_OR_RETURN(ServiceAccountKey key, ParseServiceAccountKey(json_text));
    return NewServiceAccountTokenProvider(std::move(key), std::move(options),
                                          std::move(token_uri_override));
  }
  if (type == "authorized_user") {
    for (const char* f : {"client_id", "client_secret", "refresh_token"}) {
      if (Str(j, f).empty()) {
        return MakeError(ErrorCode::kInvalidArgument,
                         std::string("authorized_user credentials lack \"") + f + "\"");
      }
    }
    return std::shared_ptr<TokenProvider>(std::make_shared<AuthorizedUserProvider>(
        std::move(j), std::move(options), std::move(token_uri_override)));
  }
  if (type == "external_account") {
    PROV_RETURN_IF_ERROR(ExternalAccountProvider::Validate(j));
    return std::shared_ptr<TokenProvider>(std::make_shared<ExternalAccountProvider>(
        std::move(j), std::move(options), std::move(token_uri_override)));
  }
  return MakeError(ErrorCode::kInvalidArgument,
                   "unsupported Google credentials type \"" + type +
                       "\" (expected service_account, authorized_user or external_account)");
}

Result<std::shared_ptr<TokenProvider>> ResolveCredentials(const CredentialsConfig& config,
                                                          const EnvFn& env_in) {
  EnvFn env = env_in ? env_in : EnvFn(RealEnv);
  auto from_json = [&](const std::string& value, const std::string& source)
      -> Result<std::shared_ptr<TokenProvider>> {
    auto content = ContentOrPath(value, source);
    if (!content.ok()) return content.error();
    auto p = NewTokenProviderFromJson(*content, config.fetch, config.token_endpoint);
    if (!p.ok()) {
      Error e = p.error();
      e.message = source + ": " + e.message;
      e.where = source;
      return e;
    }
    return p;
  };
  if (!config.access_token.empty()) return NewStaticTokenProvider(config.access_token);
  if (!config.credentials.empty()) return from_json(config.credentials, "credentials");
  if (auto t = env("GOOGLE_OAUTH_ACCESS_TOKEN")) return NewStaticTokenProvider(*t);
  for (const char* var : {"GOOGLE_CREDENTIALS", "GOOGLE_CLOUD_KEYFILE_JSON", "GCLOUD_KEYFILE_JSON"}) {
    if (auto v = env(var)) return from_json(*v, var);
  }
  if (auto path = env("GOOGLE_APPLICATION_CREDENTIALS")) {
    auto content = ReadFile(*path, "GOOGLE_APPLICATION_CREDENTIALS");
    if (!content.ok()) return content.error();
    return from_json(*content, "GOOGLE_APPLICATION_CREDENTIALS");
  }
  std::string well_known;
  if (auto dir = env("CLOUDSDK_CONFIG")) {
    well_known = *dir + "/application_default_credentials.json";
  } else if (auto home = env("HOME")) {
    well_known = *home + "/.config/gcloud/application_default_credentials.json";
  }
  if (!well_known.empty()) {
    std::ifstream probe(well_known);
    if (probe.good()) return from_json(well_known, "gcloud application default credentials");
  }
  std::string host = config.metadata_endpoint;
  if (host.empty()) host = env("GCE_METADATA_HOST").value_or(kDefaultMetadataHost);
  return NewMetadataTokenProvider(host, config.fetch);
}

}  // namespace prov::cloud::gcp
