// EC2 Query API client for security groups, security-group rules and managed prefix
// lists: form-encodes requests (flattened `.N` lists), signs them with SigV4, sends them
// through http::Transport with the shared retry policy, and parses the XML answers with
// pugixml by local element name.
//
// Errors: an AWS error answer becomes Error{code, message, remote_code = AWS Code,
// http_status}; codes map as *.NotFound -> kNotFound, InvalidPermission.Duplicate ->
// kAlreadyExists, *LimitExceeded (quota) -> kResourceExhausted, auth failures ->
// kPermissionDenied, PrefixListVersionMismatch / IncorrectState -> kConflict, throttling
// and 5xx after retries -> kUnavailable, malformed XML after retries -> kDataLoss.
// Retried: RequestLimitExceeded, Throttling*, InternalError, Unavailable, HTTP 500/502/
// 503/504, transport failures (connection drops, timeouts) and unparseable 200 bodies.
//
// Thread-safe: one client can serve concurrent calls.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "provider/base/result.h"
#include "provider/cloud/aws/credentials.h"
#include "provider/cloud/aws/sigv4.h"
#include "provider/cloud/http/retry.h"
#include "provider/cloud/http/transport.h"

namespace prov::cloud::aws {

struct Ec2Config {
  std::string region;  // required (signing scope and default endpoint)
  // Base URL override ("http://127.0.0.1:5000"); empty -> AWS_ENDPOINT_URL_EC2, then
  // AWS_ENDPOINT_URL, then https://ec2.{region}.{partition DNS suffix}/ (endpoints.h).
  std::string endpoint;
  std::shared_ptr<http::Transport> transport;             // required
  std::shared_ptr<CredentialsProvider> credentials;       // required
  http::RetryPolicy retry;
  std::chrono::milliseconds timeout{60000};  // per HTTP attempt
  WallClock clock = SystemNow;
  http::SleepFn sleep;          // null: real, cancellable sleep
  GetEnvFn getenv = ProcessGetEnv;
};

// Ordered form parameters (Action and Version are added by the client).
using FormParams = std::vector<std::pair<std::string, std::string>>;
// "k=v&k2=v2" with RFC 3986 percent-encoding of keys and values.
std::string EncodeForm(const FormParams& params);

struct Tag {
  std::string key, value;
  bool operator==(const Tag&) const = default;
};

// One security-group rule as DescribeSecurityGroupRules / Authorize* return it.
struct SecurityGroupRule {
  std::string id;  // sgr-…
  std::string group_id;
  bool is_egress = false;
  std::string ip_protocol;  // "tcp", "udp", "icmp", "-1", "50", …
  int from_port = -1, to_port = -1;
  std::string cidr_ipv4, cidr_ipv6, prefix_list_id, referenced_group_id;
  std::string description;
  std::vector<Tag> tags;
  // Value of tag `key`, or nullopt.
  std::optional<std::string> TagValue(const std::string& key) const;
};

// The far side of one rule in a request.
struct Peer {
  enum class Kind { kIpv4, kIpv6, kPrefixList };
  Kind kind = Kind::kIpv4;
  std::string value;  // CIDR or pl-id
  std::string description;
};

// One IpPermissions.N entry: a protocol/port range and any number of peers (each peer
// becomes one rule with its own sgr- id).
struct IpPermission {
  std::string ip_protocol = "tcp";
  int from_port = 0, to_port = 0;
  std::vector<Peer> peers;
};

// Content of one rule for ModifySecurityGroupRules.
struct RuleUpdate {
  std::string rule_id;
  std::string ip_protocol;
  int from_port = 0, to_port = 0;
  Peer peer;  // its description is the rule description
};

struct SecurityGroup {
  std::string id, name, description, vpc_id, owner_id;
  std::vector<Tag> tags;
};

struct ManagedPrefixList {
  std::string id, name, address_family, state, state_message;
  int max_entries = 0;
  int64_t version = 0;
  std::vector<Tag> tags;
};

struct PrefixListEntry {
  std::string cidr, description;
  bool operator==(const PrefixListEntry&) const = default;
};

enum class RuleDirection { kIngress, kEgress };

class Ec2Client {
 public:
  explicit Ec2Client(Ec2Config config);

  // The resolved endpoint (with trailing "/").
  const std::string& endpoint() const { return endpoint_; }
  const std::string& region() const { return config_.region; }
  // Logical API calls made so far (each action call and each page counts once; retries
  // of the same call do not). http_attempts() counts every HTTP request sent.
  int api_calls() const { return api_calls_.load(); }
  int http_attempts() const { return http_attempts_.load(); }

  // One raw action call with retries; returns the 2xx body. Used by the typed calls.
  Result<std::string> Call(const std::string& action, const FormParams& params,
                           const std::atomic<bool>* cancel);

  // --- security groups ---------------------------------------------------------------
  // kNotFound (remote_code InvalidGroup.NotFound) when any id is unknown.
  Result<std::vector<SecurityGroup>> DescribeSecurityGroups(const std::vector<std::string>& group_ids,
                                                            const std::atomic<bool>* cancel);
  Result<std::string> CreateVpc(const std::string& cidr_block, const std::atomic<bool>* cancel);
  Result<std::string> CreateSecurityGroup(const std::string& name, const std::string& description,
                                          const std::string& vpc_id, const std::atomic<bool>* cancel);
  Status DeleteSecurityGroup(const std::string& group_id, const std::atomic<bool>* cancel);

  // --- rules -------------------------------------------------------------------------
  // All rules of `group_id` (Filter group-id), following NextToken until done; each page
  // is one api call. `max_results` 5..1000 or 0 to let the server choose. `tag_filters`
  // adds Filter tag:<key>=<value> entries.
  Result<std::vector<SecurityGroupRule>> DescribeSecurityGroupRules(
      const std::string& group_id, const std::vector<Tag>& tag_filters, int max_results,
      const std::atomic<bool>* cancel, int* pages_out = nullptr);
  // Authorize several permissions in one call, tagging every created rule with `tags`
  // (TagSpecification ResourceType security-group-rule). Returns the created rules.
  Result<std::vector<SecurityGroupRule>> AuthorizeSecurityGroupRules(
      RuleDirection direction, const std::string& group_id, const std::vector<IpPermission>& permissions,
      const std::vector<Tag>& tags, const std::atomic<bool>* cancel);
  // Revoke by SecurityGroupRuleId.N in one call.
  Status RevokeSecurityGroupRules(RuleDirection direction, const std::string& group_id,
                                  const std::vector<std::string>& rule_ids, const std::atomic<bool>* cancel);
  Status ModifySecurityGroupRules(const std::string& group_id, const std::vector<RuleUpdate>& updates,
                                  const std::atomic<bool>* cancel);
  Status CreateTags(const std::vector<std::string>& resource_ids, const std::vector<Tag>& tags,
                    const std::atomic<bool>* cancel);

  // --- managed prefix lists ------------------------------------------------------------
  // Sends ClientToken (the operation's idempotency token in the EC2 model): `client_token`,
  // or a fresh random one when empty. Every retry of the call carries the same token, so
  // an answer lost after EC2 created the list returns that list instead of a second one.
  // A caller that may repeat the whole call passes its own token and reuses it.
  Result<ManagedPrefixList> CreateManagedPrefixList(const std::string& name, const std::string& address_family,
                                                    int max_entries, const std::vector<PrefixListEntry>& entries,
                                                    const std::vector<Tag>& tags, const std::atomic<bool>* cancel,
                                                    const std::string& client_token = "");
  // By name filter (prefix-list-name) when `name` is set, else by ids; paginated.
  Result<std::vector<ManagedPrefixList>> DescribeManagedPrefixLists(const std::vector<std::string>& ids,
                                                                    const std::string& name,
                                                                    const std::atomic<bool>* cancel);
  Result<std::vector<PrefixListEntry>> GetManagedPrefixListEntries(const std::string& id,
                                                                   const std::atomic<bool>* cancel);
  // `current_version` is the optimistic lock (PrefixListVersionMismatch -> kConflict).
  // max_entries 0 = unchanged. ≤100 adds and ≤100 removes per call (caller batches).
  // `name`, when set, is sent as PrefixListName (unchanged name; moto clears the name of a
  // list modified without it).
  Result<ManagedPrefixList> ModifyManagedPrefixList(const std::string& id, int64_t current_version,
                                                    const std::vector<PrefixListEntry>& add,
                                                    const std::vector<std::string>& remove, int max_entries,
                                                    const std::atomic<bool>* cancel,
                                                    const std::string& name = "");
  Status DeleteManagedPrefixList(const std::string& id, const std::atomic<bool>* cancel);

 private:
  Ec2Config config_;
  std::string endpoint_;
  std::string host_;
  std::atomic<int> api_calls_{0};
  std::atomic<int> http_attempts_{0};
};

// Parsing helpers (exposed for tests with recorded responses).
Result<std::vector<SecurityGroupRule>> ParseSecurityGroupRules(const std::string& body, const char* list,
                                                               std::string* next_token);
// The Error for an EC2 error answer (status + body), e.g. for fakes and tests.
Error Ec2ErrorFromResponse(const std::string& action, int http_status, const std::string& body);
// A fresh idempotency token (random UUID v4 text, 36 characters; EC2 accepts up to 64).
std::string NewClientToken();
// Whether an AWS error code is throttling or transient (retried by the client).
bool IsRetryableAwsCode(const std::string& code);

}  // namespace prov::cloud::aws
