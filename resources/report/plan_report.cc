#include "resources/report/plan_report.h"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <set>

#include <nlohmann/json.hpp>

#include "provider/catalog/loader.h"

namespace prov::report {

using nlohmann::json;

const char* CategoryName(Category c) {
  switch (c) {
    case Category::kCloudDrift: return "cloud_drift";
    case Category::kCatalogChange: return "catalog_change";
    case Category::kConfigurationChange: return "configuration_change";
  }
  return "";
}

const char* CategoryTitle(Category c) {
  switch (c) {
    case Category::kCloudDrift: return "Cloud drift";
    case Category::kCatalogChange: return "Catalog change";
    case Category::kConfigurationChange: return "Configuration change";
  }
  return "";
}

namespace {

constexpr const char* kType = "office_at_hand_allowlist";

std::string Join(const std::vector<std::string>& xs, const char* sep) {
  std::string s;
  for (const auto& x : xs) s += (s.empty() ? "" : sep) + x;
  return s;
}

}  // namespace

std::string RuleView::Peer() const { return cidrs.empty() ? prefix_list : Join(cidrs, ", "); }
std::string RuleView::Ports() const { return Join(ports, ", "); }

int Report::Count(Category c) const {
  int n = 0;
  for (const auto& f : findings) n += f.category == c;
  return n;
}

int Report::UnenforceableCount() const {
  int n = 0;
  for (const auto& a : allowlists) n += static_cast<int>(a.unenforceable.size());
  return n;
}

namespace {

// Attributes a user sets (a change between the refreshed state and the plan is a
// configuration change). Everything else in the resource is computed or unknown to us.
const char* const kConfigAttributes[] = {
    "services",        "line_sharing",          "tcp_fallback",       "ipv6_clients",
    "sip_trunk_peers", "sftp_server_addresses", "rule_budget",        "owner",
    "aws_security_group", "azure_network_security_group", "gcp_firewall"};

// Attributes whose configuration change touches only some catalog rows (see Touched).
bool RowScoped(const std::string& attr) {
  return attr == "services" || attr == "line_sharing" || attr == "tcp_fallback" ||
         attr == "ipv6_clients" || attr == "sip_trunk_peers" || attr == "sftp_server_addresses";
}

std::string Str(const json& j, const char* key) {
  if (!j.is_object()) return "";
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : "";
}

std::vector<std::string> StrList(const json& j) {
  std::vector<std::string> out;
  if (!j.is_array()) return out;
  for (const auto& x : j)
    if (x.is_string()) out.push_back(x.get<std::string>());
  return out;
}

// "Empty" values compare equal: null, false, 0, "", [] and {} (an unset optional attribute
// and its zero value behave the same).
bool IsEmpty(const json& j) {
  return j.is_null() || (j.is_boolean() && !j.get<bool>()) || (j.is_number() && j.get<double>() == 0) ||
         (j.is_string() && j.get<std::string>().empty()) || (j.is_array() && j.empty()) ||
         (j.is_object() && std::all_of(j.begin(), j.end(), [](const json& v) { return IsEmpty(v); }));
}

// Order-insensitive, with empty values dropped from objects: a canonical form for comparing.
json Canonical(const json& j) {
  if (j.is_object()) {
    json o = json::object();
    for (auto it = j.begin(); it != j.end(); ++it)
      if (!IsEmpty(it.value())) o[it.key()] = Canonical(it.value());
    return o;
  }
  if (j.is_array()) {
    std::vector<json> xs;
    for (const auto& x : j) xs.push_back(Canonical(x));
    std::sort(xs.begin(), xs.end());  // json's total order: deterministic, no serialising
    return json(xs);
  }
  return j;
}

// A rule without the fields that are not part of what it allows or why (remote_id: the
// platform's id, unknown in a plan until apply).
json RuleCanonical(const json& rule) {
  json r = rule.is_object() ? rule : json::object();
  r.erase("remote_id");
  return Canonical(r);
}

// Replaces the parts of `after` that the plan marks unknown by the `before` value: an
// unknown is "whatever apply decides", never evidence of a change.
json KnownOrBefore(const json& after, const json& unknown, const json& before) {
  if (unknown.is_boolean() && unknown.get<bool>()) return before;
  if (unknown.is_object() && after.is_object()) {
    json out = after;
    for (auto it = unknown.begin(); it != unknown.end(); ++it) {
      const json b = before.is_object() && before.contains(it.key()) ? before[it.key()] : json();
      if (it.value().is_boolean()) {
        if (it.value().get<bool>()) out[it.key()] = b;
      } else if (after.contains(it.key())) {
        out[it.key()] = KnownOrBefore(after[it.key()], it.value(), b);
      }
    }
    return out;
  }
  if (unknown.is_array() && after.is_array()) {
    json out = after;
    for (size_t i = 0; i < unknown.size() && i < out.size(); ++i)
      out[i] = KnownOrBefore(after[i], unknown[i], before.is_array() && i < before.size() ? before[i] : json());
    return out;
  }
  return after;
}

bool IsUnknown(const json& unknown, const char* key) {
  if (!unknown.is_object()) return false;
  auto it = unknown.find(key);
  return it != unknown.end() && it->is_boolean() && it->get<bool>();
}

RuleView View(const json& r) {
  RuleView v;
  v.direction = Str(r, "direction");
  v.protocol = Str(r, "protocol");
  v.description = Str(r, "description");
  v.prefix_list = Str(r, "prefix_list");
  v.location = Str(r, "location");
  v.name = Str(r, "name");
  if (r.is_object()) {
    if (r.contains("ports")) v.ports = StrList(r["ports"]);
    if (r.contains("cidrs")) v.cidrs = StrList(r["cidrs"]);
    if (r.contains("services")) v.services = StrList(r["services"]);
    if (r.contains("catalog_rows")) v.catalog_rows = StrList(r["catalog_rows"]);
    if (r.contains("priority") && r["priority"].is_number()) v.priority = r["priority"].get<double>();
  }
  return v;
}

std::string Hex64(uint64_t h) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

// FNV-1a: a stable fingerprint (the same finding on two scheduled runs has the same id).
std::string Fingerprint(const std::string& s) {
  uint64_t h = 1469598103934665603ULL;
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  return Hex64(h);
}

std::vector<std::string> SortedUnion(std::vector<std::string> a, const std::vector<std::string>& b) {
  a.insert(a.end(), b.begin(), b.end());
  std::sort(a.begin(), a.end());
  a.erase(std::unique(a.begin(), a.end()), a.end());
  return a;
}

std::vector<std::string> Minus(const std::vector<std::string>& a, const std::vector<std::string>& b) {
  std::set<std::string> sb(b.begin(), b.end());
  std::set<std::string> out;
  for (const auto& x : a)
    if (!sb.count(x)) out.insert(x);
  return {out.begin(), out.end()};
}

// A rule port "udp/10000-19999" / "tcp/443" as (transport, low, high); false if not one.
bool ParsePort(const std::string& s, std::string& transport, int& lo, int& hi) {
  auto slash = s.find('/');
  if (slash == std::string::npos) return false;
  transport = s.substr(0, slash);
  const std::string range = s.substr(slash + 1);
  try {
    auto dash = range.find('-');
    lo = std::stoi(range.substr(0, dash));
    hi = dash == std::string::npos ? lo : std::stoi(range.substr(dash + 1));
  } catch (const std::exception&) {
    return false;
  }
  return true;
}

bool PortsOverlap(const std::vector<std::string>& a, const std::vector<std::string>& b) {
  for (const auto& x : a) {
    std::string tx;
    int xl = 0, xh = 0;
    if (!ParsePort(x, tx, xl, xh)) continue;
    for (const auto& y : b) {
      std::string ty;
      int yl = 0, yh = 0;
      if (ParsePort(y, ty, yl, yh) && tx == ty && xl <= yh && yl <= xh) return true;
    }
  }
  return false;
}

// What a row-scoped configuration change touches: whole rows, or only some ports of a row
// (tcp_fallback adds TCP 443 to media rows whose UDP ports stay). Read from the embedded
// catalog: row ids and conditions are stable across catalog versions.
struct Touched {
  bool everything = false;
  std::set<std::string> services;                            // rows "<service>.*"
  std::set<std::string> rows;                                // whole rows
  std::map<std::string, std::vector<std::string>> row_ports; // row -> ports

  bool Covers(const std::string& row, const std::vector<std::string>& ports) const {
    if (everything || rows.count(row)) return true;
    auto dot = row.find('.');
    if (dot != std::string::npos && services.count(row.substr(0, dot))) return true;
    auto it = row_ports.find(row);
    return it != row_ports.end() && PortsOverlap(it->second, ports);
  }
};

Touched TouchedBy(const std::vector<std::string>& attrs, const json& before, const json& after) {
  Touched t;
  const auto& cat = catalog::Embedded();
  for (const auto& a : attrs) {
    if (!RowScoped(a)) {
      t.everything = true;
      continue;
    }
    if (a == "services") {
      auto b = StrList(before.value("services", json()));
      auto f = StrList(after.value("services", json()));
      if (b.empty() || f.empty()) {  // unset = every service: the change can touch any row
        t.everything = true;
        continue;
      }
      for (const auto& s : Minus(b, f)) t.services.insert(s);
      for (const auto& s : Minus(f, b)) t.services.insert(s);
      continue;
    }
    for (const auto& svc : cat.services)
      for (const auto& row : svc.rows) {
        if (a == "ipv6_clients" && row.condition == catalog::kConditionIpv6Clients) t.rows.insert(row.id);
        for (const auto& p : row.destinations.parameters)
          if (p.parameter == a) t.rows.insert(row.id);
        for (const auto& p : row.ports)
          if (p.condition == a)
            t.row_ports[row.id].push_back(std::string(net::TransportName(p.transport)) + "/" + p.range.ToString());
      }
  }
  return t;
}

std::string PlatformOf(const json& v) {
  if (!v.is_object()) return "";
  for (const auto& [block, name] : {std::pair{"aws_security_group", "aws"},
                                    std::pair{"azure_network_security_group", "azure"},
                                    std::pair{"gcp_firewall", "gcp"}}) {
    auto it = v.find(block);
    if (it != v.end() && !it->is_null() && !(it->is_array() && it->empty())) return name;
  }
  return "";
}

std::string TargetOf(const json& v) {
  std::string id = Str(v, "id");
  if (!id.empty()) return id;
  if (!v.is_object()) return "";
  if (v.contains("aws_security_group")) {
    const json& b = v["aws_security_group"];
    const json& blk = b.is_array() && !b.empty() ? b[0] : b;
    if (blk.is_object() && blk.contains("group_ids")) return Join(StrList(blk["group_ids"]), ",");
  }
  if (v.contains("azure_network_security_group")) {
    const json& b = v["azure_network_security_group"];
    const json& blk = b.is_array() && !b.empty() ? b[0] : b;
    if (!Str(blk, "id").empty()) return Str(blk, "id");
  }
  if (v.contains("gcp_firewall")) {
    const json& b = v["gcp_firewall"];
    const json& blk = b.is_array() && !b.empty() ? b[0] : b;
    if (!Str(blk, "project").empty()) return "projects/" + Str(blk, "project") + "/global/networks/" + Str(blk, "network");
  }
  return "";
}

std::string AuditLog(const std::string& platform) {
  if (platform == "aws") return "CloudTrail (RevokeSecurityGroupEgress/Ingress, ModifySecurityGroupRules)";
  if (platform == "azure") return "the Azure Activity Log (securityRules write/delete)";
  if (platform == "gcp") return "Cloud Audit Logs (compute.firewalls.*)";
  return "the cloud's audit log";
}

const json& Member(const json& j, const char* key) {
  static const json kNull;
  if (!j.is_object()) return kNull;
  auto it = j.find(key);
  return it == j.end() ? kNull : *it;
}

std::map<std::string, json> RulesOf(const json& values) {
  std::map<std::string, json> out;
  const json& rules = Member(values, "rules");
  if (rules.is_object())
    for (auto it = rules.begin(); it != rules.end(); ++it) out[it.key()] = it.value();
  return out;
}

std::vector<Unenforceable> UnenforceableOf(const json& values) {
  std::vector<Unenforceable> out;
  const json& u = Member(values, "unenforceable");
  if (!u.is_array()) return out;
  for (const auto& x : u) {
    Unenforceable e;
    e.row = Str(x, "row");
    e.service = Str(x, "service");
    e.reason = Str(x, "reason");
    e.destinations = StrList(Member(x, "destinations"));
    out.push_back(std::move(e));
  }
  return out;
}

std::optional<CatalogStamp> StampOf(const json& values) {
  CatalogStamp s{Str(values, "catalog_version"), Str(values, "catalog_sha256")};
  if (s.version.empty() && s.sha256.empty()) return std::nullopt;
  return s;
}

struct Builder {
  Report report;
  std::map<std::string, size_t> index;  // address -> allowlists position

  AllowlistReport& Allowlist(const std::string& address) {
    auto it = index.find(address);
    if (it != index.end()) return report.allowlists[it->second];
    index[address] = report.allowlists.size();
    report.allowlists.push_back({});
    report.allowlists.back().address = address;
    return report.allowlists.back();
  }

  void Add(AllowlistReport& a, Finding f) {
    f.address = a.address;
    if (f.target.empty()) f.target = a.target;
    std::string key = std::string(CategoryName(f.category)) + "|" + f.kind + "|" + f.address + "|" + f.rule +
                      "|" + (f.before ? Join(f.before->ports, ",") + Join(f.before->cidrs, ",") + f.before->description +
                                            Join(f.before->catalog_rows, ",")
                                      : "-") +
                      "|" + (f.after ? Join(f.after->ports, ",") + Join(f.after->cidrs, ",") + f.after->description +
                                           Join(f.after->catalog_rows, ",")
                                     : "-") +
                      "|" + f.before_value + "|" + f.after_value;
    f.id = Fingerprint(key);
    a.counts[static_cast<int>(f.category)]++;
    report.findings.push_back(std::move(f));
  }

  // Drift: the last applied state (before) vs what refresh read (after).
  void Drift(const json& rd) {
    const std::string address = Str(rd, "address");
    const json& ch = Member(rd, "change");
    const json& before = Member(ch, "before");
    const json& after = Member(ch, "after");
    auto& a = Allowlist(address);
    if (a.target.empty()) a.target = TargetOf(before.is_null() ? after : before);
    if (a.platform.empty()) a.platform = PlatformOf(before.is_null() ? after : before);
    const auto actions = StrList(Member(ch, "actions"));
    if (after.is_null() || actions == std::vector<std::string>{"delete"}) {
      Finding f;
      f.category = Category::kCloudDrift;
      f.kind = "allowlist_gone";
      f.summary = "The target or every rule of this allowlist was deleted outside Terraform";
      f.recommended_action = "Check " + AuditLog(a.platform) +
                             " for who deleted it; the next apply creates the allowlist again.";
      Add(a, std::move(f));
      return;
    }
    auto b = RulesOf(before), n = RulesOf(after);
    for (const auto& [key, rule] : b) {
      auto it = n.find(key);
      if (it == n.end()) {
        Finding f;
        f.category = Category::kCloudDrift;
        f.kind = "rule_removed";
        f.rule = key;
        f.before = View(rule);
        f.catalog_rows = f.before->catalog_rows;
        f.summary = "Deleted outside Terraform";
        f.recommended_action = "Check " + AuditLog(a.platform) +
                               " for who deleted it; apply recreates it. To stop allowing it, change "
                               "`services` instead of deleting rules by hand.";
        Add(a, std::move(f));
      } else if (RuleCanonical(rule) != RuleCanonical(it->second)) {
        Add(a, Changed(Category::kCloudDrift, key, rule, it->second,
                       "Check " + AuditLog(a.platform) + " for who changed it; apply restores the catalog's rule."));
      }
    }
    for (const auto& [key, rule] : n) {
      if (b.count(key)) continue;
      Finding f;
      f.category = Category::kCloudDrift;
      f.kind = "rule_added";
      f.rule = key;
      f.after = View(rule);
      f.catalog_rows = f.after->catalog_rows;
      f.summary = "Created outside Terraform with this allowlist's ownership marker";
      f.recommended_action = "Check " + AuditLog(a.platform) +
                             " for who created it; apply removes it unless the catalog needs it.";
      Add(a, std::move(f));
    }
    drifted_before[address] = b;
  }

  static Finding Changed(Category c, const std::string& key, const json& before, const json& after,
                         std::string action) {
    Finding f;
    f.category = c;
    f.kind = "rule_changed";
    f.rule = key;
    f.before = View(before);
    f.after = View(after);
    const json cb = RuleCanonical(before), ca = RuleCanonical(after);
    std::set<std::string> fields;
    for (auto it = cb.begin(); it != cb.end(); ++it)
      if (!ca.contains(it.key()) || ca[it.key()] != it.value()) fields.insert(it.key());
    for (auto it = ca.begin(); it != ca.end(); ++it)
      if (!cb.contains(it.key())) fields.insert(it.key());
    f.changed_fields.assign(fields.begin(), fields.end());
    f.catalog_rows = SortedUnion(f.before->catalog_rows, f.after->catalog_rows);
    f.rows_added = Minus(f.after->catalog_rows, f.before->catalog_rows);
    f.rows_removed = Minus(f.before->catalog_rows, f.after->catalog_rows);
    f.summary = "Changed: " + Join(f.changed_fields, ", ");
    f.recommended_action = std::move(action);
    return f;
  }

  std::map<std::string, std::map<std::string, json>> drifted_before;  // address -> pre-drift rules

  // Planned change: the refreshed state (before) vs the plan (after).
  void Change(const json& rc) {
    const std::string address = Str(rc, "address");
    const json& ch = Member(rc, "change");
    const json& before = Member(ch, "before");
    const json& unknown = Member(ch, "after_unknown");
    const json after = KnownOrBefore(Member(ch, "after"), unknown, before);
    auto& a = Allowlist(address);
    a.actions = StrList(Member(ch, "actions"));
    const json& known = after.is_null() ? before : after;
    const std::string target = TargetOf(known);
    if (!target.empty()) a.target = target;
    if (a.platform.empty()) a.platform = PlatformOf(known);
    a.catalog_before = StampOf(before);
    a.catalog_after = IsUnknown(unknown, "catalog_version") ? std::nullopt : StampOf(Member(ch, "after"));
    const json& unenf_src = IsUnknown(unknown, "unenforceable") || after.is_null() ? before : after;
    a.unenforceable = UnenforceableOf(unenf_src);
    a.rules_before = static_cast<int>(RulesOf(before).size());
    a.rules_after = static_cast<int>(RulesOf(IsUnknown(unknown, "rules") ? before : after).size());

    const bool create = before.is_null(), destroy = after.is_null();
    const bool replace = std::count(a.actions.begin(), a.actions.end(), "delete") &&
                         std::count(a.actions.begin(), a.actions.end(), "create");
    if (create || destroy || replace) {
      Finding f;
      f.category = Category::kConfigurationChange;
      f.kind = replace ? "allowlist_replaced" : create ? "allowlist_created" : "allowlist_deleted";
      if (replace) {
        std::vector<std::string> paths;
        for (const auto& p : Member(rc, "replace_paths"))
          if (p.is_array() && !p.empty() && p[0].is_string()) paths.push_back(p[0].get<std::string>());
        f.summary = "Replaced (" + (paths.empty() ? std::string("target changed") : Join(paths, ", ") + " changed") +
                    "): its rules are deleted and created again";
      } else if (create) {
        f.summary = "Not created yet (" + std::to_string(a.rules_after) + " rules planned)";
      } else {
        f.summary = "Removed from the configuration: its " + std::to_string(a.rules_before) +
                    " rules are deleted on apply";
      }
      f.recommended_action = "Review and apply the plan, or revert the configuration change.";
      Add(a, std::move(f));
      return;
    }

    // Configuration attributes edited but not applied.
    for (const char* attr : kConfigAttributes) {
      const json& b = Member(before, attr);
      const json& n = Member(after, attr);
      if (Canonical(b) != Canonical(n) && !(IsEmpty(b) && IsEmpty(n))) a.configuration_changed.push_back(attr);
    }
    const bool catalog_moved = a.catalog_before && a.catalog_after && !(*a.catalog_before == *a.catalog_after);
    const Touched touched = TouchedBy(a.configuration_changed, before, after);

    auto b = RulesOf(before);
    auto n = IsUnknown(unknown, "rules") ? b : RulesOf(after);
    const auto& pre = drifted_before[address];
    // Planned changes that only undo drift belong to the drift finding.
    // A value the plan leaves unknown for a re-created rule (Azure picks a new rule's priority
    // at apply time; names carry ids) is whatever apply decides: compared as the drifted-away one.
    const json& rules_unknown = Member(unknown, "rules");
    auto restores = [&](const std::string& key, const json* planned) {
      auto it = pre.find(key);
      if (it == pre.end() || !planned) return false;
      const json& uk = Member(rules_unknown, key.c_str());
      return RuleCanonical(KnownOrBefore(*planned, uk, it->second)) == RuleCanonical(it->second);
    };
    std::vector<Finding> found;
    for (const auto& [key, rule] : b) {
      auto it = n.find(key);
      if (it == n.end()) {
        Finding f;
        f.kind = "rule_removed";
        f.rule = key;
        f.before = View(rule);
        f.catalog_rows = f.before->catalog_rows;
        found.push_back(std::move(f));
      } else if (RuleCanonical(rule) != RuleCanonical(it->second)) {
        if (restores(key, &it->second)) continue;
        found.push_back(Changed(Category::kConfigurationChange, key, rule, it->second, ""));
      }
    }
    for (const auto& [key, rule] : n) {
      if (b.count(key) || restores(key, &rule)) continue;
      Finding f;
      f.kind = "rule_added";
      f.rule = key;
      f.after = View(rule);
      f.catalog_rows = f.after->catalog_rows;
      found.push_back(std::move(f));
    }

    const std::string cat_words =
        catalog_moved ? "catalog " + a.catalog_before->version + " → " + a.catalog_after->version : "";
    const std::string cfg_words = Join(a.configuration_changed, ", ");
    int config_rules = 0, catalog_rules = 0;
    for (auto& f : found) {
      const RuleView& side = f.after ? *f.after : *f.before;
      bool by_config;
      if (a.configuration_changed.empty()) by_config = !catalog_moved;  // neither moved: pending change
      else if (!catalog_moved) by_config = true;
      else {
        // Both moved: the rows (and ports) the rule gained or lost decide.
        std::vector<std::string> rows = f.kind == "rule_changed" ? SortedUnion(f.rows_added, f.rows_removed)
                                                                 : side.catalog_rows;
        if (rows.empty()) rows = side.catalog_rows;
        std::vector<std::string> ports = SortedUnion(f.before ? f.before->ports : std::vector<std::string>{},
                                                     f.after ? f.after->ports : std::vector<std::string>{});
        by_config = std::any_of(rows.begin(), rows.end(),
                                [&](const std::string& r) { return touched.Covers(r, ports); });
      }
      f.category = by_config ? Category::kConfigurationChange : Category::kCatalogChange;
      const char* verb = f.kind == "rule_added" ? "Needed" : f.kind == "rule_removed" ? "No longer needed" : "Changed";
      if (by_config) {
        ++config_rules;
        std::string why = cfg_words.empty() ? "the rules differ from the last apply (provider upgrade?)"
                                            : "configuration edited (" + cfg_words + ")";
        f.summary = std::string(verb) + (f.kind == "rule_changed" ? " (" + Join(f.changed_fields, ", ") + ")" : "") +
                    ": " + why + ", not applied";
        f.recommended_action = "Review and apply the plan, or revert the configuration change.";
      } else {
        ++catalog_rules;
        f.summary = std::string(verb) + (f.kind == "rule_changed" ? " (" + Join(f.changed_fields, ", ") + ")" : "") +
                    ": " + cat_words;
        f.recommended_action =
            "Review the catalog change (`terraform-provider-office catalog diff OLD NEW`, CHANGELOG.md), "
            "then apply the plan.";
      }
      Add(a, std::move(f));
    }
    // A change that moves no rule is still a pending change: say what it is.
    if (catalog_moved && catalog_rules == 0) {
      Finding f;
      f.category = Category::kCatalogChange;
      f.kind = "attribute_changed";
      f.rule = "catalog_version";
      f.before_value = a.catalog_before->version + " (sha256 " + a.catalog_before->sha256 + ")";
      f.after_value = a.catalog_after->version + " (sha256 " + a.catalog_after->sha256 + ")";
      f.summary = "Catalog " + a.catalog_before->version + " → " + a.catalog_after->version + ", no rule changes";
      f.recommended_action = "Apply the plan to record the new catalog version in state.";
      Add(a, std::move(f));
    }
    if (!a.configuration_changed.empty() && config_rules == 0) {
      for (const auto& attr : a.configuration_changed) {
        Finding f;
        f.category = Category::kConfigurationChange;
        f.kind = "attribute_changed";
        f.rule = attr;
        f.before_value = Canonical(Member(before, attr.c_str())).dump();
        f.after_value = Canonical(Member(after, attr.c_str())).dump();
        f.summary = attr + ": " + f.before_value + " → " + f.after_value + " (no rule changes)";
        f.recommended_action = "Review and apply the plan, or revert the configuration change.";
        Add(a, std::move(f));
      }
    }
    // Catalog rows behind the catalog findings, named.
    std::set<std::string> rows_b, rows_a;
    for (const auto& [k, r] : b)
      for (const auto& x : StrList(Member(r, "catalog_rows"))) rows_b.insert(x);
    for (const auto& [k, r] : n)
      for (const auto& x : StrList(Member(r, "catalog_rows"))) rows_a.insert(x);
    for (const auto& f : report.findings) {
      if (f.address != address || f.category != Category::kCatalogChange || f.kind == "attribute_changed") continue;
      std::vector<std::string> rows = f.kind == "rule_changed" && !(f.rows_added.empty() && f.rows_removed.empty())
                                          ? SortedUnion(f.rows_added, f.rows_removed)
                                          : f.catalog_rows;
      for (const auto& r : rows)
        a.catalog_rows[r] = rows_a.count(r) && rows_b.count(r) ? "changed" : rows_a.count(r) ? "added" : "removed";
    }
  }
};

bool IsOurs(const json& r) { return Str(r, "type") == kType && Str(r, "mode") != "data"; }

void CollectState(const json& module, std::vector<const json*>& out) {
  for (const auto& r : Member(module, "resources"))
    if (IsOurs(r)) out.push_back(&r);
  for (const auto& c : Member(module, "child_modules")) CollectState(c, out);
}

}  // namespace

Result<Report> BuildReport(const std::string& plan_json) {
  json doc;
  try {
    doc = json::parse(plan_json);
  } catch (const json::parse_error& e) {
    const bool at_end = e.byte >= plan_json.size();
    if (plan_json.find_first_not_of(" \t\r\n") == std::string::npos)
      return MakeError(ErrorCode::kInvalidArgument, "the file is empty: expected the JSON of a saved plan");
    if (at_end)
      return MakeError(ErrorCode::kDataLoss, "the JSON ends early (byte " + std::to_string(e.byte) +
                                                 "): the file is truncated; write it again with "
                                                 "`tofu show -json PLANFILE > plan.json`");
    return MakeError(ErrorCode::kInvalidArgument,
                     "not JSON (error at byte " + std::to_string(e.byte) +
                         "); expected the output of `tofu show -json PLANFILE` or `terraform show -json PLANFILE`");
  }
  if (!doc.is_object())
    return MakeError(ErrorCode::kInvalidArgument, "not a plan: the JSON is not an object");
  const std::string fv = Str(doc, "format_version");
  if (fv.empty())
    return MakeError(ErrorCode::kInvalidArgument,
                     "not a plan: no format_version; expected the output of `tofu show -json PLANFILE` "
                     "or `terraform show -json PLANFILE`");
  if (fv.rfind("1.", 0) != 0 && fv != "1")
    return MakeError(ErrorCode::kInvalidArgument,
                     "plan format_version " + fv + " is not supported (this report reads 1.x)");
  if (!doc.contains("planned_values") && !doc.contains("resource_changes")) {
    if (doc.contains("values"))
      return MakeError(ErrorCode::kInvalidArgument,
                       "this is a state, not a plan (`show -json` was run without a plan file); run "
                       "`plan -out=PLANFILE` and `show -json PLANFILE`");
    return MakeError(ErrorCode::kInvalidArgument,
                     "not a plan: neither planned_values nor resource_changes is present");
  }
  if (doc.value("errored", false))
    return MakeError(ErrorCode::kInvalidArgument,
                     "the plan errored (\"errored\": true): it is incomplete; fix the plan's errors first");

  Builder b;
  Report& r = b.report;
  r.format_version = fv;
  r.tool_version = Str(doc, "terraform_version");
  // OpenTofu writes the key "errored" (always); Terraform 1.5 does not, later Terraform
  // versions do: only a hint, the provider address below decides.
  r.tool = doc.contains("errored") ? "opentofu" : "terraform";
  // Our resources' provider address names the registry host each tool defaults to.
  for (const char* list : {"resource_changes", "resource_drift"})
    for (const auto& x : Member(doc, list)) {
      if (!IsOurs(x)) continue;
      const std::string full = Str(x, "provider_name");
      if (full.rfind("registry.opentofu.org/", 0) == 0) r.tool = "opentofu";
      else if (full.rfind("registry.terraform.io/", 0) == 0) r.tool = "terraform";
    }
  r.plan_timestamp = Str(doc, "timestamp");
  try {
    for (const char* list : {"resource_drift", "resource_changes"})
      for (const auto& x : Member(doc, list)) {
        if (!IsOurs(x)) continue;
        const json& ch = Member(x, "change");
        if (!ch.is_object() || !(Member(ch, "before").is_object() || Member(ch, "before").is_null()) ||
            !(Member(ch, "after").is_object() || Member(ch, "after").is_null()))
          return MakeError(ErrorCode::kInvalidArgument, std::string("unexpected plan structure: ") + list + " entry " +
                                                            Str(x, "address") + " has no before/after objects");
      }
    for (const auto& rd : Member(doc, "resource_drift"))
      if (IsOurs(rd)) b.Drift(rd);
    bool any_change = false;
    for (const auto& rc : Member(doc, "resource_changes"))
      if (IsOurs(rc)) {
        any_change = true;
        b.Change(rc);
      }
    // A refresh-only plan has no resource_changes for unchanged resources: take them from
    // the prior state, so that they are listed (in sync) with their unenforceable rows.
    std::vector<const json*> state;
    CollectState(Member(Member(Member(doc, "prior_state"), "values"), "root_module"), state);
    for (const json* s : state) {
      const std::string address = Str(*s, "address");
      if (b.index.count(address)) {
        auto& a = b.Allowlist(address);
        if (a.unenforceable.empty()) a.unenforceable = UnenforceableOf(Member(*s, "values"));
        continue;
      }
      auto& a = b.Allowlist(address);
      const json& v = Member(*s, "values");
      a.target = TargetOf(v);
      a.platform = PlatformOf(v);
      a.catalog_before = a.catalog_after = StampOf(v);
      a.unenforceable = UnenforceableOf(v);
      a.rules_before = a.rules_after = static_cast<int>(RulesOf(v).size());
      a.actions = {"no-op"};
    }
    // The plan JSON has no mode field. A -refresh-only plan plans no change, so it has no
    // resource_changes and an empty planned_values module, while the prior state has resources.
    std::vector<const json*> planned;
    CollectState(Member(Member(doc, "planned_values"), "root_module"), planned);
    r.refresh_only = !any_change && Member(doc, "resource_changes").empty() && planned.empty() && !state.empty();
  } catch (const json::exception& e) {
    return MakeError(ErrorCode::kInvalidArgument, std::string("unexpected plan structure: ") + e.what());
  }
  if (r.allowlists.empty())
    return MakeError(ErrorCode::kInvalidArgument,
                     "the plan has no office_at_hand_allowlist resource (in resource_changes, "
                     "resource_drift or prior_state): nothing to report");
  std::sort(r.allowlists.begin(), r.allowlists.end(),
            [](const AllowlistReport& x, const AllowlistReport& y) { return x.address < y.address; });
  std::stable_sort(r.findings.begin(), r.findings.end(), [](const Finding& x, const Finding& y) {
    if (x.category != y.category) return x.category < y.category;
    if (x.address != y.address) return x.address < y.address;
    return x.rule < y.rule;
  });
  return std::move(b.report);
}

}  // namespace prov::report
