// Entra ID (Azure AD) access tokens for ARM, without an SDK:
//   - client secret            (client_credentials grant)
//   - client certificate       (client_credentials + RS256 JWT assertion signed with OpenSSL;
//                               PEM with certificate and key, or PKCS#12 / PFX)
//   - federated OIDC token     (client_credentials + an external JWT as the assertion: a
//                               literal token, a token file re-read on every refresh, or the
//                               GitHub Actions ID-token request URL + bearer)
//   - managed identity         (VM IMDS, or the App Service IDENTITY_ENDPOINT form)
// Tokens are cached until 5 minutes before expiry; every TokenSource here is thread-safe.
// Secrets (client secret, certificate password, assertions, tokens) never appear in
// errors or logs: errors name the flow, the endpoint and the Entra error code only.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "provider/base/result.h"
#include "provider/cloud/azure/arm_client.h"
#include "provider/cloud/http/transport.h"

namespace prov::cloud::azure {

using Clock = std::function<std::chrono::system_clock::time_point()>;
// Reads one environment variable (nullptr when unset). Injectable for tests.
using EnvLookup = std::function<const char*(const char*)>;

struct AzureCredentialConfig {
  std::string environment;         // public | usgovernment | china (ARM_ENVIRONMENT)
  std::string tenant_id;
  std::string client_id;
  std::string client_secret;
  std::string client_certificate_path;      // PEM (cert + key) or PKCS#12 (.pfx/.p12)
  std::string client_certificate_password;  // for an encrypted key / PFX
  bool use_oidc = false;
  std::string oidc_token;
  std::string oidc_token_file_path;
  std::string oidc_request_url;    // ARM_OIDC_REQUEST_URL / ACTIONS_ID_TOKEN_REQUEST_URL
  std::string oidc_request_token;  // ARM_OIDC_REQUEST_TOKEN / ACTIONS_ID_TOKEN_REQUEST_TOKEN
  bool use_msi = false;
  std::string msi_endpoint;        // IMDS token URL override
  std::string identity_endpoint;   // App Service IDENTITY_ENDPOINT
  std::string identity_header;     // App Service IDENTITY_HEADER (a secret)
  // Entra ID host override (AZURE_AUTHORITY_HOST); default from `environment`. The ARM
  // scope always comes from `environment` ({audience}/.default), even when the resource
  // manager URL itself is overridden (private endpoints, loopback fakes).
  std::string authority_host;
};

// Fills every empty field from the environment: ARM_* first, then AZURE_* (and the
// GitHub Actions / App Service variables). Booleans: "true"/"1" (case-insensitive).
AzureCredentialConfig ApplyEnvironment(AzureCredentialConfig config, const EnvLookup& env);

// A token and the moment it stops being valid.
struct AccessToken {
  std::string token;
  std::chrono::system_clock::time_point expires_at;
};

// Caching base: Token() returns the cached token while now < expires_at - 5 min, else
// calls Fetch() (one caller at a time). Subclasses implement Fetch().
class CachingTokenSource : public TokenSource {
 public:
  explicit CachingTokenSource(Clock clock);
  Result<std::string> Token(const std::atomic<bool>* cancel) override;
  void Invalidate() override;
  int fetches() const;  // how many times Fetch() ran (tests, logs)

 protected:
  virtual Result<AccessToken> Fetch(const std::atomic<bool>* cancel) = 0;
  Clock clock_;

 private:
  mutable std::mutex mu_;
  std::optional<AccessToken> cached_;
  int fetches_ = 0;
};

// Where the Entra token endpoint is: {authority}/{tenant}/oauth2/v2.0/token.
std::string TokenEndpoint(const std::string& authority_host, const std::string& tenant_id);

// Builds the signed client assertion for certificate auth: header {alg RS256, typ JWT,
// x5t, x5t#S256}, claims {aud, iss=sub=client_id, jti, nbf, iat, exp=iat+600}. The PEM
// may hold the key and certificate in any order; `password` decrypts an encrypted key.
// Errors (kInvalidArgument) name the file, never the password.
Result<std::string> MakeClientAssertion(const std::string& certificate_path,
                                        const std::string& password,
                                        const std::string& client_id,
                                        const std::string& audience,
                                        std::chrono::system_clock::time_point now);

// Picks the flow: use_msi -> managed identity; use_oidc (or a federated token file with no
// secret/certificate) -> federated; certificate path -> certificate; secret -> secret.
// kInvalidArgument (naming the missing settings) when nothing usable is configured.
// `clock` nullptr = system clock.
Result<std::shared_ptr<CachingTokenSource>> NewTokenSource(
    const AzureCredentialConfig& config, std::shared_ptr<http::Transport> transport,
    Clock clock = nullptr);

}  // namespace prov::cloud::azure
