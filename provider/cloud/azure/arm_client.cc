#include "provider/cloud/azure/arm_client.h"
#include "provider/base/log.h"

#include <algorithm>
#include <map>
#include <thread>

#include <nlohmann/json.hpp>

#include "provider/cloud/azure/azure_util.h"

namespace prov::cloud::azure {

using internal::EqualsIgnoreCase;
using internal::ToLower;
using nlohmann::json;

Result<CloudEnvironment> EnvironmentByName(const std::string& name) {
  std::string n = ToLower(name);
  if (n.empty() || n == "public" || n == "azurepubliccloud" || n == "azurecloud") {
    return CloudEnvironment{"public", "https://management.azure.com",
                            "https://login.microsoftonline.com", "https://management.azure.com/"};
  }
  if (n == "usgovernment" || n == "azureusgovernmentcloud" || n == "azureusgovernment") {
    return CloudEnvironment{"usgovernment", "https://management.usgovcloudapi.net",
                            "https://login.microsoftonline.us",
                            "https://management.usgovcloudapi.net/"};
  }
  if (n == "china" || n == "azurechinacloud") {
    return CloudEnvironment{"china", "https://management.chinacloudapi.cn",
                            "https://login.chinacloudapi.cn",
                            "https://management.chinacloudapi.cn/"};
  }
  return MakeError(ErrorCode::kInvalidArgument,
                   "unknown Azure environment \"" + name +
                       "\": expected public, usgovernment or china",
                   "environment");
}

// ---------------------------------------------------------------------------- NsgRef

Result<NsgRef> NsgRef::Parse(const std::string& id) {
  std::vector<std::string> seg;
  size_t pos = 0;
  while (pos <= id.size()) {
    size_t next = id.find('/', pos);
    if (next == std::string::npos) next = id.size();
    if (next > pos) seg.push_back(id.substr(pos, next - pos));
    pos = next + 1;
  }
  auto bad = [&](const std::string& why) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "invalid network security group id \"" + id + "\": " + why +
                         " (expected /subscriptions/<sub>/resourceGroups/<rg>/providers/"
                         "Microsoft.Network/networkSecurityGroups/<name>)",
                     "id");
  };
  if (id.empty() || id[0] != '/') return bad("must start with /");
  if (seg.size() != 8) return bad("wrong number of path segments");
  if (!EqualsIgnoreCase(seg[0], "subscriptions") || !EqualsIgnoreCase(seg[2], "resourceGroups") ||
      !EqualsIgnoreCase(seg[4], "providers") || !EqualsIgnoreCase(seg[5], "Microsoft.Network") ||
      !EqualsIgnoreCase(seg[6], "networkSecurityGroups"))
    return bad("unexpected segment names");
  for (const std::string& s : {seg[1], seg[3], seg[7]}) {
    if (s.find_first_of("?#% ") != std::string::npos) return bad("illegal character in a name");
  }
  return NsgRef{seg[1], seg[3], seg[7]};
}

std::string NsgRef::Id() const {
  return "/subscriptions/" + subscription + "/resourceGroups/" + resource_group +
         "/providers/Microsoft.Network/networkSecurityGroups/" + name;
}

// ---------------------------------------------------------------------- SecurityRule

namespace {

std::vector<std::string> PickList(const std::string& one, const std::vector<std::string>& many) {
  if (!many.empty()) return many;
  if (!one.empty()) return {one};
  return {};
}

// "*" and "nothing given" mean the same thing to the service.
std::vector<std::string> Canon(std::vector<std::string> v) {
  if (v.empty()) v.push_back("*");
  std::sort(v.begin(), v.end());
  v.erase(std::unique(v.begin(), v.end()), v.end());
  return v;
}

void PutSingularOrPlural(json& props, const char* singular, const char* plural,
                         const std::vector<std::string>& values) {
  if (values.empty()) {
    props[singular] = "*";
  } else if (values.size() == 1) {
    props[singular] = values[0];
  } else {
    props[plural] = values;
  }
}

Result<SecurityRule> RuleFromJson(const json& j) {
  auto bad = [](const std::string& why) {
    return MakeError(ErrorCode::kDataLoss, "malformed security rule in ARM response: " + why);
  };
  if (!j.is_object()) return bad("not an object");
  SecurityRule r;
  auto str = [](const json& o, const char* k) -> std::string {
    auto it = o.find(k);
    return (it != o.end() && it->is_string()) ? it->get<std::string>() : std::string();
  };
  auto list = [](const json& o, const char* k, std::vector<std::string>* out) -> bool {
    auto it = o.find(k);
    if (it == o.end() || it->is_null()) return true;
    if (!it->is_array()) return false;
    for (const auto& e : *it) {
      if (!e.is_string()) return false;
      out->push_back(e.get<std::string>());
    }
    return true;
  };
  r.id = str(j, "id");
  r.name = str(j, "name");
  r.etag = str(j, "etag");
  auto pit = j.find("properties");
  if (pit == j.end() || !pit->is_object()) return bad("rule \"" + r.name + "\" has no properties");
  const json& p = *pit;
  r.provisioning_state = str(p, "provisioningState");
  r.protocol = str(p, "protocol");
  r.access = str(p, "access");
  r.direction = str(p, "direction");
  r.description = str(p, "description");
  auto prio = p.find("priority");
  if (prio != p.end()) {
    if (!prio->is_number_integer()) return bad("rule \"" + r.name + "\" priority is not an integer");
    r.priority = prio->get<int>();
  }
  r.source_port_range = str(p, "sourcePortRange");
  r.destination_port_range = str(p, "destinationPortRange");
  r.source_address_prefix = str(p, "sourceAddressPrefix");
  r.destination_address_prefix = str(p, "destinationAddressPrefix");
  if (!list(p, "sourcePortRanges", &r.source_port_ranges) ||
      !list(p, "destinationPortRanges", &r.destination_port_ranges) ||
      !list(p, "sourceAddressPrefixes", &r.source_address_prefixes) ||
      !list(p, "destinationAddressPrefixes", &r.destination_address_prefixes))
    return bad("rule \"" + r.name + "\" has a non-string-array port or prefix list");
  for (const char* k : {"sourceApplicationSecurityGroups", "destinationApplicationSecurityGroups"}) {
    auto it = p.find(k);
    if (it != p.end() && it->is_array() && !it->empty()) r.uses_application_security_groups = true;
  }
  return r;
}

Result<std::vector<SecurityRule>> RulesFromArray(const json& arr, const char* field) {
  std::vector<SecurityRule> out;
  if (arr.is_null()) return out;
  if (!arr.is_array())
    return MakeError(ErrorCode::kDataLoss,
                     std::string("malformed ARM response: ") + field + " is not an array");
  for (const auto& e : arr) {
    PROV_ASSIGN_OR_RETURN(SecurityRule r, RuleFromJson(e));
    out.push_back(std::move(r));
  }
  return out;
}

Result<json> ParseJson(const std::string& text, const std::string& what) {
  try {
    return json::parse(text);
  } catch (const std::exception& e) {
    return MakeError(ErrorCode::kDataLoss, what + ": response is not valid JSON");
  }
}

ErrorCode CodeFor(int status, const std::string& code) {
  if (code == "SecurityRuleConflict" || code == "AnotherOperationInProgress" || status == 409 ||
      status == 412)
    return ErrorCode::kConflict;
  if (status == 404 || code == "ResourceNotFound" || code == "NotFound" ||
      code == "ResourceGroupNotFound")
    return ErrorCode::kNotFound;
  if (status == 401 || status == 403) return ErrorCode::kPermissionDenied;
  if (status == 429 || status >= 500) return ErrorCode::kUnavailable;
  if (code == "QuotaExceeded" || code == "SecurityRulesPerNetworkSecurityGroupLimitReached")
    return ErrorCode::kResourceExhausted;
  if (status >= 400 || status == 0) return ErrorCode::kInvalidArgument;
  return ErrorCode::kInternal;
}

// Fills code/message from an ARM error object ({"code","message","details":[...]}).
void ReadErrorObject(const json& e, std::string* code, std::string* message) {
  if (!e.is_object()) return;
  if (auto c = e.find("code"); c != e.end() && c->is_string()) *code = c->get<std::string>();
  if (auto m = e.find("message"); m != e.end() && m->is_string()) *message = m->get<std::string>();
  if (auto d = e.find("details"); d != e.end() && d->is_array()) {
    for (const auto& x : *d) {
      std::string dc, dm;
      ReadErrorObject(x, &dc, &dm);
      if (!dc.empty() || !dm.empty()) *message += " [" + dc + (dm.empty() ? "" : ": " + dm) + "]";
    }
  }
}

bool IsBusyCode(const std::string& body) {
  // Retryable "NSG busy" answers: the code may sit at the top or inside details.
  return body.find("AnotherOperationInProgress") != std::string::npos ||
         body.find("RetryableError") != std::string::npos;
}

}  // namespace

std::vector<std::string> SecurityRule::SourcePorts() const {
  return PickList(source_port_range, source_port_ranges);
}
std::vector<std::string> SecurityRule::DestinationPorts() const {
  return PickList(destination_port_range, destination_port_ranges);
}
std::vector<std::string> SecurityRule::SourcePrefixes() const {
  return PickList(source_address_prefix, source_address_prefixes);
}
std::vector<std::string> SecurityRule::DestinationPrefixes() const {
  return PickList(destination_address_prefix, destination_address_prefixes);
}

bool SecurityRule::SameContent(const SecurityRule& o) const {
  return EqualsIgnoreCase(protocol, o.protocol) && EqualsIgnoreCase(access, o.access) &&
         EqualsIgnoreCase(direction, o.direction) && priority == o.priority &&
         description == o.description && Canon(SourcePorts()) == Canon(o.SourcePorts()) &&
         Canon(DestinationPorts()) == Canon(o.DestinationPorts()) &&
         Canon(SourcePrefixes()) == Canon(o.SourcePrefixes()) &&
         Canon(DestinationPrefixes()) == Canon(o.DestinationPrefixes()) &&
         uses_application_security_groups == o.uses_application_security_groups;
}

bool SecurityRule::InForce() const {
  // Failed: not known to be enforced. Deleting: on its way out (a delete whose answer was lost
  // may still be running), so it must not be recorded as what is in force.
  return !EqualsIgnoreCase(provisioning_state, "Failed") && !EqualsIgnoreCase(provisioning_state, "Deleting");
}

std::string SecurityRuleBody(const SecurityRule& r) {
  json p = json::object();
  p["protocol"] = r.protocol;
  p["access"] = r.access;
  p["direction"] = r.direction;
  p["priority"] = r.priority;
  if (!r.description.empty()) p["description"] = r.description;
  PutSingularOrPlural(p, "sourcePortRange", "sourcePortRanges", r.SourcePorts());
  PutSingularOrPlural(p, "destinationPortRange", "destinationPortRanges", r.DestinationPorts());
  PutSingularOrPlural(p, "sourceAddressPrefix", "sourceAddressPrefixes", r.SourcePrefixes());
  PutSingularOrPlural(p, "destinationAddressPrefix", "destinationAddressPrefixes",
                      r.DestinationPrefixes());
  json body = json::object();
  body["properties"] = std::move(p);
  return body.dump();
}

Result<SecurityRule> ParseSecurityRule(const std::string& json_text) {
  PROV_ASSIGN_OR_RETURN(json j, ParseJson(json_text, "security rule"));
  return RuleFromJson(j);
}

Error ArmError(const http::Response& response, const std::string& what) {
  std::string code, message;
  try {
    json j = json::parse(response.body);
    if (j.is_object()) {
      auto e = j.find("error");
      ReadErrorObject(e != j.end() ? *e : j, &code, &message);
    }
  } catch (const std::exception&) {
    // Not JSON (a proxy page, an empty 404): report the status alone.
  }
  if (code.empty() && response.status == 412) code = "PreconditionFailed";
  Error err;
  err.code = CodeFor(response.status, code);
  err.remote_code = code;
  err.http_status = response.status;
  err.message = what + ": HTTP " + std::to_string(response.status) +
                (message.empty() ? std::string() : ": " + message);
  return err;
}

std::shared_ptr<std::mutex> NsgWriteLock(const std::string& nsg_id) {
  static std::mutex map_mu;
  static std::map<std::string, std::shared_ptr<std::mutex>> locks;
  std::lock_guard<std::mutex> g(map_mu);
  auto& m = locks[ToLower(nsg_id)];
  if (!m) m = std::make_shared<std::mutex>();
  return m;
}

// ------------------------------------------------------------------------ ArmClient

namespace {
thread_local int tl_calls = 0;
}  // namespace

int ArmClient::CallsOnThisThread() { return tl_calls; }

ArmClient::ArmClient(ArmConfig config, std::shared_ptr<http::Transport> transport,
                     std::shared_ptr<TokenSource> tokens)
    : config_(std::move(config)), transport_(std::move(transport)), tokens_(std::move(tokens)) {
  while (!config_.endpoint.empty() && config_.endpoint.back() == '/') config_.endpoint.pop_back();
}

std::string ArmClient::Url(const std::string& path) const {
  // A path that names its own api-version (a resource group call in tests) keeps it.
  if (path.find("api-version=") != std::string::npos) return config_.endpoint + path;
  return config_.endpoint + path + (path.find('?') == std::string::npos ? "?" : "&") +
         "api-version=" + config_.api_version;
}

Status ArmClient::CheckSameOrigin(const std::string& url, const std::string& what) const {
  // Bearer tokens only ever go to the configured resource manager.
  if (internal::UrlOrigin(url) != internal::UrlOrigin(config_.endpoint)) {
    return MakeError(ErrorCode::kDataLoss, what + " points at \"" + internal::UrlOrigin(url) +
                                               "\", not at the resource manager endpoint " +
                                               internal::UrlOrigin(config_.endpoint));
  }
  return Status::Ok();
}

void ArmClient::Sleep(std::chrono::milliseconds d, const std::atomic<bool>* cancel) const {
  if (config_.sleep) {
    config_.sleep(d);
    return;
  }
  auto until = std::chrono::steady_clock::now() + d;
  while (std::chrono::steady_clock::now() < until) {
    if (cancel && cancel->load()) return;
    auto left = until - std::chrono::steady_clock::now();
    std::this_thread::sleep_for(std::min<std::chrono::steady_clock::duration>(
        left, std::chrono::milliseconds(50)));
  }
}

Result<http::Response> ArmClient::Send(
    const std::string& method, const std::string& url,
    const std::vector<std::pair<std::string, std::string>>& headers, const std::string& body,
    const std::atomic<bool>* cancel) {
  for (int auth_try = 0;; ++auth_try) {
    if (cancel && cancel->load()) return MakeError(ErrorCode::kCancelled, "cancelled");
    PROV_ASSIGN_OR_RETURN(std::string token, tokens_->Token(cancel));
    auto call = [&]() -> Result<http::Response> {
      http::Request req;
      req.method = method;
      req.url = url;
      req.headers.emplace_back("Authorization", "Bearer " + token);
      req.headers.emplace_back("Accept", "application/json");
      if (!body.empty()) req.headers.emplace_back("Content-Type", "application/json");
      for (const auto& h : headers) req.headers.push_back(h);
      req.body = body;
      api_calls_.fetch_add(1);
      ++tl_calls;
      return transport_->Do(req);
    };
    auto classify = [](const Result<http::Response>& r) -> http::Attempt {
      http::Attempt a;
      if (!r.ok()) {
        // No answer at all (reset, timeout): ARM writes are idempotent PUT/DELETE, so a
        // repeat is safe; a create-only PUT that did land answers 412 and the caller checks.
        a.verdict = r.error().code == ErrorCode::kCancelled ? http::Verdict::kFail
                                                             : http::Verdict::kRetry;
        return a;
      }
      int s = r->status;
      bool busy = (s == 409 || s == 429) && IsBusyCode(r->body);
      if (s == 429 || busy || s == 500 || s == 502 || s == 503 || s == 504) {
        a.verdict = http::Verdict::kRetry;
        a.retry_after = http::ParseRetryAfter(*r);
      }
      return a;
    };
    auto result = http::WithRetry(config_.retry, call, classify, cancel, nullptr, config_.sleep);
    // "Another operation is in progress" lasts as long as that operation, which can be
    // minutes: keep waiting for it (up to the operation time limit) instead of giving up
    // after the attempts meant for throttling and transient faults.
    const auto busy_deadline = std::chrono::steady_clock::now() + config_.max_operation_time;
    std::chrono::milliseconds waited{0};  // counts injected (test) sleeps too
    while (result.ok() && (result->status == 409 || result->status == 429) && IsBusyCode(result->body) &&
           std::chrono::steady_clock::now() < busy_deadline && waited < config_.max_operation_time) {
      if (cancel && cancel->load()) return MakeError(ErrorCode::kCancelled, "cancelled");
      auto wait = http::ParseRetryAfter(*result).value_or(std::chrono::milliseconds(1000));
      wait = std::min(std::max(wait, std::chrono::milliseconds(100)), config_.max_poll_interval);
      log::Debug("arm: NSG busy with another operation; waiting",
                 {{"wait_ms", std::to_string(wait.count())}});
      Sleep(wait, cancel);
      waited += wait;
      result = http::WithRetry(config_.retry, call, classify, cancel, nullptr, config_.sleep);
    }
    if (!result.ok()) return result;
    if (result->status == 401 && auth_try == 0) {
      // An expired or revoked token: fetch a new one once, then give up.
      tokens_->Invalidate();
      continue;
    }
    return result;
  }
}

Status ArmClient::WaitForOperation(const http::Response& initial, const std::string& what,
                                   const std::atomic<bool>* cancel, OperationEnd* end) {
  std::string async_url = initial.Header("azure-asyncoperation");
  std::string location = initial.Header("location");
  if (async_url.empty() && location.empty()) return Status::Ok();  // finished synchronously
  const std::string& poll_url = async_url.empty() ? location : async_url;
  PROV_RETURN_IF_ERROR(CheckSameOrigin(poll_url, what + ": operation URL"));
  auto next_delay = [&](const http::Response& r) {
    auto ra = http::ParseRetryAfter(r);
    auto d = ra ? *ra : config_.default_poll_interval;
    return std::min(d, config_.max_poll_interval);
  };
  std::chrono::milliseconds waited{0};
  auto delay = next_delay(initial);
  for (int polls = 0;; ++polls) {
    if (waited > config_.max_operation_time) {
      return MakeError(ErrorCode::kDeadlineExceeded,
                       what + ": operation still running after " +
                           std::to_string(waited.count() / 1000) + " s");
    }
    Sleep(delay, cancel);
    waited += delay;
    if (cancel && cancel->load()) return MakeError(ErrorCode::kCancelled, what + ": cancelled");
    PROV_ASSIGN_OR_RETURN(http::Response r, Send("GET", poll_url, {}, "", cancel));
    delay = next_delay(r);
    if (!async_url.empty()) {
      if (r.status != 200) return ArmError(r, what + ": polling operation status");
      PROV_ASSIGN_OR_RETURN(json j, ParseJson(r.body, what + ": operation status"));
      std::string status = j.is_object() && j.contains("status") && j["status"].is_string()
                               ? j["status"].get<std::string>()
                               : std::string();
      if (status.empty())
        return MakeError(ErrorCode::kDataLoss, what + ": operation status has no \"status\"");
      if (EqualsIgnoreCase(status, "Succeeded")) return Status::Ok();
      if (EqualsIgnoreCase(status, "Failed") || EqualsIgnoreCase(status, "Canceled")) {
        std::string code, message;
        if (j.contains("error")) ReadErrorObject(j["error"], &code, &message);
        Error e;
        e.code = CodeFor(0, code);
        if (e.code == ErrorCode::kInternal || code.empty()) e.code = ErrorCode::kUnavailable;
        e.remote_code = code;
        e.http_status = 200;
        e.message = what + ": operation " + status + (message.empty() ? "" : ": " + message);
        if (end) end->status = EqualsIgnoreCase(status, "Failed") ? "Failed" : "Canceled";
        return e;
      }
      continue;  // InProgress, Accepted, Updating, ...
    }
    if (r.status == 202) continue;
    if (r.status == 200 || r.status == 201 || r.status == 204) return Status::Ok();
    // The Location of a finished operation answers with the operation's own error.
    if (end && r.status >= 400 && r.status < 500 && r.status != 404 && r.status != 429)
      end->status = "Failed";
    return ArmError(r, what + ": polling operation location");
  }
}

Result<http::Response> ArmClient::Call(const std::string& method, const std::string& path,
                                       const std::string& body, const std::atomic<bool>* cancel,
                                       bool wait_for_operation) {
  PROV_ASSIGN_OR_RETURN(http::Response r, Send(method, Url(path), {}, body, cancel));
  if (wait_for_operation && (r.status == 201 || r.status == 202)) {
    PROV_RETURN_IF_ERROR(WaitForOperation(r, method + " " + path, cancel));
  }
  return r;
}

Result<NetworkSecurityGroup> ArmClient::GetNsg(const NsgRef& nsg,
                                               const std::atomic<bool>* cancel) {
  std::string what = "reading network security group " + nsg.Id();
  PROV_ASSIGN_OR_RETURN(http::Response r, Send("GET", Url(nsg.Id()), {}, "", cancel));
  if (r.status != 200) return ArmError(r, what);
  PROV_ASSIGN_OR_RETURN(json j, ParseJson(r.body, what));
  if (!j.is_object()) return MakeError(ErrorCode::kDataLoss, what + ": not a JSON object");
  NetworkSecurityGroup g;
  g.id = j.value("id", "");
  g.name = j.value("name", "");
  g.etag = j.value("etag", "");
  g.location = j.value("location", "");
  if (auto p = j.find("properties"); p != j.end() && p->is_object()) {
    g.provisioning_state = p->value("provisioningState", "");
    if (auto s = p->find("securityRules"); s != p->end()) {
      PROV_ASSIGN_OR_RETURN(g.security_rules, RulesFromArray(*s, "securityRules"));
    }
    if (auto s = p->find("defaultSecurityRules"); s != p->end()) {
      PROV_ASSIGN_OR_RETURN(g.default_security_rules, RulesFromArray(*s, "defaultSecurityRules"));
    }
  }
  return g;
}

Result<std::vector<SecurityRule>> ArmClient::ListRules(const NsgRef& nsg,
                                                       const std::atomic<bool>* cancel) {
  std::string what = "listing security rules of " + nsg.Id();
  std::vector<SecurityRule> out;
  std::string url = Url(nsg.Id() + "/securityRules");
  for (int page = 0; !url.empty(); ++page) {
    if (page > 10000) return MakeError(ErrorCode::kDataLoss, what + ": nextLink never ends");
    if (page > 0) PROV_RETURN_IF_ERROR(CheckSameOrigin(url, what + ": nextLink"));
    PROV_ASSIGN_OR_RETURN(http::Response r, Send("GET", url, {}, "", cancel));
    if (r.status != 200) return ArmError(r, what);
    PROV_ASSIGN_OR_RETURN(json j, ParseJson(r.body, what));
    if (!j.is_object()) return MakeError(ErrorCode::kDataLoss, what + ": not a JSON object");
    if (auto v = j.find("value"); v != j.end()) {
      PROV_ASSIGN_OR_RETURN(auto rules, RulesFromArray(*v, "value"));
      for (auto& x : rules) out.push_back(std::move(x));
    }
    url.clear();
    if (auto n = j.find("nextLink"); n != j.end() && n->is_string()) url = n->get<std::string>();
  }
  return out;
}

Result<SecurityRule> ArmClient::GetRule(const NsgRef& nsg, const std::string& name,
                                        const std::atomic<bool>* cancel) {
  std::string what = "reading security rule " + name + " of " + nsg.Id();
  PROV_ASSIGN_OR_RETURN(
      http::Response r,
      Send("GET", Url(nsg.Id() + "/securityRules/" + internal::FormEncode(name)), {}, "", cancel));
  if (r.status != 200) return ArmError(r, what);
  return ParseSecurityRule(r.body);
}

Result<SecurityRule> ArmClient::PutRule(const NsgRef& nsg, const SecurityRule& rule, PutMode mode,
                                        const std::atomic<bool>* cancel, OperationEnd* end) {
  if (end) *end = OperationEnd{};
  std::string what = "writing security rule " + rule.name + " of " + nsg.Id();
  std::vector<std::pair<std::string, std::string>> headers;
  if (mode == PutMode::kCreateOnly) headers.emplace_back("If-None-Match", "*");
  if (mode == PutMode::kIfMatch) {
    if (rule.etag.empty())
      return MakeError(ErrorCode::kInternal, what + ": conditional update without an etag");
    headers.emplace_back("If-Match", rule.etag);
  }
  auto lock = NsgWriteLock(nsg.Id());
  std::lock_guard<std::mutex> guard(*lock);
  PROV_ASSIGN_OR_RETURN(
      http::Response r, Send("PUT", Url(nsg.Id() + "/securityRules/" + internal::FormEncode(rule.name)),
                             headers, SecurityRuleBody(rule), cancel));
  if (r.status == 412) {
    Error e = ArmError(r, what);
    if (mode == PutMode::kCreateOnly) {
      e.code = ErrorCode::kAlreadyExists;
      e.message = what + ": a rule with this name was created by someone else meanwhile";
    } else {
      e.code = ErrorCode::kConflict;
      e.message = what + ": the rule was changed by someone else since it was read (etag mismatch)";
    }
    return e;
  }
  if (r.status != 200 && r.status != 201) return ArmError(r, what);
  PROV_ASSIGN_OR_RETURN(SecurityRule out, ParseSecurityRule(r.body));
  PROV_RETURN_IF_ERROR(WaitForOperation(r, what, cancel, end));
  return out;
}

Status ArmClient::DeleteRule(const NsgRef& nsg, const std::string& name,
                             const std::atomic<bool>* cancel, OperationEnd* end) {
  if (end) *end = OperationEnd{};
  std::string what = "deleting security rule " + name + " of " + nsg.Id();
  auto lock = NsgWriteLock(nsg.Id());
  std::lock_guard<std::mutex> guard(*lock);
  PROV_ASSIGN_OR_RETURN(
      http::Response r,
      Send("DELETE", Url(nsg.Id() + "/securityRules/" + internal::FormEncode(name)), {}, "",
           cancel));
  if (r.status == 404 || r.status == 204 || r.status == 200) return Status::Ok();
  if (r.status != 202) return ArmError(r, what);
  return WaitForOperation(r, what, cancel, end);
}

}  // namespace prov::cloud::azure
