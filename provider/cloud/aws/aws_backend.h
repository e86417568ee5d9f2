// FirewallBackend for AWS: the allowlist's rules live in one or more VPC security groups
// (FirewallRule.group_index picks the group) as individual security-group rules.
//
// Ownership: every rule we create is tagged owner_tag_key=owner_tag_value and
// id_tag_key=allowlist_id (written in the Authorize call itself via TagSpecifications, so
// batching is kept) and gets a
// readable description. The rule key is recovered on Read from the key tag when present,
// else derived from the rule's content as "<egress|ingress> <tcp|udp>/<ports> <peer>"
// (DerivedRuleKey: the same form the AWS renderer uses for its keys). The key tag is
// written (CreateTags) only for rules whose key differs from the derived one, e.g.
// prefix-list rules rendered before the list id was known. Rules without our owner tag
// are never changed or deleted.
//
// Read: one paginated DescribeSecurityGroupRules per group; a group whose listing is
// empty is checked with DescribeSecurityGroups (InvalidGroup.NotFound -> target_exists
// = false). Apply, create before delete: creates via batched Authorize (≤100 rules per
// call) first, then description-only updates via ModifySecurityGroupRules, then revokes
// batched per group and direction (≤100 ids per call); a revoke goes first only when a
// create re-adds the same content (EC2 refuses duplicates). So a failure at any point
// leaves at least the rules that existed before. InvalidPermission.Duplicate and lost
// answers are reconciled by re-reading the group and adopting rules that carry our tags;
// when that re-read fails too, the batch is reported as unconfirmed (never forgotten).
//
// Not thread-safe per instance (the resource serialises operations per target).
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "provider/base/result.h"
#include "provider/cloud/aws/credentials.h"
#include "provider/cloud/aws/ec2_client.h"
#include "provider/cloud/firewall_backend.h"
#include "provider/cloud/http/retry.h"

namespace prov::cloud::aws {

struct AwsTarget {
  std::vector<std::string> group_ids;
  std::string region;
  std::string owner_tag_key = "office-at-hand:allowlist";
  std::string owner_tag_value;  // the owner
  std::string key_tag_key = "office-at-hand:rule";
  // The allowlist's id, written as a second tag; a rule is ours when both tags match (no
  // id tag and an empty allowlist_id: a rule of the first format, owner tag only).
  std::string id_tag_key = "office-at-hand:allowlist-id";
  std::string allowlist_id;
};

// Everything needed to build an Ec2Client from provider settings.
struct AwsConfig {
  std::string region;
  std::string ec2_endpoint;  // "" -> AWS_ENDPOINT_URL_EC2 / AWS_ENDPOINT_URL / regional
  CredentialsConfig credentials;
  // When set, used instead of building the default chain from `credentials`.
  std::shared_ptr<CredentialsProvider> credentials_provider;
  int max_attempts = 0;  // total tries per call; 0 -> RetryPolicy default (8)
  std::shared_ptr<http::Transport> transport;  // null -> NewCurlTransport()
  http::SleepFn sleep;                          // tests: fake back-off sleep
  GetEnvFn getenv = ProcessGetEnv;
};

// Builds the client (credential chain, endpoint resolution, retry policy).
// kInvalidArgument when the region is missing.
Result<std::shared_ptr<Ec2Client>> NewEc2Client(const AwsConfig& config);

struct AwsBackendOptions {
  int describe_page_size = 1000;  // MaxResults for DescribeSecurityGroupRules (0: server default)
  int max_rules_per_call = 100;   // Authorize / Revoke / Modify chunk size
  int consistency_retries = 4;    // re-reads when rules we created are not yet listed
  std::chrono::milliseconds consistency_delay{500};
  http::SleepFn sleep;            // null: real sleep
};

class AwsBackend final : public FirewallBackend {
 public:
  AwsBackend(AwsTarget target, std::shared_ptr<Ec2Client> client, AwsBackendOptions options = {});
  // Convenience: builds the client from `config` (region defaults to target.region).
  static Result<std::unique_ptr<AwsBackend>> Create(AwsTarget target, AwsConfig config,
                                                    AwsBackendOptions options = {});

  Result<LiveState> Read(const std::atomic<bool>* cancel) override;
  ApplyOutcome Apply(const LiveState& before, const std::vector<Change>& changes,
                     const std::atomic<bool>* cancel) override;

  const AwsTarget& target() const { return target_; }
  Ec2Client& client() { return *client_; }

 // Implementation detail (a desired rule flattened to one AWS rule); public only so
  // helpers in the .cc file can name it.
  struct Desired;

 private:
  Result<std::vector<SecurityGroupRule>> ListGroup(size_t group_index, const std::atomic<bool>* cancel,
                                                   bool* exists);
  Status CreateBatch(size_t group_index, bool egress, std::vector<Desired> batch,
                     std::vector<LiveRule>* created, const std::atomic<bool>* cancel, int depth);

  AwsTarget target_;
  std::shared_ptr<Ec2Client> client_;
  AwsBackendOptions options_;
  std::set<std::string> expect_ids_;  // created by the last Apply; Read waits for them
};

// "<egress|ingress> <tcp|udp>/<from>[-<to>] <cidr|pl-id>".
std::string DerivedRuleKey(const SecurityGroupRule& rule);
// Maps a listed rule to the neutral model (group_index supplied by the caller). Rules
// that are not tcp/udp get an empty `allowed` (they can only be reported, never matched).
net::FirewallRule ToFirewallRule(const SecurityGroupRule& rule, const std::string& key_tag_key,
                                 int group_index);

// --- managed prefix lists (prefix-list mode) ------------------------------------------
struct PrefixListSpec {
  std::string name;
  std::string address_family = "IPv4";
  int max_entries = 0;                 // 0 -> max(entries, 1)
  std::vector<std::string> cidrs;      // desired entries (supernets)
  std::string entry_description;       // same description on every entry
  std::vector<Tag> tags;               // on create
  // The list's id as recorded in state, or "": when set and the list still exists it is
  // followed by id (a list renamed outside Terraform is renamed back, not duplicated).
  std::string known_id;
};
struct PrefixListState {
  std::string id;
  std::string name;  // as EC2 has it now (differs from the wanted name after a hand rename)
  int64_t version = 0;
  int max_entries = 0;
  std::vector<std::string> cidrs;  // sorted
  int api_calls = 0;
};
// Creates the list or brings its name, MaxEntries (resized in its own call first) and
// entries up to date in ≤100+100 batches, each with CurrentVersion as optimistic lock; on
// PrefixListVersionMismatch / IncorrectState re-reads and recomputes (bounded). The create
// carries one ClientToken for all its attempts, so a lost answer never makes two lists.
// Waits for *-in-progress states to settle. kConflict when it cannot win the race or when
// several lists carry the name (and no known id says which is ours), kResourceExhausted
// when max_entries is too small.
Result<PrefixListState> EnsureManagedPrefixList(Ec2Client& client, const PrefixListSpec& spec,
                                                const std::atomic<bool>* cancel,
                                                const http::SleepFn& sleep = nullptr);
// The list with id `known_id` when that is set and the list exists (whatever its name
// now), else the one named `name`; a state with empty id when there is none. kConflict
// when found by name and more than one list has it.
Result<PrefixListState> FindManagedPrefixList(Ec2Client& client, const std::string& name,
                                              const std::atomic<bool>* cancel, const std::string& known_id = "");
// Deletes the list and waits for the outcome: OK when it is gone (NotFound counts as
// success), kConflict naming the state message when EC2 could not delete it
// (delete-failed: still referenced, e.g. by a rule someone else made).
Status DeleteManagedPrefixListIfExists(Ec2Client& client, const std::string& id, const std::atomic<bool>* cancel,
                                       const http::SleepFn& sleep = nullptr);

}  // namespace prov::cloud::aws
