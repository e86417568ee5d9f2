#include "resources/allowlist_resource.h"

#include <algorithm>
#include <array>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <set>

#include <nlohmann/json.hpp>

#include "provider/base/log.h"
#include "resources/catalog_data_source.h"
#include "resources/rule_values.h"
#include "resources/selection.h"
#include "resources/target_options.h"
#include "resources/values.h"

namespace prov::resources {

using protocol::AttributePath;
using protocol::Diagnostics;

namespace {

constexpr const char* kAws = "aws_security_group";
constexpr const char* kAzure = "azure_network_security_group";
constexpr const char* kGcp = "gcp_firewall";

schema::NestedBlock Single(std::string name, std::string desc, std::vector<schema::Attribute> attrs) {
  schema::NestedBlock b;
  b.type_name = std::move(name);
  b.nesting = schema::NestingMode::kSingle;
  b.description = std::move(desc);
  b.attributes = std::move(attrs);
  return b;
}

Type AdvisoryBrief() {
  return Type::Object({{"id", Type::String()}, {"title", Type::String()}, {"requirement", Type::String()}});
}

schema::Block BuildSchema() {
  schema::Block b;
  b.version = 0;
  b.description =
      "Keeps the firewall rules the Office@Hand catalog needs in one AWS security group (or a set "
      "of them), Azure network security group or GCP VPC network. The provider owns only the rules it "
      "creates (marked by tags, names and descriptions) and never changes or deletes anyone else's. "
      "Each rule appears in `rules` under a stable key, so plans show exactly which rule is added, "
      "removed or changed, and why.";
  b.attributes = SelectionAttributes(/*with_parameters=*/true);
  auto S = Type::String();
  auto SL = Type::List(Type::String());
  std::vector<schema::Attribute> more = {
      Optional("rule_budget", Type::Number(),
               "Maximum rules per security group / target. When the catalog needs more, the nearest "
               "port ranges are merged so the fewest extra ports open; each is reported in "
               "`over_permission`."),
      OptionalComputed("owner", S,
                       "Owner written into the ownership marker of every rule this allowlist creates "
                       "(default `default`). Several allowlists may share a target and an owner: each "
                       "also marks its rules with its own `allowlist_id`. On import, `?owner=` picks "
                       "whose rules to adopt."),
      Computed("allowlist_id", S,
               "Identity of this allowlist, generated when it is created and kept in state. It is part "
               "of the ownership marker on every rule (AWS tag, Azure/GCP description) and of Azure and "
               "GCP rule names, so two allowlists never change or delete each other's rules, even with "
               "the same owner and name prefix. Empty for rules adopted from the first marker format."),
      Computed("id", S, "The target: security group ids, NSG id, or projects/P/global/networks/N."),
      Computed("catalog_version", S,
               "Version of the catalog the rules were last applied from. A change here in a plan "
               "means the vendor catalog changed, not the cloud."),
      Computed("catalog_sha256", S, "Content hash of that catalog."),
      Computed("strategy", S,
               "How the rules fit the platform's limits: single-group, spread, raised-quota, merged, "
               "prefix-list."),
      Computed("rules", RulesMapType(/*live=*/true),
               "The rules this allowlist owns on the target, keyed by a stable key."),
      Computed("prefix_list_id", S, "AWS prefix-list mode: id of the managed prefix list."),
      Computed("prefix_list_entries", SL, "AWS prefix-list mode: the list's entries (the supernets)."),
      Computed("unenforceable", Type::List(UnenforceableType()),
               "Catalog rows this platform cannot enforce (domain names, LAN-only hosts, rows that "
               "need input), and why."),
      Computed("over_permission", Type::List(OverPermissionType()),
               "Every place where the rules allow more than the catalog asks."),
      Computed("advisories", Type::List(AdvisoryBrief()),
               "Requirements that are not firewall rules (DNS, NAT timeout, QoS/DSCP, DPI, VLANs)."),
  };
  b.attributes.insert(b.attributes.end(), more.begin(), more.end());
  b.blocks = {
      Single(kAws, "Target: AWS security group(s).",
             {Required("group_ids", SL,
                       "Security group ids. Several ids of the same VPC let the rules spread when one "
                       "group's quota (60 per direction) is too small. Changing it replaces the allowlist."),
              Optional("region", S, "Region of the groups (default: the provider's)."),
              Optional("rule_quota", Type::Number(),
                       "Your per-direction rule quota, if raised above AWS's default of 60."),
              Optional("use_prefix_list", Type::Bool(),
                       "Keep a customer-managed prefix list of the supernets and reference it from the "
                       "rules. It counts as its max entries against the quota."),
              OptionalComputed("prefix_list_name", S,
                               "Name of the managed prefix list (default `office-at-hand-supernets-<owner>`).")}),
      Single(kAzure, "Target: an Azure network security group.",
             {Required("id", S, "Resource id of the NSG. Changing it replaces the allowlist."),
              OptionalComputed("priority_from", Type::Number(), "First priority the rules may use (default 1000)."),
              OptionalComputed("priority_to", Type::Number(), "Last priority the rules may use (default 1999)."),
              OptionalComputed("name_prefix", S, "Prefix of the rule names (default `oah`).")}),
      Single(kGcp, "Target: a GCP VPC network's firewall rules.",
             {Required("project", S, "Project id. Changing it replaces the allowlist."),
              Required("network", S, "Network name. Changing it replaces the allowlist."),
              OptionalComputed("name_prefix", S, "Prefix of the firewall names (default `oah`)."),
              OptionalComputed("priority", Type::Number(), "Priority of the rules (default 1000)."),
              Optional("target_tags", SL, "Instances the rules apply to, by network tag."),
              Optional("target_service_accounts", SL, "Instances the rules apply to, by service account."),
              Optional("enable_logging", Type::Bool(), "Enable firewall rules logging.")}),
  };
  return b;
}

int CountTargets(const cty::Value& obj) {
  int n = 0;
  for (const char* b : {kAws, kAzure, kGcp})
    if (obj.Has(b) && !obj.Get(b).IsNull()) ++n;
  return n;
}

std::string Lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(::tolower(static_cast<unsigned char>(c)));
  return s;
}

constexpr size_t kAllowlistIdLength = 8;
// The id of an allowlist while its create is planned: matches no rule's marker.
constexpr const char* kNotYetCreated = "-";

rules::TargetOptions ToOptions(const TargetSpec& t, const cty::Value& config) {
  rules::TargetOptions o;
  o.platform = t.platform;
  o.rule_budget = static_cast<int>(GetInt(config, "rule_budget").value_or(0));
  switch (t.platform) {
    case rules::Platform::kAws:
      o.groups = static_cast<int>(t.locations.size());
      o.groups_from_ids = true;
      o.rule_quota = t.rule_quota;
      o.prefix_list = t.use_prefix_list;
      break;
    case rules::Platform::kAzure:
      o.name_prefix = t.name_prefix;
      o.priority_from = t.priority_from;
      o.priority_to = t.priority_to;
      o.name_reserve = static_cast<int>(kAllowlistIdLength) + 1;
      break;
    case rules::Platform::kGcp:
      o.name_prefix = t.name_prefix;
      o.priority_from = t.priority;
      o.priority_to = t.priority;
      o.name_reserve = static_cast<int>(kAllowlistIdLength) + 1;
      break;
  }
  return o;
}

std::string PlatformWords(rules::Platform p) {
  switch (p) {
    case rules::Platform::kAws: return "AWS security group";
    case rules::Platform::kAzure: return "Azure network security group";
    case rules::Platform::kGcp: return "GCP VPC firewall";
  }
  return "";
}

cty::Value AdvisoriesValue(const catalog::Catalog& cat) {
  std::vector<cty::Value> xs;
  for (const auto& a : cat.advisories)
    xs.push_back(cty::Value::ObjectOfType(AdvisoryBrief(), {{"id", Str(a.id)},
                                                            {"title", Str(a.title)},
                                                            {"requirement", Str(a.requirement)}}));
  return cty::Value::List(AdvisoryBrief(), xs);
}

// --- allowlist identity and rule names ---------------------------------------------

// A fresh allowlist id: a letter, then letters and digits (fits every platform's names).
std::string NewAllowlistId() {
  static const char kAlnum[] = "abcdefghijklmnopqrstuvwxyz0123456789";
  std::random_device rd;
  std::string id;
  for (size_t i = 0; i < kAllowlistIdLength; ++i) id += kAlnum[rd() % (i == 0 ? 26 : 36)];
  return id;
}

bool NamesRules(rules::Platform p) { return p != rules::Platform::kAws; }

// Azure/GCP: the platform name of the rule with stable key `key` ("oah-egress-...") is
// the key with the allowlist id after the prefix ("oah-k3x9q2ab-egress-...").
std::string NameFor(const TargetSpec& t, const std::string& key) {
  if (!NamesRules(t.platform) || t.allowlist_id.empty()) return NamesRules(t.platform) ? key : "";
  const std::string p = t.name_prefix + "-";
  if (key.rfind(p, 0) != 0) return key;
  return p + t.allowlist_id + key.substr(t.name_prefix.size());
}

// The inverse: the stable key of a platform name.
std::string KeyForName(const TargetSpec& t, const std::string& name) {
  if (t.allowlist_id.empty()) return name;
  const std::string p = t.name_prefix + "-" + t.allowlist_id + "-";
  if (name.rfind(p, 0) != 0) return name;
  return t.name_prefix + name.substr(t.name_prefix.size() + 1 + t.allowlist_id.size());
}

// Live rules keyed by their stable key.
void RekeyLive(const TargetSpec& t, std::vector<cloud::LiveRule>* rules) {
  if (!NamesRules(t.platform)) return;
  for (auto& lr : *rules) lr.rule.key = KeyForName(t, lr.rule.name.empty() ? lr.rule.key : lr.rule.name);
  std::sort(rules->begin(), rules->end(),
            [](const cloud::LiveRule& a, const cloud::LiveRule& b) { return a.rule.key < b.rule.key; });
}

// AWS: what EC2 treats as the same rule inside one group.
std::string AwsSignature(const net::FirewallRule& r) {
  if (r.allowed.size() != 1 || r.allowed[0].ports.size() != 1) return "";
  std::string peer = !r.remote_prefix_list.empty() ? r.remote_prefix_list
                     : r.remote_cidrs.size() == 1 ? r.remote_cidrs[0] : "";
  if (peer.empty()) return "";
  return std::to_string(r.group_index) + "|" + net::DirectionName(r.direction) + "|" +
         net::TransportName(r.allowed[0].transport) + "|" + r.allowed[0].ports[0].ToString() + "|" + peer;
}

// Another allowlist's rule seen on the target (kept in private data between RPCs).
struct OtherRule {
  std::string owner, allowlist_id, name, signature;
};

std::string MarkerText(const std::string& owner, const std::string& id) {
  if (id == kNotYetCreated) return "owner \"" + owner + "\" (being created)";
  return id.empty() ? "owner \"" + owner + "\" (first marker format, no allowlist id)"
                    : "owner \"" + owner + "\", allowlist_id \"" + id + "\"";
}

// Private data: what Read learned that Plan needs but state should not show.
struct PrivateData {
  std::vector<int> foreign_egress, foreign_ingress;  // Azure priorities others hold
  std::vector<std::array<int, 4>> foreign_usage;     // AWS: per group e4, e6, i4, i6
  std::vector<OtherRule> others;                     // rules of other allowlists
  std::string Encode() const {
    nlohmann::json o = nlohmann::json::array();
    for (const auto& x : others) o.push_back({x.owner, x.allowlist_id, x.name, x.signature});
    return nlohmann::json{{"foreign_egress", foreign_egress},
                          {"foreign_ingress", foreign_ingress},
                          {"foreign_usage", foreign_usage},
                          {"others", o}}
        .dump();
  }
  static PrivateData Decode(const std::string& s) {
    PrivateData p;
    if (s.empty()) return p;
    try {
      auto j = nlohmann::json::parse(s);
      p.foreign_egress = j.value("foreign_egress", std::vector<int>{});
      p.foreign_ingress = j.value("foreign_ingress", std::vector<int>{});
      p.foreign_usage = j.value("foreign_usage", std::vector<std::array<int, 4>>{});
      for (const auto& x : j.value("others", nlohmann::json::array())) {
        auto v = x.get<std::vector<std::string>>();
        if (v.size() == 4) p.others.push_back({v[0], v[1], v[2], v[3]});
      }
    } catch (const std::exception&) {
      return PrivateData{};  // private data is a cache: a bad one is dropped, not fatal
    }
    return p;
  }
  static PrivateData From(const cloud::LiveState& live) {
    PrivateData p;
    p.foreign_egress = live.foreign_priorities_egress;
    p.foreign_ingress = live.foreign_priorities_ingress;
    for (const auto& u : live.foreign_usage)
      p.foreign_usage.push_back({u.egress_v4, u.egress_v6, u.ingress_v4, u.ingress_v6});
    for (const auto& o : live.others)
      p.others.push_back({o.owner, o.allowlist_id, o.rule.name.empty() ? o.rule.key : o.rule.name,
                          AwsSignature(o.rule)});
    return p;
  }
};

// A warning naming rules that carry our owner but another allowlist's id: never changed
// or deleted by this allowlist; adopt them by import if they belong to no configuration.
void WarnOthers(const std::vector<OtherRule>& others, const TargetSpec& t, const std::string& where,
                Diagnostics& diags) {
  std::map<std::string, std::vector<std::string>> by_id;
  for (const auto& o : others)
    if (o.owner == t.owner && o.allowlist_id != t.allowlist_id) by_id[o.allowlist_id].push_back(o.name);
  if (by_id.empty()) return;
  std::string detail = "These rules carry this allowlist's owner \"" + t.owner +
                       "\" but belong to another allowlist; this one never changes or deletes them:";
  for (const auto& [id, names] : by_id) {
    detail += "\n  - " + MarkerText(t.owner, id) + ": " + std::to_string(names.size()) + " rule(s)";
    if (!names.front().empty() && NamesRules(t.platform)) {
      detail += " (" + names.front() + (names.size() > 1 ? ", ..." : "") + ")";
    }
  }
  detail += "\nIf another configuration manages them, nothing needs doing. If none does any more (a lost "
            "state), adopt them with an import of this target, id suffix \"?owner=" + t.owner +
            "&allowlist_id=<id>\", or delete them.";
  diags.AddWarning("Rules of another allowlist on " + where, detail);
}

// Provenance (services, catalog rows) of rules by key from a rules map value.
std::map<std::string, net::FirewallRule> RulesFromMap(const cty::Value& rules_map,
                                                      const std::vector<std::string>& locations) {
  std::map<std::string, net::FirewallRule> out;
  if (!rules_map.IsKnown()) return out;
  for (const auto& [k, v] : rules_map.Attributes()) {
    if (!v.IsKnown()) continue;
    auto r = RuleFromValue(k, v, locations);
    if (r.ok()) out[k] = *r;
  }
  return out;
}

std::string RemoteIdOf(const cty::Value& rules_map, const std::string& key) {
  if (!rules_map.IsKnown() || !rules_map.Has(key)) return "";
  return GetString(rules_map.Get(key), "remote_id").value_or("");
}

std::string LocationOf(const TargetSpec& t, int group_index) {
  if (group_index >= 0 && group_index < static_cast<int>(t.locations.size())) return t.locations[group_index];
  return t.locations.empty() ? "" : t.locations[0];
}

// Converts live rules to the state's rules map, carrying provenance from `known` (the
// plan or prior state) because the cloud does not store it.
cty::Value LiveRulesValue(const std::vector<cloud::LiveRule>& live, const TargetSpec& t,
                          const std::map<std::string, net::FirewallRule>& known) {
  std::map<std::string, cty::Value> m;
  for (const auto& lr : live) {
    net::FirewallRule r = lr.rule;
    auto it = known.find(r.key);
    if (it != known.end()) {
      r.services = it->second.services;
      r.rows = it->second.rows;
    }
    m[r.key] = RuleValue(r, true, LocationOf(t, r.group_index), lr.remote_id);
  }
  return cty::Value::Map(RuleObjectType(true), m);
}

// The target block with its defaults written in, so that state, plan and an import
// agree whether the user spelled a default out or left it unset.
cty::Value WithTargetDefaults(const cty::Value& obj, const TargetSpec& t) {
  auto fill = [](cty::Value blk, const char* attr, cty::Value v) {
    if (!blk.Has(attr) || blk.Get(attr).IsNull() || blk.Get(attr).IsUnknown()) blk = blk.With(attr, std::move(v));
    return blk;
  };
  cty::Value out = obj;
  switch (t.platform) {
    case rules::Platform::kAws: {
      cty::Value b = obj.Get(kAws);
      // Always the configured (or default) name: a list renamed outside Terraform shows in
      // state under its live name (Read) and the plan renames it back.
      if (b.IsKnown() && !b.IsNull()) out = out.With(kAws, b.With("prefix_list_name", Str(t.prefix_list_name)));
      break;
    }
    case rules::Platform::kAzure: {
      cty::Value b = obj.Get(kAzure);
      if (b.IsKnown() && !b.IsNull()) {
        b = fill(b, "priority_from", Num(t.priority_from));
        b = fill(b, "priority_to", Num(t.priority_to));
        b = fill(b, "name_prefix", Str(t.name_prefix));
        out = out.With(kAzure, b);
      }
      break;
    }
    case rules::Platform::kGcp: {
      cty::Value b = obj.Get(kGcp);
      if (b.IsKnown() && !b.IsNull()) {
        b = fill(b, "name_prefix", Str(t.name_prefix));
        b = fill(b, "priority", Num(t.priority));
        out = out.With(kGcp, b);
      }
      break;
    }
  }
  return out;
}

}  // namespace

const schema::Block& AllowlistResource::Schema() const {
  static const schema::Block* s = new schema::Block(BuildSchema());
  return *s;
}

std::optional<TargetSpec> ReadTargetSpec(const cty::Value& obj, Diagnostics& diags, bool* unknown) {
  *unknown = false;
  if (!obj.IsKnown()) {
    *unknown = true;
    return std::nullopt;
  }
  int n = CountTargets(obj);
  if (n != 1) {
    diags.AddError(n == 0 ? "Missing target" : "More than one target",
                   "An office_at_hand_allowlist needs exactly one target block: aws_security_group, "
                   "azure_network_security_group or gcp_firewall.");
    return std::nullopt;
  }
  TargetSpec t;
  t.owner = GetString(obj, "owner").value_or("default");
  if (obj.Has("allowlist_id")) t.allowlist_id = GetString(obj, "allowlist_id").value_or("");
  auto check_known = [&](const cty::Value& blk, std::initializer_list<const char*> attrs) {
    if (blk.IsUnknown()) return false;
    for (const char* a : attrs)
      if (IsUnknownAttr(blk, a) || (blk.Has(a) && blk.Get(a).ContainsUnknown())) return false;
    return true;
  };
  if (auto a = GetObject(obj, kAws)) {
    if (!check_known(*a, {"group_ids", "region", "rule_quota", "use_prefix_list", "prefix_list_name"})) {
      *unknown = true;
      return std::nullopt;
    }
    t.platform = rules::Platform::kAws;
    t.locations = GetStrings(*a, "group_ids").value_or(std::vector<std::string>{});
    if (t.locations.empty()) {
      diags.AddError("No security group", "group_ids needs at least one security group id.",
                     AttributePath().Attr(kAws).Attr("group_ids"));
      return std::nullopt;
    }
    std::set<std::string> seen;
    for (size_t i = 0; i < t.locations.size(); ++i) {
      const auto& id = t.locations[i];
      bool ok = id.rfind("sg-", 0) == 0 && id.size() > 3 &&
                id.find_first_not_of("0123456789abcdef", 3) == std::string::npos;
      if (!ok) {
        diags.AddError("Invalid security group id",
                       "\"" + id + "\" is not a security group id (sg- followed by hex digits).",
                       AttributePath().Attr(kAws).Attr("group_ids").Index(static_cast<int64_t>(i)));
      } else if (!seen.insert(id).second) {
        diags.AddError("Duplicate security group id", "\"" + id + "\" is listed twice.",
                       AttributePath().Attr(kAws).Attr("group_ids").Index(static_cast<int64_t>(i)));
      }
    }
    if (t.locations.size() > 16)
      diags.AddError("Too many security groups", "group_ids holds at most 16 groups.",
                     AttributePath().Attr(kAws).Attr("group_ids"));
    t.region = GetString(*a, "region").value_or("");
    t.rule_quota = static_cast<int>(GetInt(*a, "rule_quota").value_or(0));
    if (t.rule_quota != 0 && (t.rule_quota < 1 || t.rule_quota > 1000))
      diags.AddError("Invalid rule_quota", "rule_quota must be between 1 and 1000 (AWS's maximum).",
                     AttributePath().Attr(kAws).Attr("rule_quota"));
    t.use_prefix_list = GetBool(*a, "use_prefix_list").value_or(false);
    t.prefix_list_name = GetString(*a, "prefix_list_name").value_or("office-at-hand-supernets-" + t.owner);
  } else if (auto z = GetObject(obj, kAzure)) {
    if (!check_known(*z, {"id", "priority_from", "priority_to", "name_prefix"})) {
      *unknown = true;
      return std::nullopt;
    }
    t.platform = rules::Platform::kAzure;
    t.nsg_id = GetString(*z, "id").value_or("");
    std::string l = Lower(t.nsg_id);
    if (l.rfind("/subscriptions/", 0) != 0 ||
        l.find("/providers/microsoft.network/networksecuritygroups/") == std::string::npos) {
      diags.AddError("Invalid network security group id",
                     "Expected /subscriptions/<sub>/resourceGroups/<rg>/providers/Microsoft.Network/"
                     "networkSecurityGroups/<name>, got \"" + t.nsg_id + "\".",
                     AttributePath().Attr(kAzure).Attr("id"));
    }
    t.locations = {t.nsg_id};
    t.priority_from = static_cast<int>(GetInt(*z, "priority_from").value_or(1000));
    t.priority_to = static_cast<int>(GetInt(*z, "priority_to").value_or(1999));
    if (t.priority_from < 100 || t.priority_to > 4096 || t.priority_from > t.priority_to)
      diags.AddError("Invalid priority range",
                     "Azure rule priorities run from 100 to 4096, and priority_from (" +
                         std::to_string(t.priority_from) + ") must not exceed priority_to (" +
                         std::to_string(t.priority_to) + ").",
                     AttributePath().Attr(kAzure).Attr("priority_from"));
    t.name_prefix = GetString(*z, "name_prefix").value_or("oah");
  } else if (auto g = GetObject(obj, kGcp)) {
    if (!check_known(*g, {"project", "network", "name_prefix", "priority", "target_tags",
                          "target_service_accounts", "enable_logging"})) {
      *unknown = true;
      return std::nullopt;
    }
    t.platform = rules::Platform::kGcp;
    t.project = GetString(*g, "project").value_or("");
    t.network = GetString(*g, "network").value_or("");
    t.locations = {"projects/" + t.project + "/global/networks/" + t.network};
    t.name_prefix = GetString(*g, "name_prefix").value_or("oah");
    t.priority = static_cast<int>(GetInt(*g, "priority").value_or(1000));
    if (t.priority < 0 || t.priority > 65535)
      diags.AddError("Invalid priority", "GCP firewall priorities run from 0 to 65535.",
                     AttributePath().Attr(kGcp).Attr("priority"));
    t.target_tags = GetStrings(*g, "target_tags").value_or(std::vector<std::string>{});
    t.target_service_accounts = GetStrings(*g, "target_service_accounts").value_or(std::vector<std::string>{});
    t.enable_logging = GetBool(*g, "enable_logging").value_or(false);
    if (!t.target_tags.empty() && !t.target_service_accounts.empty())
      diags.AddError("Conflicting GCP targets", "Set target_tags or target_service_accounts, not both.",
                     AttributePath().Attr(kGcp).Attr("target_service_accounts"));
    auto name_ok = [](const std::string& s) {
      if (s.empty() || s.size() > 63 || !(s[0] >= 'a' && s[0] <= 'z')) return false;
      return s.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789-") == std::string::npos;
    };
    if (!name_ok(t.name_prefix) || t.name_prefix.size() > 20)
      diags.AddError("Invalid name_prefix",
                     "GCP names start with a lowercase letter and hold lowercase letters, digits and "
                     "hyphens; keep the prefix to 20 characters so rule names fit 63.",
                     AttributePath().Attr(kGcp).Attr("name_prefix"));
  }
  if (diags.HasError()) return std::nullopt;
  return t;
}

std::string TargetSpec::Id() const {
  std::string s;
  for (const auto& l : locations) s += (s.empty() ? "" : ",") + l;
  return s;
}

Result<TargetSpec> ParseImportId(const std::string& raw) {
  // Optional settings the id itself cannot carry: "<id>?owner=team1&name_prefix=acc1".
  std::string id = raw;
  TargetSpec t;
  std::string owner = "default", name_prefix = "oah", region;
  if (auto q = raw.find('?'); q != std::string::npos) {
    id = raw.substr(0, q);
    std::string rest = raw.substr(q + 1);
    size_t start = 0;
    while (start < rest.size()) {
      size_t amp = rest.find('&', start);
      std::string kv = rest.substr(start, amp == std::string::npos ? std::string::npos : amp - start);
      auto eq = kv.find('=');
      std::string k = kv.substr(0, eq), v = eq == std::string::npos ? "" : kv.substr(eq + 1);
      auto flag = [&](std::optional<bool>* out) -> bool {
        if (v == "true") *out = true;
        else if (v == "false") *out = false;
        else return false;
        return true;
      };
      if (k == "owner" && !v.empty()) owner = v;
      else if (k == "name_prefix" && !v.empty()) name_prefix = v;
      else if (k == "region" && !v.empty()) region = v;
      else if (k == "allowlist_id" && !v.empty()) {
        // "none": the rules of the first marker format (owner only, no id).
        if (v != "none" && (v.size() > 32 || v.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789") !=
                                                 std::string::npos))
          return MakeError(ErrorCode::kInvalidArgument,
                           "import option allowlist_id=\"" + v + "\" is not an allowlist id (lowercase letters "
                           "and digits), nor \"none\"");
        t.allowlist_id = v == "none" ? "" : v;
        t.import_allowlist_id_given = true;
      } else if (k == "services") {
        std::vector<std::string> list;
        size_t b = 0;
        while (b <= v.size() && !v.empty()) {
          size_t c = v.find(',', b);
          std::string item = v.substr(b, c == std::string::npos ? std::string::npos : c - b);
          if (!item.empty()) list.push_back(item);
          if (c == std::string::npos) break;
          b = c + 1;
        }
        t.import_services = list;
      } else if ((k == "line_sharing" && flag(&t.import_line_sharing)) ||
                 (k == "tcp_fallback" && flag(&t.import_tcp_fallback)) ||
                 (k == "ipv6_clients" && flag(&t.import_ipv6_clients))) {
      } else
        return MakeError(ErrorCode::kInvalidArgument,
                         "unknown import option \"" + kv +
                             "\" (known: owner, allowlist_id, name_prefix, region, services, line_sharing, "
                             "tcp_fallback, ipv6_clients)");
      if (amp == std::string::npos) break;
      start = amp + 1;
    }
  }
  t.owner = owner;
  t.name_prefix = name_prefix;
  t.region = region;
  if (id.rfind("sg-", 0) == 0) {
    t.platform = rules::Platform::kAws;
    size_t start = 0;
    while (start <= id.size()) {
      size_t comma = id.find(',', start);
      std::string part = id.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
      if (part.rfind("sg-", 0) != 0)
        return MakeError(ErrorCode::kInvalidArgument, "\"" + part + "\" is not a security group id");
      t.locations.push_back(part);
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
    t.prefix_list_name = "office-at-hand-supernets-" + t.owner;
    return t;
  }
  if (Lower(id).rfind("/subscriptions/", 0) == 0) {
    t.platform = rules::Platform::kAzure;
    t.nsg_id = id;
    t.locations = {id};
    return t;
  }
  // projects/P/global/networks/N or P/N
  std::vector<std::string> parts;
  size_t start = 0;
  while (true) {
    size_t slash = id.find('/', start);
    parts.push_back(id.substr(start, slash == std::string::npos ? std::string::npos : slash - start));
    if (slash == std::string::npos) break;
    start = slash + 1;
  }
  if (parts.size() == 5 && parts[0] == "projects" && parts[2] == "global" && parts[3] == "networks") {
    t.project = parts[1];
    t.network = parts[4];
  } else if (parts.size() == 2 && !parts[0].empty() && !parts[1].empty()) {
    t.project = parts[0];
    t.network = parts[1];
  } else {
    return MakeError(ErrorCode::kInvalidArgument,
                     "cannot tell the target from \"" + raw +
                         "\": use sg-… (AWS, comma-separated for several groups), an NSG resource id "
                         "(Azure), or projects/P/global/networks/N (GCP)");
  }
  t.platform = rules::Platform::kGcp;
  t.locations = {"projects/" + t.project + "/global/networks/" + t.network};
  return t;
}

void AllowlistResource::Validate(const protocol::CallContext&, const protocol::ValidateResourceRequest& req,
                                 Diagnostics& diags) {
  auto data = data_.Get();
  ReadSelection(req.config, *data->catalog, diags);
  bool unknown = false;
  ReadTargetSpec(req.config, diags, &unknown);
  if (auto b = GetInt(req.config, "rule_budget"); b && *b < 1)
    diags.AddError("Invalid rule_budget", "rule_budget must be at least 1.", AttributePath().Attr("rule_budget"));
  if (auto o = GetString(req.config, "owner")) {
    if (o->empty() || o->size() > 32 ||
        o->find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789-") != std::string::npos)
      diags.AddError("Invalid owner",
                     "owner holds 1 to 32 lowercase letters, digits and hyphens (it is written into "
                     "tags, names and descriptions).",
                     AttributePath().Attr("owner"));
  }
}

namespace {

// The planned rules and reports for a config, or nullopt with diagnostics.
struct Compilation {
  rules::Compiled compiled;
  TargetSpec target;
};

std::optional<Compilation> CompileFor(const ProviderData& data, const cty::Value& config, const TargetSpec& t,
                                      const PrivateData& priv, const cty::Value& prior_rules,
                                      Diagnostics& diags) {
  rules::Selection sel = ReadSelection(config, *data.catalog, diags);
  if (diags.HasError()) return std::nullopt;
  rules::TargetOptions opts = ToOptions(t, config);
  if (t.platform == rules::Platform::kAzure) {
    // Stability: rules that exist keep their priorities; foreign priorities are avoided.
    auto prior = RulesFromMap(prior_rules, t.locations);
    for (const auto& [k, r] : prior) opts.existing_priorities[k] = r.priority;
    opts.taken_priorities_egress = priv.foreign_egress;  // per direction, as Azure keys them
    opts.taken_priorities_ingress = priv.foreign_ingress;
  }
  if (t.platform == rules::Platform::kAws) {
    for (const auto& u : priv.foreign_usage) {
      rules::TargetOptions::GroupUsage g;
      g.egress_v4 = u[0];
      g.egress_v6 = u[1];
      g.ingress_v4 = u[2];
      g.ingress_v6 = u[3];
      opts.foreign_usage.push_back(g);
    }
  }
  auto compiled = rules::Compile(*data.catalog, sel, opts);
  if (!compiled.ok()) {
    std::string blk = t.platform == rules::Platform::kAws ? kAws : t.platform == rules::Platform::kAzure ? kAzure : kGcp;
    AddCompileError(compiled.error(), PlatformWords(t.platform), diags,
                    compiled.error().code == ErrorCode::kInvalidArgument ? AttributePath().Attr("services")
                                                                          : AttributePath().Attr(blk));
    return std::nullopt;
  }
  return Compilation{std::move(*compiled), t};
}

// AWS: EC2 refuses two rules with the same content in one group, so a rule another
// allowlist already has there can never be created by this one. A plan-time error naming
// the rules and both allowlists, instead of an apply that never converges.
bool CheckOverlaps(const rules::Compiled& compiled, const TargetSpec& t, const PrivateData& priv,
                   Diagnostics& diags) {
  std::map<std::string, const OtherRule*> by_sig;
  for (const auto& o : priv.others)
    if (!o.signature.empty()) by_sig[o.signature] = &o;
  if (by_sig.empty()) return true;
  std::vector<std::string> lines;
  std::map<std::string, int> hits;  // per other allowlist (owner:id): overlapping rules
  for (const auto& r : compiled.rules) {
    auto it = by_sig.find(AwsSignature(r));
    if (it == by_sig.end()) continue;
    std::string w = MarkerText(it->second->owner, it->second->allowlist_id);
    hits[it->second->owner + ":" + it->second->allowlist_id]++;
    lines.push_back(r.key + " in " + LocationOf(t, r.group_index) + " (held by the allowlist with " + w + ")");
  }
  if (lines.empty()) return true;
  // Creating, and every overlapping allowlist has our owner and nothing but rules we plan
  // too: most likely this allowlist's own earlier instance, tainted by a failed apply and
  // replaced in this run (its rules are deleted before this one creates). Not provable
  // from here, so a warning; the apply fails cleanly if it is not the case.
  bool own_predecessor = t.allowlist_id == kNotYetCreated;
  for (const auto& [who, n] : hits) {
    int total = 0;
    for (const auto& o : priv.others)
      if (o.owner + ":" + o.allowlist_id == who) ++total;
    if (who.rfind(t.owner + ":", 0) != 0 || n != total) own_predecessor = false;
  }
  if (own_predecessor) {
    diags.AddWarning("Rules overlap with another allowlist",
                     std::to_string(lines.size()) + " rule(s) this allowlist needs are held by another allowlist "
                     "with the same owner whose rules this one plans too (first: " + lines.front() +
                     "). If this run replaces that allowlist (tainted after a failed apply), its rules are "
                     "deleted first and all is well; otherwise EC2 refuses the duplicates and the apply fails: "
                     "manage both service sets with one allowlist, or give each its own security group(s).",
                     AttributePath().Attr(kAws).Attr("group_ids"));
    return true;
  }
  std::string detail = std::to_string(lines.size()) +
                       " rule(s) this allowlist needs already exist in the same security group as rules of "
                       "another allowlist, and EC2 refuses a second rule with the same content:";
  for (size_t i = 0; i < lines.size() && i < 20; ++i) detail += "\n  - " + lines[i];
  if (lines.size() > 20) detail += "\n  - ... and " + std::to_string(lines.size() - 20) + " more";
  detail += "\nThis allowlist is the one with " + MarkerText(t.owner, t.allowlist_id) +
            ". Ways out: manage both service sets with one allowlist (list all the services in it), or "
            "give each allowlist its own security group(s).";
  diags.AddError("Rules overlap with another allowlist", detail,
                 AttributePath().Attr(kAws).Attr("group_ids"));
  return false;
}

}  // namespace

void AllowlistResource::Plan(const protocol::CallContext& ctx, const protocol::PlanResourceChangeRequest& req,
                             protocol::PlanResourceChangeResponse& resp) {
  // Destroy.
  if (req.proposed_new_state.IsNull()) {
    resp.planned_state = req.proposed_new_state;
    resp.planned_private = req.prior_private;
    return;
  }
  auto data = data_.Get();
  const auto& schema = Schema();
  cty::Value planned = req.proposed_new_state;
  resp.planned_private = req.prior_private;

  bool unknown = false;
  auto target = ReadTargetSpec(req.config, resp.diagnostics, &unknown);
  if (resp.diagnostics.HasError()) return;
  bool sel_complete = true;
  Diagnostics sel_diags;
  ReadSelection(req.config, *data->catalog, sel_diags, &sel_complete);
  if (sel_diags.HasError()) {
    resp.diagnostics.Append(sel_diags);
    return;
  }
  if (!planned.Has("owner") || planned.Get("owner").IsNull())
    planned = planned.With("owner", Str("default"));

  // Replacement when the target's identity changes.
  if (!req.prior_state.IsNull() && target) {
    Diagnostics ignore;
    bool u2 = false;
    auto prior_target = ReadTargetSpec(req.prior_state, ignore, &u2);
    if (prior_target && (prior_target->platform != target->platform || prior_target->locations != target->locations)) {
      const char* blk = target->platform == rules::Platform::kAws ? kAws
                        : target->platform == rules::Platform::kAzure ? kAzure : kGcp;
      const char* attr = target->platform == rules::Platform::kAws ? "group_ids"
                         : target->platform == rules::Platform::kAzure ? "id" : "network";
      if (prior_target->platform != target->platform) {
        for (const char* b : {kAws, kAzure, kGcp}) resp.requires_replace.push_back(AttributePath().Attr(b));
      } else {
        resp.requires_replace.push_back(AttributePath().Attr(blk).Attr(attr));
        if (target->platform == rules::Platform::kGcp)
          resp.requires_replace.push_back(AttributePath().Attr(blk).Attr("project"));
      }
    }
    if (prior_target && prior_target->owner != target->owner)
      resp.requires_replace.push_back(AttributePath().Attr("owner"));
  }
  bool replacing = !resp.requires_replace.empty();
  cty::Value prior_rules = (req.prior_state.IsNull() || replacing) ? cty::Value::Null(RulesMapType(true))
                                                                    : req.prior_state.Get("rules");
  // The allowlist's identity: generated when Apply creates it (unknown in this plan, since
  // Terraform plans again at apply time), kept from state afterwards. A state without one
  // holds rules of the first marker format ("").
  bool id_known = false;
  if (req.prior_state.IsNull() || replacing) {
    planned = planned.With("allowlist_id", cty::Value::Unknown(Type::String()));
    if (target) target->allowlist_id = kNotYetCreated;  // owns nothing: every marked rule is another's
  } else {
    std::string id = GetString(req.prior_state, "allowlist_id").value_or("");
    planned = planned.With("allowlist_id", Str(id));
    if (target) target->allowlist_id = id;
    id_known = true;
  }

  if (unknown || !target || !sel_complete) {
    // Not enough known yet (a group id from a resource created in the same run, say):
    // everything computed becomes unknown, including defaults inside the target block;
    // Apply computes them once the configuration is known.
    for (const char* a : {"id", "catalog_version", "catalog_sha256", "strategy", "rules", "prefix_list_id",
                          "prefix_list_entries", "unenforceable", "over_permission", "advisories"}) {
      const auto* attr = schema.FindAttribute(a);
      planned = planned.With(a, cty::Value::Unknown(attr->type));
    }
    for (const auto& nb : schema.blocks) {
      cty::Value b = planned.Get(nb.type_name);
      if (!b.IsKnown() || b.IsNull()) continue;
      for (const auto& a : nb.attributes)
        if (a.computed && b.Get(a.name).IsNull()) b = b.With(a.name, cty::Value::Unknown(a.type));
      planned = planned.With(nb.type_name, b);
    }
    resp.planned_state = planned;
    return;
  }

  PrivateData priv = PrivateData::Decode(req.prior_private);
  if (req.prior_state.IsNull() || replacing) {
    // Creating: read the target now, so the plan fails early when it does not exist and
    // the rules fit around what others already have there (Azure priorities, AWS quota).
    const char* blk = target->platform == rules::Platform::kAws ? kAws
                      : target->platform == rules::Platform::kAzure ? kAzure : kGcp;
    auto backend = MakeBackend(*data, *target);
    if (!backend.ok()) {
      resp.diagnostics.AddError("Configuring the " + PlatformWords(target->platform) + " client",
                                backend.error(), AttributePath().Attr(blk));
      return;
    }
    auto live = (*backend)->Read(ctx.stopping);
    if (!live.ok()) {
      resp.diagnostics.AddError("Reading " + PlatformWords(target->platform) + " " + target->Id(),
                                live.error(), AttributePath().Attr(blk));
      return;
    }
    if (live->target_exists) {
      // The new allowlist's id is not known yet: every marked rule is another's.
      WarnOthers(PrivateData::From(*live).others, *target, PlatformWords(target->platform) + " " + target->Id(),
                 resp.diagnostics);
    }
    if (!live->target_exists) {
      // A warning, not an error: the plan must still show the allowlist to be created (a
      // scheduled drift run after someone deleted the group), and the group may be created
      // by this same run. Apply fails with an error if it still does not exist then.
      resp.diagnostics.AddWarning(PlatformWords(target->platform) + " not found",
                                  "The target " + target->Id() +
                                      " does not exist (or is not visible with these credentials). "
                                      "Apply will fail unless it exists by then.",
                                  AttributePath().Attr(blk));
    } else {
      priv = PrivateData::From(*live);
      resp.planned_private = priv.Encode();
    }
  }

  auto comp = CompileFor(*data, req.config, *target, priv, prior_rules, resp.diagnostics);
  if (!comp) return;
  AddReportWarnings(comp->compiled, PlatformWords(target->platform), resp.diagnostics);
  if (target->platform == rules::Platform::kAws && !CheckOverlaps(comp->compiled, *target, priv, resp.diagnostics))
    return;

  // Prefix-list id: known from prior state when it exists, unknown until created.
  std::string pl_id;
  if (target->use_prefix_list && !req.prior_state.IsNull() && !replacing)
    pl_id = GetString(req.prior_state, "prefix_list_id").value_or("");

  auto prior_map = RulesFromMap(prior_rules, target->locations);
  std::map<std::string, cty::Value> rules_map;
  for (auto r : comp->compiled.rules) {
    if (target->use_prefix_list && !r.remote_prefix_list.empty()) r.remote_prefix_list = pl_id;
    r.name = NameFor(*target, r.key);
    std::string remote_id;
    auto it = prior_map.find(r.key);
    if (it != prior_map.end()) {
      net::FirewallRule prior = it->second;
      prior.local_cidrs = r.local_cidrs;  // not in the state's rule objects (see Apply)
      if (SameContent(prior, r)) remote_id = RemoteIdOf(prior_rules, r.key);
    }
    cty::Value v = RuleValue(r, true, LocationOf(*target, r.group_index), remote_id);
    // Azure/GCP names carry the allowlist id, known once Apply has created it.
    if (NamesRules(target->platform) && !id_known) v = v.With("name", cty::Value::Unknown(Type::String()));
    // Azure: a new rule's priority is chosen at apply time, around what exists then (other
    // allowlists planned in the same run, rules added since the plan), so a saved plan stays
    // applicable and two allowlists never pick the same priority.
    if (target->platform == rules::Platform::kAzure && it == prior_map.end())
      v = v.With("priority", cty::Value::Unknown(Type::Number()));
    rules_map[r.key] = v;
  }
  // A prefix-list rule whose list does not exist yet: its reference is unknown.
  if (target->use_prefix_list && pl_id.empty()) {
    for (auto& [k, v] : rules_map)
      if (GetStrings(v, "cidrs").value_or(std::vector<std::string>{}).empty())
        v = v.With("prefix_list", cty::Value::Unknown(Type::String()));
  }

  std::vector<std::string> pl_entries;
  if (target->use_prefix_list) {
    // The list is IPv4 (the compiler references it for IPv4 supernets only).
    for (const auto& s : data->catalog->supernets)
      if (s.cidr.family == net::Family::kIPv4) pl_entries.push_back(s.cidr.ToString());
    std::sort(pl_entries.begin(), pl_entries.end());  // as the API lists them: no order churn
  }

  planned = WithTargetDefaults(planned, *target);
  planned = planned.With("id", Str(target->Id()))
                .With("catalog_version", Str(data->catalog->version))
                .With("catalog_sha256", Str(data->catalog->content_sha256))
                .With("strategy", Str(comp->compiled.strategy))
                .With("rules", cty::Value::Map(RuleObjectType(true), rules_map))
                .With("prefix_list_id", target->use_prefix_list
                                            ? (pl_id.empty() ? cty::Value::Unknown(Type::String()) : Str(pl_id))
                                            : Str(""))
                .With("prefix_list_entries", StrList(pl_entries))
                .With("unenforceable", UnenforceableList(comp->compiled.unenforceable))
                .With("over_permission", OverPermissionList(comp->compiled.over_permission))
                .With("advisories", AdvisoriesValue(*data->catalog));
  resp.planned_state = planned;
}

namespace {

constexpr const char* kUnconfirmed = "unconfirmed";

std::mutex& TargetMutex(const std::string& id) {
  static std::mutex mu;
  static std::map<std::string, std::unique_ptr<std::mutex>> by_target;
  std::lock_guard<std::mutex> l(mu);
  auto& m = by_target[id];
  if (!m) m = std::make_unique<std::mutex>();
  return *m;
}

// The live rule still is the one the plan was made from: same remote id (when recorded)
// and same content.
bool AsRecorded(const cloud::LiveRule& live, const net::FirewallRule& recorded, const std::string& remote_id) {
  if (!remote_id.empty() && remote_id != kUnconfirmed && live.remote_id != remote_id) return false;
  return SameContent(live.rule, recorded);
}

std::string Brief(const net::FirewallRule& r) {
  std::string s = std::string(net::DirectionName(r.direction)) + " " + ProtocolString(r);
  auto ports = PortStrings(r);
  if (!ports.empty()) s += " " + ports.front() + (ports.size() > 1 ? ",..." : "");
  if (!r.remote_cidrs.empty()) s += " " + r.remote_cidrs.front() + (r.remote_cidrs.size() > 1 ? ",..." : "");
  if (!r.remote_prefix_list.empty()) s += " " + r.remote_prefix_list;
  if (r.priority) s += " priority " + std::to_string(r.priority);
  return s;
}

}  // namespace

// Apply executes the reviewed plan: the changes are those from the prior state to the
// planned state, nothing else. Before the first write the live target is checked: every
// rule to update or delete must still be ours and as recorded, and nothing may have taken
// the place of a rule to create; otherwise nothing is written and the diagnostic says
// what changed. Rules of this allowlist that are neither in the prior state nor planned
// are never deleted.
void AllowlistResource::Apply(const protocol::CallContext& ctx, const protocol::ApplyResourceChangeRequest& req,
                              protocol::ApplyResourceChangeResponse& resp) {
  auto data = data_.Get();
  resp.private_data = req.planned_private;
  const bool destroy = req.planned_state.IsNull();
  cty::Value basis = destroy ? req.prior_state : req.planned_state;
  if (!destroy && !req.planned_state.Get("rules").IsKnown()) {
    // Planned while parts of the configuration were unknown: plan again now that they
    // are known, and apply that.
    protocol::PlanResourceChangeRequest again;
    again.type_name = req.type_name;
    again.prior_state = req.prior_state;
    again.proposed_new_state = req.config;  // computed attributes are filled by Plan
    again.config = req.config;
    again.prior_private = req.planned_private;
    protocol::PlanResourceChangeResponse replanned;
    Plan(ctx, again, replanned);
    resp.diagnostics.Append(replanned.diagnostics);
    if (replanned.diagnostics.HasError() || !replanned.planned_state.Get("rules").IsKnown()) {
      if (!resp.diagnostics.HasError())
        resp.diagnostics.AddError("Allowlist still unknown at apply time",
                                  "The configuration was not fully known when applying.");
      resp.new_state = req.prior_state;
      return;
    }
    basis = replanned.planned_state;
    resp.private_data = replanned.planned_private;
  }
  const cty::Value planned_state = destroy ? req.planned_state : basis;
  bool unknown = false;
  Diagnostics target_diags;
  auto target = ReadTargetSpec(destroy ? req.prior_state : req.config, target_diags, &unknown);
  if (!target) {
    resp.diagnostics.Append(target_diags);
    if (!resp.diagnostics.HasError())
      resp.diagnostics.AddError("Allowlist target unknown at apply time", "The target block is not fully known.");
    resp.new_state = req.prior_state;
    return;
  }
  // The allowlist id: from state, or new when this apply creates the allowlist.
  if (destroy) {
    target->allowlist_id = GetString(req.prior_state, "allowlist_id").value_or("");
  } else if (basis.Get("allowlist_id").IsKnown() && !basis.Get("allowlist_id").IsNull()) {
    target->allowlist_id = basis.Get("allowlist_id").AsString();
  } else {
    target->allowlist_id = NewAllowlistId();
  }
  if (!destroy) basis = basis.With("allowlist_id", Str(target->allowlist_id));
  const std::string where = PlatformWords(target->platform) + " " + target->Id();
  auto backend = MakeBackend(*data, *target);
  if (!backend.ok()) {
    resp.diagnostics.AddError("Configuring the " + PlatformWords(target->platform) + " client", backend.error());
    resp.new_state = req.prior_state;
    return;
  }
  // Azure: priorities are allocated from the live NSG, so reading it, choosing and
  // writing happen one allowlist at a time per NSG in this process.
  std::unique_lock<std::mutex> target_lock;
  if (target->platform == rules::Platform::kAzure) target_lock = std::unique_lock<std::mutex>(TargetMutex(target->Id()));
  auto live = (*backend)->Read(ctx.stopping);
  if (!live.ok()) {
    resp.diagnostics.AddError("Reading " + where, live.error());
    resp.new_state = req.prior_state;
    return;
  }
  RekeyLive(*target, &live->owned);

  // Desired rules: the planned ones (empty on destroy).
  std::map<std::string, net::FirewallRule> desired;
  std::string pl_id;
  if (!destroy) {
    if (!live->target_exists) {
      const char* blk = target->platform == rules::Platform::kAws ? kAws
                        : target->platform == rules::Platform::kAzure ? kAzure : kGcp;
      resp.diagnostics.AddError(PlatformWords(target->platform) + " not found",
                                "The target " + target->Id() + " does not exist (or is not visible with "
                                "these credentials). Create it first, or fix the id.",
                                AttributePath().Attr(blk));
      resp.new_state = req.prior_state;
      return;
    }
    if (target->use_prefix_list) {
      std::vector<std::string> entries = GetStrings(planned_state, "prefix_list_entries").value_or(std::vector<std::string>{});
      auto pl = EnsurePrefixList(*data, *target, entries, ctx.stopping,
                                 GetString(req.prior_state, "prefix_list_id").value_or(""));
      if (!pl.ok()) {
        resp.diagnostics.AddError("Managing the prefix list " + target->prefix_list_name, pl.error(),
                                  AttributePath().Attr(kAws).Attr("use_prefix_list"));
        resp.new_state = req.prior_state;
        return;
      }
      pl_id = pl->id;
    }
    const cty::Value& planned_rules = planned_state.Get("rules");
    if (planned_rules.IsKnown()) {
      for (const auto& [k, v] : planned_rules.Attributes()) {
        auto r = RuleFromValue(k, v, target->locations);
        if (!r.ok()) {
          resp.diagnostics.AddError("Invalid planned rule " + k, r.error());
          resp.new_state = req.prior_state;
          return;
        }
        if (!v.Get("prefix_list").IsKnown() || (!r->remote_prefix_list.empty() && r->remote_prefix_list != pl_id)) {
          r->remote_prefix_list = pl_id;
        }
        r->name = NameFor(*target, k);
        desired[k] = *r;
      }
    }
    // Local destinations (Azure: the sftp_server_addresses of the Archiver SFTP rule) are
    // not in the state's rule objects; they follow from the configuration alone, so they
    // come from compiling it (else the rule would be written open to every destination).
    if (target->platform == rules::Platform::kAzure && !desired.empty()) {
      Diagnostics compile_diags;
      auto comp = CompileFor(*data, req.config, *target, PrivateData::From(*live),
                             cty::Value::Null(RulesMapType(true)), compile_diags);
      if (!comp) {
        resp.diagnostics.Append(compile_diags);
        resp.new_state = req.prior_state;
        return;
      }
      for (const auto& r : comp->compiled.rules)
        if (auto it = desired.find(r.key); it != desired.end()) it->second.local_cidrs = r.local_cidrs;
    }
    if (target->platform == rules::Platform::kAzure && planned_rules.IsKnown()) {
      // New rules' priorities: allocated now, around every priority in use.
      bool any = false;
      for (const auto& [k, v] : planned_rules.Attributes())
        if (!v.Get("priority").IsKnown()) any = true;
      if (any) {
        Diagnostics cdiags;
        auto comp = CompileFor(*data, req.config, *target, PrivateData::From(*live),
                               req.prior_state.IsNull() ? cty::Value::Null(RulesMapType(true))
                                                        : req.prior_state.Get("rules"),
                               cdiags);
        if (!comp) {
          resp.diagnostics.Append(cdiags);
          resp.new_state = req.prior_state;
          return;
        }
        std::map<std::string, int> chosen;
        for (const auto& r : comp->compiled.rules) chosen[r.key] = r.priority;
        for (const auto& [k, v] : planned_rules.Attributes()) {
          if (v.Get("priority").IsKnown()) continue;
          auto c = chosen.find(k);
          if (c == chosen.end()) {
            resp.diagnostics.AddError("Allocating priorities on " + where,
                                      "rule " + k + " is no longer produced by the configuration; plan again.");
            resp.new_state = req.prior_state;
            return;
          }
          desired[k].priority = c->second;
        }
      }
    }
  }

  // What the plan changes: prior state -> planned state.
  const cty::Value prior_rules =
      req.prior_state.IsNull() ? cty::Value::Null(RulesMapType(true)) : req.prior_state.Get("rules");
  auto prior = RulesFromMap(prior_rules, target->locations);
  std::map<std::string, const cloud::LiveRule*> live_by_key;
  for (const auto& lr : live->owned) live_by_key[lr.rule.key] = &lr;
  std::vector<cloud::Change> changes;
  std::vector<std::string> conflicts;
  for (const auto& [k, recorded] : prior) {
    auto d = desired.find(k);
    auto lv = live_by_key.find(k);
    // Local destinations (Azure sftp_server_addresses) are not in the state's rule objects:
    // they come from the configuration (desired) or, for what exists, from the cloud.
    net::FirewallRule p = recorded;
    if (d != desired.end()) p.local_cidrs = d->second.local_cidrs;
    if (d != desired.end() && SameContent(p, d->second)) continue;  // unchanged: not touched
    if (lv != live_by_key.end()) p.local_cidrs = lv->second->rule.local_cidrs;
    const std::string rid = RemoteIdOf(prior_rules, k);
    if (lv == live_by_key.end()) {
      if (d == desired.end()) continue;  // to delete, already gone
      conflicts.push_back("rule " + k + " (to update) no longer exists");
      continue;
    }
    if (!AsRecorded(*lv->second, p, rid)) {
      conflicts.push_back("rule " + k + " (to " + (d == desired.end() ? "delete" : "update") +
                          ") was changed: the plan was made from \"" + Brief(p) + "\"" +
                          (rid.empty() || rid == kUnconfirmed ? "" : " (" + rid + ")") + ", it now is \"" +
                          Brief(lv->second->rule) + "\" (" + lv->second->remote_id + ")");
      continue;
    }
    if (d == desired.end()) {
      changes.push_back({cloud::ChangeKind::kDelete, {}, *lv->second});
    } else {
      changes.push_back({cloud::ChangeKind::kUpdate, d->second, *lv->second});
    }
  }
  for (const auto& [k, r] : desired) {
    if (prior.count(k)) continue;
    auto lv = live_by_key.find(k);
    if (lv == live_by_key.end()) {
      changes.push_back({cloud::ChangeKind::kCreate, r, {}});
    } else if (!SameContent(lv->second->rule, r)) {
      conflicts.push_back("rule " + k + " (to create) already exists as \"" + Brief(lv->second->rule) + "\" (" +
                          lv->second->remote_id + ")");
    }
    // else: it exists exactly as planned (an unconfirmed create that did land): adopted.
  }
  if (!conflicts.empty()) {
    std::string detail = "The target changed since this plan was made, in a way the plan did not show:";
    for (size_t i = 0; i < conflicts.size() && i < 20; ++i) detail += "\n  - " + conflicts[i];
    if (conflicts.size() > 20) detail += "\n  - ... and " + std::to_string(conflicts.size() - 20) + " more";
    detail += "\nNothing was changed. Run plan again to review the changes against what exists now.";
    resp.diagnostics.AddError("The target changed since the plan: " + where, detail);
    resp.new_state = req.prior_state;
    return;
  }

  log::Info("applying allowlist", {{"target", target->Id()},
                                   {"changes", std::to_string(changes.size())},
                                   {"owned_before", std::to_string(live->owned.size())}});
  cloud::ApplyOutcome outcome;
  if (changes.empty()) {
    outcome.owned_after = live->owned;
  } else {
    outcome = (*backend)->Apply(*live, changes, ctx.stopping);
    RekeyLive(*target, &outcome.owned_after);
  }

  if (destroy && !outcome.error) {
    if (target->use_prefix_list) {
      // By the id in state, or by name when state never learnt it (an apply that failed
      // right after creating the list).
      auto pid = GetString(req.prior_state, "prefix_list_id").value_or("");
      auto st = DeletePrefixList(*data, *target, pid, ctx.stopping);
      if (!st.ok()) {
        // The list still exists: keep it in state (without the rules, which are gone) so a
        // later destroy deletes it instead of forgetting it.
        resp.diagnostics.AddError("Deleting the prefix list " + (pid.empty() ? target->prefix_list_name : pid),
                                  "The rules are gone but the prefix list could not be deleted: " +
                                      st.error().ToString() + "\n\nRemove what still references it and run destroy again.");
        resp.new_state = req.prior_state.With("rules", cty::Value::Map(RuleObjectType(true), {}));
        return;
      }
    }
    size_t left = 0;
    for (const auto& lr : outcome.owned_after)
      if (!prior.count(lr.rule.key)) ++left;
    if (left > 0)
      resp.diagnostics.AddWarning(
          "Rules left on " + where,
          std::to_string(left) + " rule(s) carrying this allowlist's marker were not in its state and were left "
          "in place (an allowlist deletes only what its state records). Remove them by hand if unwanted.");
    resp.new_state = cty::Value::Null(Schema().ImpliedType());
    return;
  }

  // Record exactly what exists now. Where a rule matches the plan, record the planned
  // value (with its new remote id) so the result is consistent with the plan.
  std::map<std::string, cty::Value> rules_map;
  const cty::Value planned_rules = destroy ? cty::Value::Null(RulesMapType(true)) : planned_state.Get("rules");
  auto known = RulesFromMap(destroy ? req.prior_state.Get("rules") : planned_rules, target->locations);
  for (const auto& [k, r] : prior)
    if (!known.count(k)) known[k] = r;
  size_t unconfirmed = 0;
  for (const auto& lr : outcome.owned_after) {
    net::FirewallRule r = lr.rule;
    auto it = desired.find(r.key);
    if (it != desired.end() && SameContent(it->second, r)) {
      r.services = it->second.services;
      r.rows = it->second.rows;
    } else if (auto k = known.find(r.key); k != known.end()) {
      r.services = k->second.services;
      r.rows = k->second.rows;
    }
    if (r.remote_prefix_list.empty() && it != desired.end()) r.remote_prefix_list = it->second.remote_prefix_list;
    if (lr.unconfirmed) {
      if (rules_map.count(r.key)) continue;  // a confirmed one wins
      ++unconfirmed;
    }
    rules_map[r.key] = RuleValue(r, true, LocationOf(*target, r.group_index),
                                 lr.unconfirmed || lr.remote_id.empty() ? kUnconfirmed : lr.remote_id);
  }
  cty::Value state = basis.With("rules", cty::Value::Map(RuleObjectType(true), rules_map));
  if (destroy) state = state.With("allowlist_id", Str(target->allowlist_id));
  if (!destroy) {
    state = state.With("prefix_list_id", Str(target->use_prefix_list ? pl_id : ""));
  }
  resp.new_state = state;
  if (outcome.error) {
    std::string detail = outcome.error->ToString() + "\n\nThe state records exactly the " +
                         std::to_string(rules_map.size() - std::min(rules_map.size(), unconfirmed)) +
                         " rules that exist now";
    if (unconfirmed > 0)
      detail += ", plus " + std::to_string(unconfirmed) +
                " whose creation or deletion could not be confirmed (remote_id \"unconfirmed\"; the next refresh keeps "
                "those that exist and drops the others)";
    detail += "; run apply again to finish.";
    resp.diagnostics.AddError((destroy ? "Deleting rules from " : "Applying rules to ") + where, detail);
  }
}

void AllowlistResource::Read(const protocol::CallContext& ctx, const protocol::ReadResourceRequest& req,
                             protocol::ReadResourceResponse& resp) {
  resp.private_data = req.private_data;
  resp.new_state = req.current_state;
  if (req.current_state.IsNull()) return;
  auto data = data_.Get();
  Diagnostics diags;
  bool unknown = false;
  auto target = ReadTargetSpec(req.current_state, diags, &unknown);
  if (!target) {
    resp.diagnostics.Append(diags);
    return;
  }
  const std::string where = PlatformWords(target->platform) + " " + target->Id();
  auto backend = MakeBackend(*data, *target);
  if (!backend.ok()) {
    resp.diagnostics.AddError("Configuring the " + PlatformWords(target->platform) + " client", backend.error());
    return;
  }
  auto live = (*backend)->Read(ctx.stopping);
  if (!live.ok()) {
    resp.diagnostics.AddError("Reading " + where, live.error());
    return;
  }
  RekeyLive(*target, &live->owned);
  if (!live->target_exists) {
    resp.diagnostics.AddWarning(
        PlatformWords(target->platform) + " " + target->Id() + " no longer exists",
        "The target was deleted outside Terraform, taking its rules with it. The allowlist is removed "
        "from state; the next apply creates it again if the target exists by then.");
    resp.new_state = cty::Value::Null(Schema().ImpliedType());
    return;
  }
  PrivateData priv = PrivateData::From(*live);
  WarnOthers(priv.others, *target, where, resp.diagnostics);
  // Provenance comes from the prior state, or (after import) from compiling the catalog
  // for the selection the state holds (the import id's options).
  auto known = RulesFromMap(req.current_state.Get("rules"), target->locations);
  bool missing_provenance = false;
  for (const auto& lr : live->owned)
    if (!known.count(lr.rule.key)) missing_provenance = true;
  // Just imported: the reports are not in state yet either.
  const bool imported = GetString(req.current_state, "strategy").value_or("").empty();
  cty::Value state = req.current_state;
  if (missing_provenance || imported) {
    Diagnostics cdiags;
    auto comp = CompileFor(*data, req.current_state, *target, priv, cty::Value::Null(RulesMapType(true)), cdiags);
    if (comp) {
      for (const auto& r : comp->compiled.rules)
        if (!known.count(r.key)) known[r.key] = r;
      if (imported) {
        state = state.With("strategy", Str(comp->compiled.strategy))
                    .With("unenforceable", UnenforceableList(comp->compiled.unenforceable))
                    .With("over_permission", OverPermissionList(comp->compiled.over_permission));
      }
    } else if (imported) {
      // Never guess: say why and how to import with the selection the rules were made from.
      std::string why;
      for (const auto& d : cdiags.items()) why += (why.empty() ? "" : "\n") + d.summary + ": " + d.detail;
      resp.diagnostics.AddError(
          "Cannot derive the imported allowlist's rules",
          "The services selection recorded for this import does not compile for " + where + ":\n" + why +
              "\nImport with the selection the allowlist was created with, as options of the import id, e.g. "
              "\"" + target->Id() + "?services=video,desktop_app\" (also line_sharing=true, tcp_fallback=true, "
              "ipv6_clients=true when set).");
      return;
    }
  }
  state = state.With("rules", LiveRulesValue(live->owned, *target, known));
  if (target->use_prefix_list) {
    // Followed by the id in state (a rename does not lose it); errors are reported.
    auto pl = ReadPrefixList(*data, *target, ctx.stopping, GetString(req.current_state, "prefix_list_id").value_or(""));
    if (!pl.ok()) {
      resp.diagnostics.AddError("Reading the prefix list " + target->prefix_list_name, pl.error(),
                                AttributePath().Attr(kAws).Attr("use_prefix_list"));
      return;
    }
    std::vector<std::string> entries = pl->entries;
    std::sort(entries.begin(), entries.end());
    state = state.With("prefix_list_id", Str(pl->id)).With("prefix_list_entries", StrList(entries));
    cty::Value blk = state.Get(kAws);
    if (!pl->id.empty() && blk.IsKnown() && !blk.IsNull())  // a rename outside Terraform shows as drift
      state = state.With(kAws, blk.With("prefix_list_name", Str(pl->name)));
  }
  if (state.Get("catalog_version").IsNull()) {
    state = state.With("catalog_version", Str(data->catalog->version))
                .With("catalog_sha256", Str(data->catalog->content_sha256));
  }
  if (state.Get("allowlist_id").IsNull()) state = state.With("allowlist_id", Str(""));  // first format
  resp.private_data = priv.Encode();
  resp.new_state = state;
}

void AllowlistResource::Import(const protocol::CallContext& ctx, const protocol::ImportResourceStateRequest& req,
                               protocol::ImportResourceStateResponse& resp) {
  auto t = ParseImportId(req.id);
  if (!t.ok()) {
    resp.diagnostics.AddError("Invalid import id", t.error().message);
    return;
  }
  auto data = data_.Get();
  if (!t->import_allowlist_id_given) {
    // Whose rules: the owner's. When they belong to several allowlists (ids), ask which.
    TargetSpec probe = *t;
    probe.allowlist_id = "";
    auto backend = MakeBackend(*data, probe);
    if (!backend.ok()) {
      resp.diagnostics.AddError("Configuring the " + PlatformWords(t->platform) + " client", backend.error());
      return;
    }
    auto live = (*backend)->Read(ctx.stopping);
    if (!live.ok()) {
      resp.diagnostics.AddError("Reading " + PlatformWords(t->platform) + " " + t->Id(), live.error());
      return;
    }
    std::map<std::string, int> ids;  // allowlist id -> rules
    if (!live->owned.empty()) ids[""] = static_cast<int>(live->owned.size());
    for (const auto& o : live->others)
      if (o.owner == t->owner) ids[o.allowlist_id]++;
    if (ids.size() > 1) {
      std::string detail = "The rules with owner \"" + t->owner + "\" on " + t->Id() +
                           " belong to " + std::to_string(ids.size()) + " allowlists:";
      for (const auto& [id, n] : ids)
        detail += "\n  - allowlist_id " + (id.empty() ? std::string("none (first marker format)") : id) + ": " +
                  std::to_string(n) + " rule(s)";
      detail += "\nPick one with the import option allowlist_id, e.g. \"" + t->Id() + "?owner=" + t->owner +
                "&allowlist_id=" + (ids.begin()->first.empty() ? "none" : ids.begin()->first) + "\".";
      resp.diagnostics.AddError("Several allowlists to import from", detail);
      return;
    }
    if (ids.size() == 1) t->allowlist_id = ids.begin()->first;
  }
  std::map<std::string, cty::Value> attrs;
  attrs["id"] = Str(t->Id());
  attrs["owner"] = Str(t->owner);
  attrs["allowlist_id"] = Str(t->allowlist_id);
  if (t->import_services) attrs["services"] = StrList(*t->import_services);
  if (t->import_line_sharing) attrs["line_sharing"] = BoolV(*t->import_line_sharing);
  if (t->import_tcp_fallback) attrs["tcp_fallback"] = BoolV(*t->import_tcp_fallback);
  if (t->import_ipv6_clients) attrs["ipv6_clients"] = BoolV(*t->import_ipv6_clients);
  const auto& schema = Schema();
  auto block_type = [&](const char* name) { return schema::ImpliedType(*schema.FindBlock(name)); };
  switch (t->platform) {
    case rules::Platform::kAws: {
      Type bt = block_type(kAws);
      std::map<std::string, cty::Value> b;
      for (const auto& [k, at] : bt.attributes()) b[k] = cty::Value::Null(at);
      b["group_ids"] = StrList(t->locations);
      if (!t->region.empty()) b["region"] = Str(t->region);
      attrs[kAws] = cty::Value::ObjectOfType(bt, b);
      break;
    }
    case rules::Platform::kAzure: {
      Type bt = block_type(kAzure);
      std::map<std::string, cty::Value> b;
      for (const auto& [k, at] : bt.attributes()) b[k] = cty::Value::Null(at);
      b["id"] = Str(t->nsg_id);
      attrs[kAzure] = cty::Value::ObjectOfType(bt, b);
      break;
    }
    case rules::Platform::kGcp: {
      Type bt = block_type(kGcp);
      std::map<std::string, cty::Value> b;
      for (const auto& [k, at] : bt.attributes()) b[k] = cty::Value::Null(at);
      b["project"] = Str(t->project);
      b["network"] = Str(t->network);
      attrs[kGcp] = cty::Value::ObjectOfType(bt, b);
      break;
    }
  }
  attrs["rules"] = cty::Value::Map(RuleObjectType(true), {});
  attrs["catalog_version"] = Str(data->catalog->version);
  attrs["catalog_sha256"] = Str(data->catalog->content_sha256);
  attrs["prefix_list_id"] = Str("");
  attrs["prefix_list_entries"] = StrList({});
  attrs["unenforceable"] = UnenforceableList({});
  attrs["over_permission"] = OverPermissionList({});
  attrs["advisories"] = AdvisoriesValue(*data->catalog);
  attrs["strategy"] = Str("");
  protocol::ImportedResource ir;
  ir.type_name = TypeName();
  t->prefix_list_name = "office-at-hand-supernets-" + t->owner;
  ir.state = WithTargetDefaults(ObjectFor(schema, std::move(attrs)), *t);
  resp.imported.push_back(std::move(ir));
}

}  // namespace prov::resources
