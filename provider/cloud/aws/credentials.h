// AWS credential resolution: the default chain used by the AWS CLI/SDKs and
// terraform-provider-aws, implemented over http::Transport so every source can be tested
// against loopback fakes.
//
// Order (first source that yields credentials wins; the winner is remembered and asked
// again when its temporary credentials come within 5 minutes of expiry):
//   1. explicit keys from the provider configuration
//   2. environment: AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN
//      (skipped when the configuration names a profile explicitly)
//   3. web identity from the environment: AWS_WEB_IDENTITY_TOKEN_FILE + AWS_ROLE_ARN
//      (+ AWS_ROLE_SESSION_NAME) -> STS AssumeRoleWithWebIdentity (unsigned)
//   4. shared config/credentials files, profile from config or AWS_PROFILE (default
//      "default"): static keys; role_arn + source_profile (chained, signed AssumeRole);
//      role_arn + web_identity_token_file; role_arn + credential_source=Environment
//   5. ECS/container: AWS_CONTAINER_CREDENTIALS_RELATIVE_URI / _FULL_URI with
//      AWS_CONTAINER_AUTHORIZATION_TOKEN(_FILE)
//   6. EC2 instance metadata, IMDSv2 only (token PUT, then role GET); endpoint from
//      AWS_EC2_METADATA_SERVICE_ENDPOINT, disabled by AWS_EC2_METADATA_DISABLED=true
// Finally, when the configuration has assume_role_arn, the chain's result is used to
// call STS AssumeRole and those role credentials are returned (and refreshed).
// STS endpoint: config sts_endpoint, else AWS_ENDPOINT_URL_STS, else AWS_ENDPOINT_URL,
// else https://sts.{region}.{partition DNS suffix}/ (endpoints.h: amazonaws.com.cn in
// China, amazonaws.eu in the European Sovereign Cloud, …).
//
// Secrets never appear in logs or Error messages (only the source name and key id masked).
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "provider/base/result.h"
#include "provider/cloud/aws/sigv4.h"
#include "provider/cloud/http/transport.h"

namespace prov::cloud::aws {

class CredentialsProvider {
 public:
  virtual ~CredentialsProvider() = default;
  // Valid credentials, refreshed ahead of expiry. Thread-safe. Errors:
  // kPermissionDenied when no source yields credentials (message lists what was tried),
  // or the failing source's error (STS/IMDS/ECS) with its remote code.
  virtual Result<Credentials> Get() = 0;
};

// Fixed credentials (tests, or already-resolved keys).
std::shared_ptr<CredentialsProvider> NewStaticCredentials(Credentials creds);

struct CredentialsConfig {
  // Explicit keys (provider attributes access_key / secret_key / token).
  std::string access_key_id, secret_access_key, session_token;
  std::string profile;                              // overrides AWS_PROFILE
  std::vector<std::string> shared_config_files;     // default AWS_CONFIG_FILE or ~/.aws/config
  std::vector<std::string> shared_credentials_files;  // default AWS_SHARED_CREDENTIALS_FILE or ~/.aws/credentials
  std::string assume_role_arn, assume_role_session_name, assume_role_external_id;
  std::string region;        // for the STS endpoint and signing; default us-east-1
  std::string sts_endpoint;  // override
};

// Process environment access, injectable for tests.
using GetEnvFn = std::function<std::optional<std::string>(const std::string& name)>;
std::optional<std::string> ProcessGetEnv(const std::string& name);

struct CredentialsDeps {
  std::shared_ptr<http::Transport> transport;  // required
  GetEnvFn getenv = ProcessGetEnv;
  WallClock clock = SystemNow;
  std::chrono::milliseconds metadata_timeout{1000};  // IMDS / ECS (botocore: 1 s)
};

// The default chain described above. Resolution happens lazily on the first Get().
std::shared_ptr<CredentialsProvider> NewDefaultCredentialsChain(CredentialsConfig config,
                                                                CredentialsDeps deps);

// The CA bundle for AWS endpoints (EC2, STS, IMDS, ECS), as the AWS CLI and SDKs find it:
// AWS_CA_BUNDLE, else `ca_bundle` of the chosen profile in the shared config file(s).
// Empty path when neither is set. `source` names the origin for error messages.
struct AwsCaBundle {
  std::string path;
  std::string source;
};
AwsCaBundle ResolveAwsCaBundle(const CredentialsConfig& config, const GetEnvFn& getenv);

// Resolves the STS endpoint as described above (exposed for tests).
std::string StsEndpoint(const CredentialsConfig& config, const GetEnvFn& getenv);

}  // namespace prov::cloud::aws
