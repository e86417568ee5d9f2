// FirewallBackend: what the allowlist resource needs from a cloud, whatever the cloud.
// One backend instance is bound to one target (an AWS set of security groups, an Azure
// NSG, a GCP network) and to an ownership marker: the owner plus the allowlist's id (an
// empty id is the first format's marker, owner only). It only ever reads, changes or
// deletes rules carrying exactly that marker, and reports foreign rules only as far as
// they constrain us (Azure priorities in use, AWS quota) or carry another allowlist's
// marker (`others`: never touched, named in warnings, checked for overlaps).
#pragma once

#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "provider/base/result.h"
#include "provider/net/firewall_rule.h"

namespace prov::cloud {

struct LiveRule {
  net::FirewallRule rule;  // key recovered from the marker (tag / name)
  std::string remote_id;   // sgr-…, ARM rule id, GCE selfLink/id
  std::string etag;        // Azure etag, GCP fingerprint if any
  // The marker found on the rule: owner and allowlist id ("" = a marker without id).
  std::string owner, allowlist_id;
  // Apply could not confirm whether this rule exists (its create's answer was lost and the
  // re-read failed): recorded in state so that the next refresh settles it.
  bool unconfirmed = false;
};

// Rules others own in one AWS security group, per direction and address family: they use
// up the same per-group quota as ours.
struct GroupUsage {
  int egress_v4 = 0, egress_v6 = 0, ingress_v4 = 0, ingress_v6 = 0;
};

struct LiveState {
  bool target_exists = true;          // false: the group / NSG / network is gone
  std::vector<LiveRule> owned;        // ours, sorted by key
  // Rules carrying some allowlist's marker that is not ours (another owner, or our owner
  // with another allowlist id): never changed or deleted.
  std::vector<LiveRule> others;
  std::vector<int> foreign_priorities_egress;   // Azure: priorities taken by others
  std::vector<int> foreign_priorities_ingress;
  std::vector<GroupUsage> foreign_usage;        // AWS: one entry per security group
  int api_calls = 0;                  // for benchmarks and logs
};

enum class ChangeKind { kCreate, kUpdate, kDelete };
struct Change {
  ChangeKind kind;
  net::FirewallRule desired;  // for create/update
  LiveRule current;           // for update/delete
};

// The outcome of applying changes: exactly what now exists (so the resource can record
// precisely that in state), plus the first error if any change failed.
struct ApplyOutcome {
  std::vector<LiveRule> owned_after;  // every owned rule known to exist after the call
  std::optional<Error> error;
  int api_calls = 0;
};

class FirewallBackend {
 public:
  virtual ~FirewallBackend() = default;
  virtual Result<LiveState> Read(const std::atomic<bool>* cancel) = 0;
  // Applies changes (batched where the API allows; creates before deletes where the
  // platform allows, so a failure leaves at least what existed). Never touches a rule
  // without our marker. owned_after holds every rule known to exist afterwards, plus
  // (flagged unconfirmed) those whose creation could be neither confirmed nor ruled out.
  virtual ApplyOutcome Apply(const LiveState& before, const std::vector<Change>& changes,
                             const std::atomic<bool>* cancel) = 0;
};

}  // namespace prov::cloud
