// Turns a target block of office_at_hand_allowlist plus the provider's cloud settings into
// a FirewallBackend bound to that target, and carries the AWS prefix-list operation.
// The only file in resources/ that knows the concrete cloud adapters.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "provider/base/result.h"
#include "provider/cloud/firewall_backend.h"
#include "provider/rules/compiler.h"
#include "resources/provider_data.h"

namespace prov::resources {

struct TargetSpec {
  rules::Platform platform = rules::Platform::kAws;
  // AWS: security group ids; Azure: {nsg id}; GCP: {"projects/P/global/networks/N"}.
  std::vector<std::string> locations;
  std::string owner = "default";
  // The allowlist's own id (attribute allowlist_id): part of the ownership marker and of
  // Azure/GCP rule names. "" = the first format (marker with the owner only).
  std::string allowlist_id;
  // AWS
  std::string region;
  int rule_quota = 0;
  bool use_prefix_list = false;
  std::string prefix_list_name;
  // Azure
  std::string nsg_id;
  int priority_from = 1000, priority_to = 1999;
  std::string name_prefix = "oah";
  // GCP
  std::string project, network;
  int priority = 1000;
  std::vector<std::string> target_tags, target_service_accounts;
  bool enable_logging = false;

  // Import only (options of the import id): whose rules to adopt and the selection they
  // were created with, so that the first plan after import is empty.
  bool import_allowlist_id_given = false;
  std::optional<std::vector<std::string>> import_services;
  std::optional<bool> import_line_sharing, import_tcp_fallback, import_ipv6_clients;

  std::string Id() const;  // the resource id
};

// "[oah:<owner>:<allowlist id>]", or "[oah:<owner>]" for an empty id (first format): the
// marker written into Azure/GCP descriptions.
std::string OwnershipMarker(const std::string& owner, const std::string& allowlist_id);

Result<std::unique_ptr<cloud::FirewallBackend>> MakeBackend(const ProviderData& data, const TargetSpec& target);

// Tests replace the cloud adapters with fakes; nullptr restores the real ones.
using BackendFactory = std::function<Result<std::unique_ptr<cloud::FirewallBackend>>(
    const ProviderData&, const TargetSpec&)>;
void SetBackendFactoryForTesting(BackendFactory factory);

struct PrefixListInfo {
  std::string id;
  std::string name;  // as EC2 has it now
  std::vector<std::string> entries;
  int max_entries = 0;
};
// AWS prefix-list mode: creates or updates the managed prefix list holding `cidrs`
// (optimistic lock on its version) and returns it. `known_id` (from state, may be empty)
// is followed first, so a list renamed outside Terraform is renamed back, not duplicated.
Result<PrefixListInfo> EnsurePrefixList(const ProviderData& data, const TargetSpec& target,
                                        const std::vector<std::string>& cidrs,
                                        const std::atomic<bool>* cancel, const std::string& known_id = "");
// Reads the prefix list: by `known_id` when it still exists, else by name; empty id when
// there is none. An error (several lists with the name, API failure) is returned, never
// swallowed.
Result<PrefixListInfo> ReadPrefixList(const ProviderData& data, const TargetSpec& target,
                                      const std::atomic<bool>* cancel, const std::string& known_id = "");
// Deletes our prefix list (after the rules referencing it are gone): `id`, or when empty
// the list named target.prefix_list_name if there is one. NotFound = success.
Status DeletePrefixList(const ProviderData& data, const TargetSpec& target, const std::string& id,
                        const std::atomic<bool>* cancel);

}  // namespace prov::resources
