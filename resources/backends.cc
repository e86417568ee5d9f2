#include "resources/backends.h"

#include <functional>
#include <map>
#include <mutex>

#include "provider/cloud/aws/aws_backend.h"
#include "provider/cloud/azure/arm_client.h"
#include "provider/cloud/azure/azure_backend.h"
#include "provider/cloud/azure/credentials.h"
#include "provider/cloud/gcp/compute_client.h"
#include "provider/cloud/gcp/credentials.h"
#include "provider/cloud/gcp/gcp_backend.h"
#include "provider/cloud/http/transport.h"

namespace prov::resources {

namespace {

std::mutex g_mu;
BackendFactory g_factory;

// One transport for the process: libcurl keeps connections alive across calls, which
// matters when a plan refreshes hundreds of allowlists.
std::shared_ptr<cloud::http::Transport> SharedTransport() {
  static std::shared_ptr<cloud::http::Transport> t = cloud::http::NewCurlTransport();
  return t;
}

// Clients (and their credential caches) are reused across RPCs with the same settings.
// The key is an in-memory fingerprint; it never leaves the process.
template <typename T>
class ClientCache {
 public:
  std::shared_ptr<T> Get(const std::string& key, const std::function<Result<std::shared_ptr<T>>()>& make,
                         Error* err) {
    std::lock_guard<std::mutex> l(mu_);
    auto it = cache_.find(key);
    if (it != cache_.end()) return it->second;
    auto r = make();
    if (!r.ok()) {
      *err = r.error();
      return nullptr;
    }
    cache_[key] = *r;
    return *r;
  }

 private:
  std::mutex mu_;
  std::map<std::string, std::shared_ptr<T>> cache_;
};

std::string Fingerprint(std::initializer_list<std::string> parts) {
  std::string s;
  for (const auto& p : parts) s += std::to_string(std::hash<std::string>{}(p)) + "|";
  return s;
}

std::string Join(const std::vector<std::string>& xs) {
  std::string s;
  for (const auto& x : xs) s += x + ";";
  return s;
}

cloud::aws::AwsConfig AwsConfigFor(const ProviderData& data, const TargetSpec& t) {
  const AwsSettings& s = data.aws;
  cloud::aws::AwsConfig c;
  c.region = !t.region.empty() ? t.region : s.region;
  c.ec2_endpoint = s.ec2_endpoint;
  c.credentials.access_key_id = s.access_key;
  c.credentials.secret_access_key = s.secret_key;
  c.credentials.session_token = s.token;
  c.credentials.profile = s.profile;
  c.credentials.shared_config_files = s.shared_config_files;
  c.credentials.shared_credentials_files = s.shared_credentials_files;
  c.credentials.assume_role_arn = s.assume_role_arn;
  c.credentials.assume_role_session_name = s.assume_role_session_name;
  c.credentials.assume_role_external_id = s.assume_role_external_id;
  c.credentials.region = c.region;
  c.credentials.sts_endpoint = s.sts_endpoint;
  c.max_attempts = s.max_retries;
  c.transport = SharedTransport();
  return c;
}

Result<std::shared_ptr<cloud::aws::Ec2Client>> Ec2For(const ProviderData& data, const TargetSpec& t) {
  static ClientCache<cloud::aws::Ec2Client> cache;
  auto cfg = AwsConfigFor(data, t);
  const AwsSettings& s = data.aws;
  std::string key = Fingerprint({cfg.region, s.ec2_endpoint, s.access_key, s.secret_key, s.token, s.profile,
                                 Join(s.shared_config_files), Join(s.shared_credentials_files), s.assume_role_arn,
                                 s.assume_role_session_name, s.assume_role_external_id, s.sts_endpoint,
                                 std::to_string(s.max_retries)});
  Error err;
  auto client = cache.Get(key, [&]() { return cloud::aws::NewEc2Client(cfg); }, &err);
  if (!client) return err;
  return client;
}

}  // namespace

std::string OwnershipMarker(const std::string& owner, const std::string& allowlist_id) {
  return allowlist_id.empty() ? "[oah:" + owner + "]" : "[oah:" + owner + ":" + allowlist_id + "]";
}

namespace {

Result<std::unique_ptr<cloud::FirewallBackend>> MakeAws(const ProviderData& data, const TargetSpec& t) {
  PROV_ASSIGN_OR_RETURN(auto client, Ec2For(data, t));
  cloud::aws::AwsTarget target;
  target.group_ids = t.locations;
  target.region = client->region();
  target.owner_tag_value = t.owner;
  target.allowlist_id = t.allowlist_id;
  return std::unique_ptr<cloud::FirewallBackend>(new cloud::aws::AwsBackend(target, client));
}

Result<std::unique_ptr<cloud::FirewallBackend>> MakeAzure(const ProviderData& data, const TargetSpec& t) {
  static ClientCache<cloud::azure::ArmClient> cache;
  const AzureSettings& s = data.azure;
  std::string key = Fingerprint({s.environment, s.tenant_id, s.client_id, s.client_secret, s.client_certificate_path,
                                 s.client_certificate_password, std::to_string(s.use_oidc), s.oidc_token,
                                 s.oidc_token_file_path, std::to_string(s.use_msi), s.msi_endpoint,
                                 s.resource_manager_endpoint, s.authority_host, std::to_string(s.max_retries)});
  Error err;
  auto client = cache.Get(
      key,
      [&]() -> Result<std::shared_ptr<cloud::azure::ArmClient>> {
        cloud::azure::AzureCredentialConfig cc;
        cc.environment = s.environment;
        cc.tenant_id = s.tenant_id;
        cc.client_id = s.client_id;
        cc.client_secret = s.client_secret;
        cc.client_certificate_path = s.client_certificate_path;
        cc.client_certificate_password = s.client_certificate_password;
        cc.use_oidc = s.use_oidc;
        cc.oidc_token = s.oidc_token;
        cc.oidc_token_file_path = s.oidc_token_file_path;
        cc.use_msi = s.use_msi;
        cc.msi_endpoint = s.msi_endpoint;
        cc.authority_host = s.authority_host;
        cc = cloud::azure::ApplyEnvironment(cc, [](const char* n) { return std::getenv(n); });
        PROV_ASSIGN_OR_RETURN(auto tokens, cloud::azure::NewTokenSource(cc, SharedTransport()));
        cloud::azure::ArmConfig ac;
        std::string endpoint = s.resource_manager_endpoint;
        if (endpoint.empty()) {
          if (const char* e = std::getenv("ARM_RESOURCE_MANAGER_ENDPOINT")) endpoint = e;
        }
        if (endpoint.empty()) {
          PROV_ASSIGN_OR_RETURN(auto env, cloud::azure::EnvironmentByName(cc.environment));
          endpoint = env.resource_manager;
        }
        while (!endpoint.empty() && endpoint.back() == '/') endpoint.pop_back();
        ac.endpoint = endpoint;
        if (s.max_retries > 0) ac.retry.max_attempts = s.max_retries;
        return std::make_shared<cloud::azure::ArmClient>(ac, SharedTransport(), tokens);
      },
      &err);
  if (!client) return err;
  cloud::azure::AzureTarget target;
  target.nsg_id = t.nsg_id;
  target.name_prefix = t.name_prefix;
  target.priority_from = t.priority_from;
  target.priority_to = t.priority_to;
  target.owner_marker = OwnershipMarker(t.owner, t.allowlist_id);
  PROV_ASSIGN_OR_RETURN(auto backend, cloud::azure::AzureBackend::New(target, client));
  return std::unique_ptr<cloud::FirewallBackend>(std::move(backend));
}

Result<std::unique_ptr<cloud::FirewallBackend>> MakeGcp(const ProviderData& data, const TargetSpec& t) {
  static ClientCache<cloud::gcp::ComputeClient> cache;
  const GcpSettings& s = data.gcp;
  std::string key = Fingerprint({t.project, s.credentials, s.access_token, s.compute_endpoint, s.token_endpoint,
                                 s.metadata_endpoint, std::to_string(s.max_retries)});
  Error err;
  auto client = cache.Get(
      key,
      [&]() -> Result<std::shared_ptr<cloud::gcp::ComputeClient>> {
        cloud::gcp::CredentialsConfig cc;
        cc.credentials = s.credentials;
        cc.access_token = s.access_token;
        cc.token_endpoint = s.token_endpoint;
        cc.metadata_endpoint = s.metadata_endpoint;
        cc.fetch.transport = SharedTransport();
        PROV_ASSIGN_OR_RETURN(auto tokens, cloud::gcp::ResolveCredentials(cc));
        cloud::gcp::ComputeConfig c;
        if (!s.compute_endpoint.empty()) c.endpoint = s.compute_endpoint;
        while (!c.endpoint.empty() && c.endpoint.back() == '/') c.endpoint.pop_back();
        c.project = t.project;
        c.transport = SharedTransport();
        c.tokens = tokens;
        if (s.max_retries > 0) c.retry.max_attempts = s.max_retries;
        return std::make_shared<cloud::gcp::ComputeClient>(c);
      },
      &err);
  if (!client) return err;
  cloud::gcp::GcpTarget target;
  target.project = t.project;
  target.network = t.network;
  target.name_prefix = t.name_prefix;
  target.priority = t.priority;
  target.target_tags = t.target_tags;
  target.target_service_accounts = t.target_service_accounts;
  target.enable_logging = t.enable_logging;
  target.owner_marker = OwnershipMarker(t.owner, t.allowlist_id);
  return std::unique_ptr<cloud::FirewallBackend>(new cloud::gcp::GcpBackend(target, client));
}

}  // namespace

void SetBackendFactoryForTesting(BackendFactory factory) {
  std::lock_guard<std::mutex> l(g_mu);
  g_factory = std::move(factory);
}

Result<std::unique_ptr<cloud::FirewallBackend>> MakeBackend(const ProviderData& data, const TargetSpec& target) {
  {
    std::lock_guard<std::mutex> l(g_mu);
    if (g_factory) return g_factory(data, target);
  }
  switch (target.platform) {
    case rules::Platform::kAws: return MakeAws(data, target);
    case rules::Platform::kAzure: return MakeAzure(data, target);
    case rules::Platform::kGcp: return MakeGcp(data, target);
  }
  return MakeError(ErrorCode::kInternal, "unknown platform");
}

Result<PrefixListInfo> EnsurePrefixList(const ProviderData& data, const TargetSpec& t,
                                        const std::vector<std::string>& cidrs, const std::atomic<bool>* cancel,
                                        const std::string& known_id) {
  PROV_ASSIGN_OR_RETURN(auto client, Ec2For(data, t));
  cloud::aws::PrefixListSpec spec;
  spec.name = t.prefix_list_name;
  spec.cidrs = cidrs;
  spec.max_entries = static_cast<int>(cidrs.size());
  spec.entry_description = "Office@Hand supernet " + OwnershipMarker(t.owner, t.allowlist_id);
  spec.tags = {{"office-at-hand:allowlist", t.owner}};
  spec.known_id = known_id;
  PROV_ASSIGN_OR_RETURN(auto st, cloud::aws::EnsureManagedPrefixList(*client, spec, cancel));
  return PrefixListInfo{st.id, st.name, st.cidrs, st.max_entries};
}

Result<PrefixListInfo> ReadPrefixList(const ProviderData& data, const TargetSpec& t,
                                      const std::atomic<bool>* cancel, const std::string& known_id) {
  PROV_ASSIGN_OR_RETURN(auto client, Ec2For(data, t));
  PROV_ASSIGN_OR_RETURN(auto st, cloud::aws::FindManagedPrefixList(*client, t.prefix_list_name, cancel, known_id));
  return PrefixListInfo{st.id, st.name, st.cidrs, st.max_entries};
}

Status DeletePrefixList(const ProviderData& data, const TargetSpec& t, const std::string& id,
                        const std::atomic<bool>* cancel) {
  auto client = Ec2For(data, t);
  if (!client.ok()) return client.error();
  std::string target_id = id;
  if (target_id.empty()) {
    auto found = cloud::aws::FindManagedPrefixList(**client, t.prefix_list_name, cancel);
    if (!found.ok()) return found.error();
    target_id = found->id;
  }
  return cloud::aws::DeleteManagedPrefixListIfExists(**client, target_id, cancel);
}

}  // namespace prov::resources
