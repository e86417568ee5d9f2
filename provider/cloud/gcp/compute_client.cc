#include "provider/cloud/gcp/compute_client.h"

#include <algorithm>
#include <cctype>
#include <thread>

#include "provider/cloud/gcp/gcp_http_util.h"
#include "provider/net/ip.h"

namespace prov::cloud::gcp {
namespace {

using json = nlohmann::json;
using std::chrono::milliseconds;

std::string Lower(std::string s) {
  for (auto& c : s) c = char(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// Reads an optional string list; wrong types throw json::type_error (caught by caller).
std::vector<std::string> StrList(const json& j, const char* name) {
  std::vector<std::string> out;
  auto it = j.find(name);
  if (it == j.end() || it->is_null()) return out;
  for (const auto& v : it->get<std::vector<json>>()) out.push_back(v.get<std::string>());
  return out;
}

std::string StrField(const json& j, const char* name) {
  auto it = j.find(name);
  if (it == j.end() || it->is_null()) return {};
  if (it->is_string()) return it->get<std::string>();
  if (it->is_number_unsigned() || it->is_number_integer()) return std::to_string(it->get<int64_t>());
  throw json::type_error::create(302, std::string("field ") + name + " is not a string", &*it);
}

std::vector<FirewallAllowed> AllowedList(const json& j, const char* name) {
  std::vector<FirewallAllowed> out;
  auto it = j.find(name);
  if (it == j.end() || it->is_null()) return out;
  for (const auto& a : it->get<std::vector<json>>()) {
    FirewallAllowed fa;
    fa.ip_protocol = StrField(a, "IPProtocol");
    fa.ports = StrList(a, "ports");
    out.push_back(std::move(fa));
  }
  return out;
}

json AllowedJson(const std::vector<FirewallAllowed>& list) {
  json arr = json::array();
  for (const auto& a : list) {
    json e = {{"IPProtocol", a.ip_protocol}};
    if (!a.ports.empty()) e["ports"] = a.ports;
    arr.push_back(std::move(e));
  }
  return arr;
}

uint32_t PortStart(const std::string& p) {
  uint32_t v = 0;
  for (char c : p) {
    if (!std::isdigit(static_cast<unsigned char>(c))) break;
    v = v * 10 + uint32_t(c - '0');
    if (v > 1000000) break;
  }
  return v;
}

// Canonical text, deduplicated, in address order (the order net::CollapseCidrs and the
// rule compiler use), unparseable entries last in text order.
std::vector<std::string> CanonicalCidrs(std::vector<std::string> in) {
  std::vector<net::Cidr> parsed;
  std::vector<std::string> rest;
  for (auto& s : in) {
    auto c = net::Cidr::Parse(s, /*strict=*/false);
    if (c.ok()) {
      parsed.push_back(*c);
    } else {
      rest.push_back(s);
    }
  }
  std::sort(parsed.begin(), parsed.end());
  parsed.erase(std::unique(parsed.begin(), parsed.end()), parsed.end());
  std::sort(rest.begin(), rest.end());
  rest.erase(std::unique(rest.begin(), rest.end()), rest.end());
  std::vector<std::string> out;
  for (const auto& c : parsed) out.push_back(c.ToString());
  out.insert(out.end(), rest.begin(), rest.end());
  return out;
}

void NormalizeAllowed(std::vector<FirewallAllowed>* list) {
  for (auto& a : *list) {
    a.ip_protocol = Lower(a.ip_protocol);
    std::sort(a.ports.begin(), a.ports.end(), [](const std::string& x, const std::string& y) {
      return std::make_pair(PortStart(x), x) < std::make_pair(PortStart(y), y);
    });
  }
  std::sort(list->begin(), list->end(), [](const FirewallAllowed& x, const FirewallAllowed& y) {
    return std::tie(x.ip_protocol, x.ports) < std::tie(y.ip_protocol, y.ports);
  });
}

ErrorCode CodeForStatus(int status, const std::string& reason) {
  if (reason == "alreadyExists" || reason == "RESOURCE_ALREADY_EXISTS") return ErrorCode::kAlreadyExists;
  if (reason == "notFound" || reason == "RESOURCE_NOT_FOUND") return ErrorCode::kNotFound;
  if (reason == "quotaExceeded" || reason == "QUOTA_EXCEEDED") return ErrorCode::kResourceExhausted;
  if (reason == "resourceNotReady" || reason == "RESOURCE_NOT_READY" ||
      reason == "resourceInUseByAnotherResource" || reason == "RESOURCE_IN_USE_BY_ANOTHER_RESOURCE" ||
      reason == "conditionNotMet") {
    return ErrorCode::kConflict;
  }
  if (reason == "rateLimitExceeded" || reason == "userRateLimitExceeded") return ErrorCode::kUnavailable;
  switch (status) {
    case 400: return ErrorCode::kInvalidArgument;
    case 401:
    case 403: return ErrorCode::kPermissionDenied;
    case 404: return ErrorCode::kNotFound;
    case 409: return ErrorCode::kAlreadyExists;
    case 412: return ErrorCode::kConflict;
    case 429: return ErrorCode::kUnavailable;
    default: return status >= 500 ? ErrorCode::kUnavailable : ErrorCode::kInternal;
  }
}

// The first errors[].reason of a Google error body (empty when absent).
std::string FirstReason(const std::string& body) {
  json j = json::parse(body, nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains("error") || !j["error"].is_object()) return {};
  const json& e = j["error"];
  if (e.contains("errors") && e["errors"].is_array() && !e["errors"].empty() &&
      e["errors"][0].is_object() && e["errors"][0].contains("reason") &&
      e["errors"][0]["reason"].is_string()) {
    return e["errors"][0]["reason"].get<std::string>();
  }
  return {};
}

}  // namespace

json FirewallToJson(const Firewall& f) {
  json j = {{"name", f.name}, {"direction", f.direction}, {"priority", f.priority}};
  if (!f.network.empty()) j["network"] = f.network;
  if (!f.description.empty()) j["description"] = f.description;
  if (!f.allowed.empty()) j["allowed"] = AllowedJson(f.allowed);
  if (!f.denied.empty()) j["denied"] = AllowedJson(f.denied);
  if (!f.source_ranges.empty()) j["sourceRanges"] = f.source_ranges;
  if (!f.destination_ranges.empty()) j["destinationRanges"] = f.destination_ranges;
  if (!f.source_tags.empty()) j["sourceTags"] = f.source_tags;
  if (!f.target_tags.empty()) j["targetTags"] = f.target_tags;
  if (!f.source_service_accounts.empty()) j["sourceServiceAccounts"] = f.source_service_accounts;
  if (!f.target_service_accounts.empty()) j["targetServiceAccounts"] = f.target_service_accounts;
  if (f.disabled) j["disabled"] = true;
  j["logConfig"] = {{"enable", f.log_enabled}};
  return j;
}

Result<Firewall> FirewallFromJson(const json& j) {
  if (!j.is_object()) return MakeError(ErrorCode::kDataLoss, "firewall is not a JSON object");
  try {
    Firewall f;
    f.name = StrField(j, "name");
    f.network = StrField(j, "network");
    f.direction = StrField(j, "direction");
    if (f.direction.empty()) f.direction = "INGRESS";
    f.priority = j.contains("priority") ? j["priority"].get<int>() : 1000;
    f.description = StrField(j, "description");
    f.allowed = AllowedList(j, "allowed");
    f.denied = AllowedList(j, "denied");
    f.source_ranges = StrList(j, "sourceRanges");
    f.destination_ranges = StrList(j, "destinationRanges");
    f.source_tags = StrList(j, "sourceTags");
    f.target_tags = StrList(j, "targetTags");
    f.source_service_accounts = StrList(j, "sourceServiceAccounts");
    f.target_service_accounts = StrList(j, "targetServiceAccounts");
    f.disabled = j.contains("disabled") && j["disabled"].get<bool>();
    if (j.contains("logConfig") && j["logConfig"].is_object()) {
      f.log_enabled = j["logConfig"].value("enable", false);
    }
    f.id = StrField(j, "id");
    f.self_link = StrField(j, "selfLink");
    f.creation_timestamp = StrField(j, "creationTimestamp");
    if (f.name.empty()) return MakeError(ErrorCode::kDataLoss, "firewall without a name");
    return f;
  } catch (const json::exception& e) {
    return MakeError(ErrorCode::kDataLoss, std::string("malformed firewall JSON: ") + e.what());
  }
}

std::string NetworkName(const std::string& ref) {
  auto pos = ref.rfind('/');
  return pos == std::string::npos ? ref : ref.substr(pos + 1);
}

void NormalizeFirewall(Firewall* f) {
  f->direction = f->direction.empty() ? "INGRESS" : f->direction;
  if (auto p = f->network.find("projects/"); p != std::string::npos) {
    f->network = f->network.substr(p);
  } else if (!f->network.empty() && f->network.find('/') == std::string::npos) {
    f->network = "global/networks/" + f->network;
  } else if (f->network.empty()) {
    f->network = "global/networks/default";
  }
  NormalizeAllowed(&f->allowed);
  NormalizeAllowed(&f->denied);
  f->source_ranges = CanonicalCidrs(std::move(f->source_ranges));
  f->destination_ranges = CanonicalCidrs(std::move(f->destination_ranges));
  for (auto* l : {&f->source_tags, &f->target_tags, &f->source_service_accounts,
                  &f->target_service_accounts}) {
    std::sort(l->begin(), l->end());
  }
  if (f->direction == "INGRESS" && f->source_ranges.empty() && f->source_tags.empty() &&
      f->source_service_accounts.empty()) {
    f->source_ranges = {"0.0.0.0/0"};
  }
  if (f->direction == "EGRESS" && f->destination_ranges.empty()) {
    f->destination_ranges = {"0.0.0.0/0"};
  }
}

Result<Operation> OperationFromJson(const json& j) {
  if (!j.is_object()) return MakeError(ErrorCode::kDataLoss, "operation is not a JSON object");
  try {
    Operation op;
    op.name = StrField(j, "name");
    op.operation_type = StrField(j, "operationType");
    op.status = StrField(j, "status");
    op.target_link = StrField(j, "targetLink");
    op.target_id = StrField(j, "targetId");
    if (op.name.empty() || op.status.empty()) {
      return MakeError(ErrorCode::kDataLoss, "response is not an Operation (no name or status)");
    }
    if (j.contains("error") && j["error"].is_object()) {
      const json& errs = j["error"].value("errors", json::array());
      Error e;
      e.http_status = j.value("httpErrorStatusCode", 0);
      std::string message;
      for (const auto& item : errs) {
        if (!item.is_object()) continue;
        if (e.remote_code.empty()) e.remote_code = StrField(item, "code");
        std::string m = StrField(item, "message");
        if (!m.empty()) message += (message.empty() ? "" : "; ") + m;
      }
      if (message.empty()) message = StrField(j, "httpErrorMessage");
      e.code = CodeForStatus(e.http_status, e.remote_code);
      e.message = "the " + op.operation_type + " operation on " + NetworkName(op.target_link) +
                  " ended with an error: " + (message.empty() ? e.remote_code : message);
      op.error = std::move(e);
    }
    return op;
  } catch (const json::exception& e) {
    return MakeError(ErrorCode::kDataLoss, std::string("malformed operation JSON: ") + e.what());
  }
}

Error ParseApiError(int http_status, const std::string& body, const std::string& context) {
  Error e;
  e.http_status = http_status;
  std::string message;
  json j = json::parse(body, nullptr, false);
  if (!j.is_discarded() && j.is_object() && j.contains("error") && j["error"].is_object()) {
    const json& err = j["error"];
    if (err.contains("message") && err["message"].is_string()) message = err["message"];
    e.remote_code = FirstReason(body);
    if (e.remote_code.empty() && err.contains("status") && err["status"].is_string()) {
      e.remote_code = err["status"];
    }
  }
  if (message.empty()) {
    message = "HTTP " + std::to_string(http_status) +
              (body.empty() ? std::string() : ": " + body.substr(0, 200));
  }
  e.code = CodeForStatus(http_status, e.remote_code);
  e.message = context + ": " + message;
  return e;
}

ComputeClient::ComputeClient(ComputeConfig config) : config_(std::move(config)) {
  if (!config_.transport) config_.transport = http::NewCurlTransport();
  auto& ep = config_.endpoint;
  while (!ep.empty() && ep.back() == '/') ep.pop_back();
  // Accept terraform-provider-google's custom-endpoint form ".../compute/v1/" too.
  constexpr std::string_view kApiPath = "/compute/v1";
  if (ep.size() >= kApiPath.size() && ep.compare(ep.size() - kApiPath.size(), kApiPath.size(), kApiPath) == 0) {
    ep.erase(ep.size() - kApiPath.size());
  }
  if (ep.empty()) ep = kDefaultComputeEndpoint;
  config_.page_size = std::clamp(config_.page_size, 1, 500);
}

std::string ComputeClient::ProjectUrl() const {
  return config_.endpoint + "/compute/v1/projects/" + internal::UrlEncode(config_.project);
}

std::string ComputeClient::NetworkPath(const std::string& network) const {
  if (network.find("projects/") != std::string::npos) {
    return network.substr(network.find("projects/"));
  }
  return "projects/" + config_.project + "/global/networks/" + NetworkName(network);
}

Result<http::Response> ComputeClient::Call(const std::string& method, const std::string& url,
                                           const std::string& body,
                                           const std::atomic<bool>* cancel,
                                           std::chrono::milliseconds timeout) {
  if (!config_.tokens) {
    return MakeError(ErrorCode::kInvalidArgument, "no Google credentials configured");
  }
  bool refreshed_after_401 = false;
  std::optional<Error> token_error;
  auto call = [&]() -> Result<http::Response> {
    auto token = config_.tokens->Token(cancel);
    if (!token.ok()) {
      token_error = token.error();
      return token.error();
    }
    http::Request req;
    req.method = method;
    req.url = url;
    req.headers.emplace_back("Authorization", "Bearer " + *token);
    if (!body.empty() || method == "POST" || method == "PATCH") {
      req.headers.emplace_back("Content-Type", "application/json");
    }
    req.body = body;
    if (timeout.count() > 0) req.timeout = timeout;
    ++calls_;
    auto r = config_.transport->Do(req);
    if (r.ok() && r->status == 401 && !refreshed_after_401) {
      // An expired or revoked token: fetch a new one once and retry.
      refreshed_after_401 = true;
      config_.tokens->Invalidate();
      auto fresh = config_.tokens->Token(cancel);
      if (!fresh.ok()) {
        token_error = fresh.error();
        return fresh.error();
      }
      req.headers[0].second = "Bearer " + *fresh;
      ++calls_;
      r = config_.transport->Do(req);
    }
    return r;
  };
  auto classify = [&](const Result<http::Response>& r) {
    http::Attempt a;
    if (!r.ok()) {
      bool transient = !token_error.has_value() && (r.error().code == ErrorCode::kUnavailable ||
                                                    r.error().code == ErrorCode::kDeadlineExceeded);
      a.verdict = transient ? http::Verdict::kRetry : http::Verdict::kFail;
      return a;
    }
    int s = r->status;
    bool throttled_403 = false;
    if (s == 403) {
      std::string reason = FirstReason(r->body);
      throttled_403 = reason == "rateLimitExceeded" || reason == "userRateLimitExceeded";
    }
    if (s == 429 || s >= 500 || throttled_403) {
      a.verdict = http::Verdict::kRetry;
      a.retry_after = http::ParseRetryAfter(*r);
    }
    return a;
  };
  int attempts = 0;
  auto result = http::WithRetry(config_.retry, call, classify, cancel, &attempts, config_.sleep);
  if (!result.ok() && !token_error.has_value()) {
    Error e = result.error();
    e.message = method + " " + url + ": " + e.message +
                (attempts > 1 ? " (after " + std::to_string(attempts) + " attempts)" : "");
    return e;
  }
  return result;
}

Result<json> ComputeClient::CallJson(const std::string& method, const std::string& url,
                                     const std::string& body, const std::string& context,
                                     const std::atomic<bool>* cancel,
                                     std::chrono::milliseconds timeout) {
  PROV_ASSIGN_OR_RETURN(http::Response r, Call(method, url, body, cancel, timeout));
  if (r.status < 200 || r.status > 299) return ParseApiError(r.status, r.body, context);
  json j = json::parse(r.body, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    return MakeError(ErrorCode::kDataLoss, context + ": response is not a JSON object");
  }
  return j;
}

Result<std::vector<Firewall>> ComputeClient::ListFirewalls(const std::string& filter,
                                                           const std::atomic<bool>* cancel) {
  std::vector<Firewall> out;
  std::string page_token;
  for (int page = 0;; ++page) {
    if (cancel != nullptr && cancel->load()) return MakeError(ErrorCode::kCancelled, "cancelled");
    std::string url = ProjectUrl() + "/global/firewalls?maxResults=" + std::to_string(config_.page_size);
    if (!filter.empty()) url += "&filter=" + internal::UrlEncode(filter);
    if (!page_token.empty()) url += "&pageToken=" + internal::UrlEncode(page_token);
    PROV_ASSIGN_OR_RETURN(json j, CallJson("GET", url, "", "listing firewalls of project " + config_.project, cancel));
    if (j.contains("items")) {
      if (!j["items"].is_array()) {
        return MakeError(ErrorCode::kDataLoss, "firewall list: items is not an array");
      }
      for (const auto& item : j["items"]) {
        PROV_ASSIGN_OR_RETURN(Firewall f, FirewallFromJson(item));
        out.push_back(std::move(f));
      }
    }
    std::string next = j.contains("nextPageToken") && j["nextPageToken"].is_string()
                           ? j["nextPageToken"].get<std::string>()
                           : std::string();
    if (next.empty()) break;
    if (next == page_token || page > 100000) {
      return MakeError(ErrorCode::kDataLoss, "firewall list: nextPageToken does not advance");
    }
    page_token = next;
  }
  return out;
}

Result<Firewall> ComputeClient::GetFirewall(const std::string& name, const std::atomic<bool>* cancel) {
  PROV_ASSIGN_OR_RETURN(json j, CallJson("GET", ProjectUrl() + "/global/firewalls/" + internal::UrlEncode(name),
                                         "", "reading firewall " + name, cancel));
  return FirewallFromJson(j);
}

Result<Operation> ComputeClient::StartWrite(const std::string& method, const std::string& url,
                                            const std::string& body, const std::string& context,
                                            const std::atomic<bool>* cancel) {
  // One requestId for all tries of this write: the API then ignores a duplicate that a
  // lost response made us resend.
  std::string full = url + (url.find('?') == std::string::npos ? "?" : "&") +
                     "requestId=" + internal::NewRequestId();
  PROV_ASSIGN_OR_RETURN(json j, CallJson(method, full, body, context, cancel));
  // An operation already DONE with an error is returned as is: Wait reports the error, so
  // every operation error takes the same path (callers re-read what is in force).
  return OperationFromJson(j);
}

Result<Operation> ComputeClient::StartInsertFirewall(const Firewall& f, const std::atomic<bool>* cancel) {
  return StartWrite("POST", ProjectUrl() + "/global/firewalls", FirewallToJson(f).dump(),
                    "creating firewall " + f.name, cancel);
}

Result<Operation> ComputeClient::StartPatchFirewall(const std::string& name, const json& patch,
                                                    const std::atomic<bool>* cancel) {
  if (!patch.is_object()) {
    return MakeError(ErrorCode::kInvalidArgument, "patch of firewall " + name + " is not a JSON object");
  }
  json body = patch;
  auto it = body.find("name");
  if (it == body.end() || it->is_null()) {
    body["name"] = name;  // required by compute.firewalls.patch
  } else if (!it->is_string() || it->get<std::string>() != name) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "patch of firewall " + name + " carries another name: " + it->dump());
  }
  return StartWrite("PATCH", ProjectUrl() + "/global/firewalls/" + internal::UrlEncode(name),
                    body.dump(), "updating firewall " + name, cancel);
}

Result<Operation> ComputeClient::StartDeleteFirewall(const std::string& name,
                                                     const std::atomic<bool>* cancel) {
  return StartWrite("DELETE", ProjectUrl() + "/global/firewalls/" + internal::UrlEncode(name), "",
                    "deleting firewall " + name, cancel);
}

Result<Operation> ComputeClient::Wait(const Operation& start, const std::atomic<bool>* cancel) {
  Operation op = start;
  auto deadline = std::chrono::steady_clock::now() + config_.operation_timeout;
  const std::string url = ProjectUrl() + "/global/operations/" + internal::UrlEncode(op.name) + "/wait";
  while (op.status != "DONE") {
    if (cancel != nullptr && cancel->load()) {
      return MakeError(ErrorCode::kCancelled, "cancelled while waiting for operation " + op.name);
    }
    if (std::chrono::steady_clock::now() > deadline) {
      return MakeError(ErrorCode::kDeadlineExceeded,
                       "operation " + op.name + " still " + op.status + " after " +
                           std::to_string(config_.operation_timeout.count() / 1000) + "s");
    }
    auto started = std::chrono::steady_clock::now();
    // The server may hold this call up to 2 minutes: give it a timeout longer than that.
    PROV_ASSIGN_OR_RETURN(json j, CallJson("POST", url, "", "waiting for operation " + op.name, cancel,
                                           config_.wait_call_timeout));
    PROV_ASSIGN_OR_RETURN(op, OperationFromJson(j));
    // /wait normally blocks server-side; if it came back at once without DONE, do not spin.
    if (op.status != "DONE" && std::chrono::steady_clock::now() - started < milliseconds(50)) {
      if (config_.sleep) {
        config_.sleep(milliseconds(200));
      } else {
        std::this_thread::sleep_for(milliseconds(200));
      }
    }
  }
  if (op.error.has_value()) return *op.error;
  return op;
}

Result<Operation> ComputeClient::InsertFirewall(const Firewall& f, const std::atomic<bool>* cancel) {
  PROV_ASSIGN_OR_RETURN(Operation op, StartInsertFirewall(f, cancel));
  return Wait(op, cancel);
}

Result<Operation> ComputeClient::PatchFirewall(const std::string& name, const json& patch,
                                               const std::atomic<bool>* cancel) {
  PROV_ASSIGN_OR_RETURN(Operation op, StartPatchFirewall(name, patch, cancel));
  return Wait(op, cancel);
}

Result<Operation> ComputeClient::DeleteFirewall(const std::string& name, const std::atomic<bool>* cancel) {
  PROV_ASSIGN_OR_RETURN(Operation op, StartDeleteFirewall(name, cancel));
  return Wait(op, cancel);
}

Result<json> ComputeClient::GetNetwork(const std::string& name, const std::atomic<bool>* cancel) {
  return CallJson("GET", ProjectUrl() + "/global/networks/" + internal::UrlEncode(NetworkName(name)), "",
                  "reading network " + NetworkName(name), cancel);
}

Result<Operation> ComputeClient::InsertNetwork(const std::string& name, const std::atomic<bool>* cancel) {
  json body = {{"name", name}, {"autoCreateSubnetworks", false}};
  PROV_ASSIGN_OR_RETURN(Operation op, StartWrite("POST", ProjectUrl() + "/global/networks", body.dump(),
                                                 "creating network " + name, cancel));
  return Wait(op, cancel);
}

Result<Operation> ComputeClient::DeleteNetwork(const std::string& name, const std::atomic<bool>* cancel) {
  PROV_ASSIGN_OR_RETURN(Operation op,
                        StartWrite("DELETE", ProjectUrl() + "/global/networks/" + internal::UrlEncode(name),
                                   "", "deleting network " + name, cancel));
  return Wait(op, cancel);
}

}  // namespace prov::cloud::gcp
