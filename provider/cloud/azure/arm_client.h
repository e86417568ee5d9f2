// ArmClient: the small slice of the Azure Resource Manager REST API (Microsoft.Network,
// api-version 2024-05-01) that the NSG backend needs: read one network security group,
// list / get / put / delete its security rules, and wait for the long-running operations
// those writes start (Azure-AsyncOperation or Location polling, honouring Retry-After).
//
// The client never PUTs a whole NSG (that replaces every rule in it); rules are written one
// by one. Writes to one NSG are serialized process-wide (the Network resource provider
// answers parallel writes with 409 AnotherOperationInProgress / 429 RetryableError).
// Throttling (429), busy answers and 5xx are retried through cloud/http/retry.h.
//
// Errors carry the ARM error code in Error::remote_code and the HTTP status in
// Error::http_status. Code mapping: 404 -> kNotFound, 401/403 -> kPermissionDenied,
// 409/412 and SecurityRuleConflict -> kConflict, 429/5xx after retries -> kUnavailable,
// other 4xx -> kInvalidArgument, unparseable bodies -> kDataLoss.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "provider/base/result.h"
#include "provider/cloud/http/retry.h"
#include "provider/cloud/http/transport.h"

namespace prov::cloud::azure {

inline constexpr char kNetworkApiVersion[] = "2024-05-01";

// A sovereign cloud: where ARM and Entra ID live, and the audience tokens are issued for.
struct CloudEnvironment {
  std::string name;               // "public", "usgovernment", "china"
  std::string resource_manager;   // "https://management.azure.com"
  std::string authority_host;     // "https://login.microsoftonline.com"
  std::string token_audience;     // "https://management.azure.com/" (IMDS resource)
};
// Accepts public/AzurePublicCloud, usgovernment/AzureUSGovernmentCloud, china/AzureChinaCloud
// (case-insensitive; empty = public). kInvalidArgument otherwise.
Result<CloudEnvironment> EnvironmentByName(const std::string& name);

// Source of bearer tokens for ARM (see credentials.h). Implementations are thread-safe.
class TokenSource {
 public:
  virtual ~TokenSource() = default;
  virtual Result<std::string> Token(const std::atomic<bool>* cancel) = 0;
  // Drops a cached token (called after a 401 so the next call fetches a fresh one).
  virtual void Invalidate() {}
};

// Parsed "/subscriptions/S/resourceGroups/G/providers/Microsoft.Network/networkSecurityGroups/N".
struct NsgRef {
  std::string subscription;
  std::string resource_group;
  std::string name;
  // Segment names are matched case-insensitively (ARM ids are case-insensitive).
  static Result<NsgRef> Parse(const std::string& id);
  std::string Id() const;  // canonical spelling of the id, no trailing slash
};

// One security rule as ARM returns it. Singular and plural forms are kept as sent; use
// the accessors to get the normalised lists (Azure returns the unused form as "" or []).
struct SecurityRule {
  std::string id;
  std::string name;
  std::string etag;
  std::string provisioning_state;
  std::string protocol = "Tcp";   // Tcp, Udp, Icmp, Esp, Ah, *
  std::string access = "Allow";   // Allow, Deny
  std::string direction = "Inbound";  // Inbound, Outbound
  int priority = 0;
  std::string description;
  std::string source_port_range;
  std::vector<std::string> source_port_ranges;
  std::string destination_port_range;
  std::vector<std::string> destination_port_ranges;
  std::string source_address_prefix;
  std::vector<std::string> source_address_prefixes;
  std::string destination_address_prefix;
  std::vector<std::string> destination_address_prefixes;
  bool uses_application_security_groups = false;  // ASG rules are never ours

  std::vector<std::string> SourcePorts() const;
  std::vector<std::string> DestinationPorts() const;
  std::vector<std::string> SourcePrefixes() const;
  std::vector<std::string> DestinationPrefixes() const;
  // True when both describe the same rule contents (ignores id, etag, provisioning
  // state, and singular-vs-one-element-plural spelling).
  bool SameContent(const SecurityRule& other) const;
  // False when the last operation on the rule ended Failed: its content is what was asked
  // for, not necessarily what the data plane enforces. (Updating/Deleting count as in
  // force: an operation is under way and reports its own end.)
  bool InForce() const;
};

// Builds the PUT body {"properties": {...}}: singular fields for one value, plural arrays
// for several (as Azure normalises), sourcePortRange "*" when no source ports are given.
std::string SecurityRuleBody(const SecurityRule& rule);
// Parses one rule object (as in a list "value" entry or a GET body). kDataLoss on bad shape.
Result<SecurityRule> ParseSecurityRule(const std::string& json_text);

struct NetworkSecurityGroup {
  std::string id;
  std::string name;
  std::string etag;
  std::string location;
  std::string provisioning_state;
  std::vector<SecurityRule> security_rules;
  std::vector<SecurityRule> default_security_rules;
};

struct ArmConfig {
  // Resource manager base URL, no trailing slash. http:// is accepted (loopback fakes).
  std::string endpoint = "https://management.azure.com";
  std::string api_version = kNetworkApiVersion;
  http::RetryPolicy retry;
  // Used when an LRO answer carries no Retry-After.
  std::chrono::milliseconds default_poll_interval{10000};
  // Upper bound for one Retry-After-driven poll wait (protects against absurd values).
  std::chrono::milliseconds max_poll_interval{60000};
  // Total time one long-running operation may take before kDeadlineExceeded.
  std::chrono::milliseconds max_operation_time{std::chrono::minutes(30)};
  // Sleeps (retry back-off and LRO polling); nullptr = real sleep that wakes on cancel.
  http::SleepFn sleep;
};

// Precondition for PutRule. The 2024-05-01 specification declares neither header for
// security rules: a service that ignores them must not make a create overwrite someone
// else's rule, so callers read first (see AzureBackend::Apply) and treat the headers as a
// second line of defence only. A child rule carries its NSG's etag, so any write to the NSG
// makes every rule's etag stale.
enum class PutMode {
  kCreateOnly,  // If-None-Match: *  -> 412 means someone created it meanwhile (kAlreadyExists)
  kIfMatch,     // If-Match: etag    -> 412 means the NSG changed since read (kConflict)
  kUnconditional,
};

// How a write's long-running operation ended when it did not succeed ("" = it succeeded or
// never started). ARM ends operations Failed, or Canceled when a later write superseded it.
struct OperationEnd {
  std::string status;  // "Failed", "Canceled" or ""
  bool ended_badly() const { return !status.empty(); }
};

class ArmClient {
 public:
  // `transport` and `tokens` are shared; both must be thread-safe. The client itself is
  // thread-safe; writes to one NSG are serialized by a process-wide per-NSG mutex.
  ArmClient(ArmConfig config, std::shared_ptr<http::Transport> transport,
            std::shared_ptr<TokenSource> tokens);

  // GET the NSG (it embeds securityRules and defaultSecurityRules). 404 -> kNotFound.
  Result<NetworkSecurityGroup> GetNsg(const NsgRef& nsg, const std::atomic<bool>* cancel);
  // GET {nsg}/securityRules, following nextLink until the last page.
  Result<std::vector<SecurityRule>> ListRules(const NsgRef& nsg, const std::atomic<bool>* cancel);
  // GET one rule. 404 -> kNotFound.
  Result<SecurityRule> GetRule(const NsgRef& nsg, const std::string& name,
                               const std::atomic<bool>* cancel);
  // PUT one rule (rule.name names it; rule.etag is sent as If-Match in kIfMatch mode) and
  // waits for the operation to finish. Returns the rule from the PUT answer (its etag may
  // be superseded once provisioning ends: re-read when the etag matters). A failed
  // operation returns its {code, message} as the Error and, when `end` is given, its
  // terminal status there (Failed / Canceled), so the caller can re-read and retry.
  Result<SecurityRule> PutRule(const NsgRef& nsg, const SecurityRule& rule, PutMode mode,
                               const std::atomic<bool>* cancel, OperationEnd* end = nullptr);
  // DELETE one rule and wait for it to finish. 404 and 204 count as success.
  Status DeleteRule(const NsgRef& nsg, const std::string& name, const std::atomic<bool>* cancel,
                    OperationEnd* end = nullptr);

  // Generic calls on ARM paths ("/subscriptions/..."; api-version is appended unless the
  // path already carries one), with the
  // same auth, retry, error mapping and LRO handling. Used by tests and benchmarks to set
  // up resource groups and NSGs; the backend itself never PUTs an NSG.
  Result<http::Response> Call(const std::string& method, const std::string& path,
                              const std::string& body, const std::atomic<bool>* cancel,
                              bool wait_for_operation = true);

  // Requests sent so far (every HTTP attempt, including polls and retries).
  int api_calls() const { return api_calls_.load(); }
  // Requests sent by the calling thread through any ArmClient (lets a backend count the
  // calls of one Read/Apply exactly even when a client is shared across threads).
  static int CallsOnThisThread();
  const ArmConfig& config() const { return config_; }

 private:
  // One logical request with retry. `url` absolute. Returns the final response of any
  // status; Error only when no response arrived or the token could not be obtained.
  Result<http::Response> Send(const std::string& method, const std::string& url,
                              const std::vector<std::pair<std::string, std::string>>& headers,
                              const std::string& body, const std::atomic<bool>* cancel);
  // Waits for a 201/202 answer's operation to finish. Status error = operation failed.
  Status WaitForOperation(const http::Response& initial, const std::string& what,
                          const std::atomic<bool>* cancel, OperationEnd* end = nullptr);
  std::string Url(const std::string& path) const;
  Status CheckSameOrigin(const std::string& url, const std::string& what) const;
  void Sleep(std::chrono::milliseconds d, const std::atomic<bool>* cancel) const;

  ArmConfig config_;
  std::shared_ptr<http::Transport> transport_;
  std::shared_ptr<TokenSource> tokens_;
  std::atomic<int> api_calls_{0};
};

// Turns a non-2xx ARM answer into an Error ({"error":{"code","message","details"}}),
// naming `what` (e.g. "PUT security rule oah-sip (nsg-1)"). Exposed for tests.
Error ArmError(const http::Response& response, const std::string& what);

// The process-wide lock that serializes writes to one NSG (keyed by lower-cased id).
std::shared_ptr<std::mutex> NsgWriteLock(const std::string& nsg_id);

}  // namespace prov::cloud::azure
