// Google OAuth2 access tokens for the Compute client, from every source the Google
// provider users already rely on: a raw access token, a service-account key (self-signed
// RS256 JWT exchanged at token_uri), gcloud's authorized_user file (refresh token), the
// GCE/GKE metadata server, and workload identity federation (external_account: subject
// token from a file or URL, STS token exchange, optional service-account impersonation).
//
// Tokens are cached until shortly before they expire; every TokenProvider is thread-safe.
// Secrets (private keys, tokens, refresh tokens, subject tokens) never appear in errors or
// logs.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "provider/base/result.h"
#include "provider/cloud/http/retry.h"
#include "provider/cloud/http/transport.h"

namespace prov::cloud::gcp {

using Clock = std::function<std::chrono::system_clock::time_point()>;
// Environment lookup, injectable for tests; returns nullopt when the variable is unset.
using EnvFn = std::function<std::optional<std::string>(const std::string&)>;

inline constexpr char kComputeScope[] = "https://www.googleapis.com/auth/compute";
inline constexpr char kCloudPlatformScope[] = "https://www.googleapis.com/auth/cloud-platform";
inline constexpr char kDefaultTokenUri[] = "https://oauth2.googleapis.com/token";

struct AccessToken {
  std::string token;
  std::chrono::system_clock::time_point expiry;  // time_point::max() = never expires
};

// Source of bearer tokens. Thread-safe.
class TokenProvider {
 public:
  virtual ~TokenProvider() = default;
  // Returns a token valid for at least the refresh margin, fetching one when the cached
  // token is missing or about to expire. Errors: kPermissionDenied (rejected credentials),
  // kUnavailable (token endpoint unreachable), kDataLoss (malformed token response),
  // kCancelled.
  virtual Result<std::string> Token(const std::atomic<bool>* cancel) = 0;
  // Drops the cached token (after the API answered 401 with it).
  virtual void Invalidate() = 0;
  // Human description without secrets: "service account a@b.iam.gserviceaccount.com".
  virtual std::string Describe() const = 0;
};

// Common plumbing for token sources that fetch over HTTP.
struct TokenFetchOptions {
  std::shared_ptr<http::Transport> transport;
  Clock clock;                                   // default: system_clock::now
  http::RetryPolicy retry;                       // transient token endpoint failures
  http::SleepFn sleep;                           // tests
  std::vector<std::string> scopes = {kComputeScope};
  std::chrono::seconds refresh_margin{300};      // refresh this long before expiry
};

// A parsed service-account key file (type "service_account").
struct ServiceAccountKey {
  std::string client_email;
  std::string private_key_id;
  std::string private_key_pem;  // secret
  std::string token_uri;        // defaults to kDefaultTokenUri
  std::string project_id;
};
// Errors: kInvalidArgument naming the missing/invalid field (never echoing the key).
Result<ServiceAccountKey> ParseServiceAccountKey(const std::string& json_text);

// Builds the signed JWT assertion {"alg":"RS256","typ":"JWT","kid":..} /
// {iss, scope (space-joined), aud, iat, exp = iat + lifetime}. Errors: kInvalidArgument
// when the PEM is not an RSA private key.
Result<std::string> BuildJwtAssertion(const ServiceAccountKey& key,
                                      const std::vector<std::string>& scopes,
                                      const std::string& audience,
                                      std::chrono::system_clock::time_point issued_at,
                                      std::chrono::seconds lifetime = std::chrono::seconds(3600));

// base64url without padding (JWT encoding). Exposed for tests.
std::string Base64UrlEncode(const std::string& data);
Result<std::string> Base64UrlDecode(const std::string& text);

// A fixed token (GOOGLE_OAUTH_ACCESS_TOKEN or the provider's access_token attribute).
std::shared_ptr<TokenProvider> NewStaticTokenProvider(std::string token);

// Service-account key: JWT-bearer grant at key.token_uri (or token_uri_override).
std::shared_ptr<TokenProvider> NewServiceAccountTokenProvider(ServiceAccountKey key,
                                                              TokenFetchOptions options,
                                                              std::string token_uri_override = {});

// Metadata server. `host` is "host[:port]" or a URL ("http://127.0.0.1:8080"); empty =
// GCE_METADATA_HOST or metadata.google.internal.
std::shared_ptr<TokenProvider> NewMetadataTokenProvider(std::string host, TokenFetchOptions options);

// Creates a provider from credentials JSON (service_account, authorized_user,
// external_account). `token_uri_override` replaces token_uri / token_url (tests, private
// endpoints). Errors: kInvalidArgument for unknown types or missing fields.
Result<std::shared_ptr<TokenProvider>> NewTokenProviderFromJson(const std::string& json_text,
                                                                 TokenFetchOptions options,
                                                                 std::string token_uri_override = {});

// Everything the provider block can say about credentials.
struct CredentialsConfig {
  std::string credentials;        // JSON content or a path to it (secret)
  std::string access_token;       // raw token (secret)
  std::string token_endpoint;     // override of token_uri / token_url
  std::string metadata_endpoint;  // override of the metadata host
  TokenFetchOptions fetch;
};

// Resolves credentials in the order terraform-provider-google uses:
//   access_token attribute, credentials attribute, GOOGLE_OAUTH_ACCESS_TOKEN,
//   GOOGLE_CREDENTIALS / GOOGLE_CLOUD_KEYFILE_JSON / GCLOUD_KEYFILE_JSON (content or path),
//   GOOGLE_APPLICATION_CREDENTIALS (path), gcloud's well-known ADC file
//   ($CLOUDSDK_CONFIG or ~/.config/gcloud/application_default_credentials.json),
//   then the metadata server (its reachability is only known when a token is fetched).
// Errors: kInvalidArgument naming the source that is unreadable or malformed.
Result<std::shared_ptr<TokenProvider>> ResolveCredentials(const CredentialsConfig& config,
                                                          const EnvFn& env = nullptr);

}  // namespace prov::cloud::gcp
