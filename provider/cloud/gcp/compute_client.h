// Compute Engine v1 REST client for VPC firewall rules (and the network calls tests and the
// existence check need). Every write returns an Operation; the client waits for it with
// operations/{op}/wait until DONE and turns an operation error (QUOTA_EXCEEDED,
// RESOURCE_ALREADY_EXISTS, ...) into an Error. operations/wait may hold a request for up to
// 2 minutes (its documented default deadline), so each wait call gets its own, longer HTTP
// timeout (ComputeConfig::wait_call_timeout). Throttling (429, 403 rateLimitExceeded /
// userRateLimitExceeded) and 5xx are retried through http::WithRetry with the same
// requestId, so a retried insert cannot create twice. 401 refreshes the token once.
//
// Thread-safe: one client may be used from several threads.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "provider/base/result.h"
#include "provider/cloud/gcp/credentials.h"
#include "provider/cloud/http/retry.h"
#include "provider/cloud/http/transport.h"

namespace prov::cloud::gcp {

inline constexpr char kDefaultComputeEndpoint[] = "https://compute.googleapis.com";
// globalOperations.wait answers within its default deadline of 2 minutes (discovery
// document); a margin covers the network and a server that answers a little late.
inline constexpr std::chrono::milliseconds kOperationWaitHoldLimit{std::chrono::minutes(2)};
inline constexpr std::chrono::milliseconds kOperationWaitCallTimeout{kOperationWaitHoldLimit +
                                                                     std::chrono::seconds(30)};

struct FirewallAllowed {
  std::string ip_protocol;         // JSON "IPProtocol": tcp, udp, icmp, ... or a number
  std::vector<std::string> ports;  // "443", "20000-64999"; empty = all ports
  bool operator==(const FirewallAllowed& o) const = default;
};

// The Firewall resource fields we read and write.
struct Firewall {
  std::string name;
  std::string network;      // URL or partial path ("global/networks/default")
  std::string direction = "INGRESS";
  int priority = 1000;
  std::string description;
  std::vector<FirewallAllowed> allowed;
  std::vector<FirewallAllowed> denied;
  std::vector<std::string> source_ranges, destination_ranges;
  std::vector<std::string> source_tags, target_tags;
  std::vector<std::string> source_service_accounts, target_service_accounts;
  bool disabled = false;
  bool log_enabled = false;
  // Output only.
  std::string id, self_link, creation_timestamp;
};

// Field-exact conversion to and from the API's JSON ("IPProtocol", "sourceRanges", ...).
// ToJson omits output-only fields and empty lists, and always sends logConfig.
nlohmann::json FirewallToJson(const Firewall& f);
// Errors: kDataLoss when a field has the wrong JSON type.
Result<Firewall> FirewallFromJson(const nlohmann::json& j);

// Puts a firewall into the form the API returns, so two firewalls can be compared:
// lowercase protocols, ports and ranges sorted, CIDRs canonical (IPv6 compressed, host bits
// cleared), tag lists sorted, INGRESS without any source -> sourceRanges 0.0.0.0/0 and
// EGRESS without destinations -> destinationRanges 0.0.0.0/0, network reduced to
// "projects/P/global/networks/N" when it names a project, else "global/networks/N".
void NormalizeFirewall(Firewall* f);

// The trailing path of a network reference, e.g. "default" from ".../global/networks/default".
std::string NetworkName(const std::string& network_ref);

struct Operation {
  std::string name;
  std::string operation_type;  // insert, patch, delete
  std::string status;          // PENDING, RUNNING, DONE
  std::string target_link;     // selfLink of the firewall concerned
  std::string target_id;
  // Set when status is DONE and the operation failed: code = first errors[].code (e.g.
  // QUOTA_EXCEEDED), http_status = httpErrorStatusCode.
  std::optional<Error> error;
};
// Errors: kDataLoss when the body is not an Operation.
Result<Operation> OperationFromJson(const nlohmann::json& j);

// Parses a Google API error body {"error":{"code","message","errors":[{reason}],"status"}}
// into an Error with remote_code = first reason (or status) and http_status.
Error ParseApiError(int http_status, const std::string& body, const std::string& context);

struct ComputeConfig {
  // scheme://host[:port]; a trailing "/compute/v1/" (the form terraform-provider-google's
  // compute_custom_endpoint takes) is accepted and stripped.
  std::string endpoint = kDefaultComputeEndpoint;
  std::string project;
  std::shared_ptr<http::Transport> transport;      // default: NewCurlTransport()
  std::shared_ptr<TokenProvider> tokens;           // required
  http::RetryPolicy retry;
  http::SleepFn sleep;                             // tests; default real sleep
  int page_size = 500;                             // maxResults (API maximum 500)
  std::chrono::milliseconds operation_timeout{std::chrono::minutes(10)};
  // HTTP timeout of one operations/wait call. The server holds it until the operation is
  // DONE or its 2-minute deadline approaches, so this must exceed 2 minutes; other calls
  // keep http::Request's default.
  std::chrono::milliseconds wait_call_timeout{kOperationWaitCallTimeout};
};

class ComputeClient {
 public:
  explicit ComputeClient(ComputeConfig config);

  // All firewalls matching `filter` (the API's filter syntax, e.g. `name eq "oah-.*"`;
  // empty = all), following nextPageToken. Errors: API errors as parsed, kCancelled.
  Result<std::vector<Firewall>> ListFirewalls(const std::string& filter,
                                              const std::atomic<bool>* cancel);
  // Errors: kNotFound when it does not exist.
  Result<Firewall> GetFirewall(const std::string& name, const std::atomic<bool>* cancel);

  // Writes return the operation as first returned (not yet waited on, possibly already DONE
  // with an error that Wait reports) so callers can issue many and wait afterwards.
  // Errors: the synchronous API error (e.g. kAlreadyExists "alreadyExists",
  // kInvalidArgument "invalid"); then no operation was started.
  Result<Operation> StartInsertFirewall(const Firewall& f, const std::atomic<bool>* cancel);
  // `patch` is a JSON merge patch of Firewall fields (see FirewallToJson). The discovery
  // document marks `name` required for compute.firewalls.patch: it is set to `name` when the
  // patch lacks it. Errors: kInvalidArgument when the patch names another firewall.
  Result<Operation> StartPatchFirewall(const std::string& name, const nlohmann::json& patch,
                                       const std::atomic<bool>* cancel);
  Result<Operation> StartDeleteFirewall(const std::string& name, const std::atomic<bool>* cancel);

  // Waits until DONE (operations/{op}/wait, repeated; /wait may return early). Returns the
  // DONE operation, or its error (remote_code = operation error code) if it failed, or
  // kDeadlineExceeded after operation_timeout.
  Result<Operation> Wait(const Operation& op, const std::atomic<bool>* cancel);

  // Start + Wait.
  Result<Operation> InsertFirewall(const Firewall& f, const std::atomic<bool>* cancel);
  Result<Operation> PatchFirewall(const std::string& name, const nlohmann::json& patch,
                                  const std::atomic<bool>* cancel);
  Result<Operation> DeleteFirewall(const std::string& name, const std::atomic<bool>* cancel);

  // Networks: existence check for the backend; insert/delete for tests and benchmarks.
  // GetNetwork errors: kNotFound when the network does not exist.
  Result<nlohmann::json> GetNetwork(const std::string& name, const std::atomic<bool>* cancel);
  Result<Operation> InsertNetwork(const std::string& name, const std::atomic<bool>* cancel);
  Result<Operation> DeleteNetwork(const std::string& name, const std::atomic<bool>* cancel);

  const std::string& project() const { return config_.project; }
  // "projects/P/global/networks/N".
  std::string NetworkPath(const std::string& network) const;
  // HTTP requests sent so far (every try, including retries and token-less ones).
  int api_calls() const { return calls_.load(); }

 private:
  // `timeout`: per-try HTTP timeout; zero keeps http::Request's default.
  Result<http::Response> Call(const std::string& method, const std::string& url,
                              const std::string& body, const std::atomic<bool>* cancel,
                              std::chrono::milliseconds timeout = {});
  Result<nlohmann::json> CallJson(const std::string& method, const std::string& url,
                                  const std::string& body, const std::string& context,
                                  const std::atomic<bool>* cancel,
                                  std::chrono::milliseconds timeout = {});
  Result<Operation> StartWrite(const std::string& method, const std::string& url,
                               const std::string& body, const std::string& context,
                               const std::atomic<bool>* cancel);
  std::string ProjectUrl() const;

  ComputeConfig config_;
  std::atomic<int> calls_{0};
};

}  // namespace prov::cloud::gcp
