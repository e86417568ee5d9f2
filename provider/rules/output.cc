// ToJson / ToMarkdown: the renderings the CLI and the data source show. Both are
// deterministic (fixed field order, input order preserved).
#include <nlohmann/json.hpp>

#include "provider/rules/compiler.h"

namespace prov::rules {
namespace {

using OJson = nlohmann::ordered_json;

std::string AllowedText(const net::FirewallRule& r) {
  std::string s;
  for (const auto& tp : r.allowed) {
    if (!s.empty()) s += "; ";
    s += std::string(net::TransportName(tp.transport)) + " ";
    for (size_t i = 0; i < tp.ports.size(); ++i) s += (i ? "," : "") + tp.ports[i].ToString();
  }
  return s;
}

std::string JoinList(const std::vector<std::string>& v, const char* sep) {
  std::string s;
  for (size_t i = 0; i < v.size(); ++i) s += (i ? sep : "") + v[i];
  return s;
}

std::string Cell(std::string s) {
  std::string out;
  for (char c : s) {
    if (c == '|') out += "\\|";
    else if (c == '\n') out += ' ';
    else out += c;
  }
  return out;
}

}  // namespace

std::string ToJson(const Compiled& c, Platform p) {
  OJson j;
  j["platform"] = PlatformName(p);
  j["strategy"] = c.strategy;
  j["rules_needed"] = c.rules_needed;
  j["rule_count"] = c.rules.size();
  OJson rules = OJson::array();
  for (const auto& r : c.rules) {
    OJson o;
    o["key"] = r.key;
    if (p != Platform::kAws) o["name"] = r.name;
    o["direction"] = net::DirectionName(r.direction);
    OJson allowed = OJson::array();
    for (const auto& tp : r.allowed) {
      OJson ports = OJson::array();
      for (const auto& pr : tp.ports) ports.push_back(pr.ToString());
      allowed.push_back({{"transport", net::TransportName(tp.transport)}, {"ports", ports}});
    }
    o["allowed"] = allowed;
    o["remote_cidrs"] = r.remote_cidrs;
    if (p == Platform::kAws) {
      if (!r.remote_prefix_list.empty()) o["remote_prefix_list"] = r.remote_prefix_list;
      o["group_index"] = r.group_index;
    } else {
      o["priority"] = r.priority;
    }
    if (!r.local_cidrs.empty()) o["local_cidrs"] = r.local_cidrs;
    o["description"] = r.description;
    o["services"] = r.services;
    o["rows"] = r.rows;
    rules.push_back(std::move(o));
  }
  j["rules"] = std::move(rules);
  OJson un = OJson::array();
  for (const auto& u : c.unenforceable) {
    un.push_back({{"row", u.row}, {"service", u.service}, {"reason", u.reason},
                  {"destinations", u.destinations}});
  }
  j["unenforceable"] = std::move(un);
  OJson over = OJson::array();
  for (const auto& o : c.over_permission) {
    over.push_back({{"rule_key", o.rule_key}, {"transport", net::TransportName(o.transport)},
                    {"extra", o.extra.ToString()}, {"reason", o.reason}});
  }
  j["over_permission"] = std::move(over);
  j["notes"] = c.notes;
  return j.dump(2) + "\n";
}

std::string ToMarkdown(const Compiled& c, Platform p) {
  std::string s = "## Office@Hand firewall rules for " + std::string(PlatformName(p)) + "\n\n";
  s += std::to_string(c.rules.size()) + " rules (strategy: " + c.strategy + ", " +
       std::to_string(c.rules_needed) + " needed before budgeting).\n\n";
  s += "| Key | Direction | Allows | Remote | Local | ";
  s += p == Platform::kAws ? "Group" : "Priority";
  s += " | Description |\n|---|---|---|---|---|---|---|\n";
  for (const auto& r : c.rules) {
    std::string remote = r.remote_prefix_list.empty() ? JoinList(r.remote_cidrs, ", ")
                                                      : r.remote_prefix_list;
    std::string local = r.local_cidrs.empty() ? "any" : JoinList(r.local_cidrs, ", ");
    std::string slot = std::to_string(p == Platform::kAws ? r.group_index : r.priority);
    s += "| `" + Cell(r.key) + "` | " + net::DirectionName(r.direction) + " | " +
         Cell(AllowedText(r)) + " | " + Cell(remote) + " | " + Cell(local) + " | " + slot +
         " | " + Cell(r.description) + " |\n";
  }
  s += "\n### Not enforceable as L3/L4 rules\n\n";
  if (c.unenforceable.empty()) {
    s += "None.\n";
  } else {
    s += "| Row | Service | Reason |\n|---|---|---|\n";
    for (const auto& u : c.unenforceable) {
      s += "| " + Cell(u.row) + " | " + Cell(u.service) + " | " + Cell(u.reason) + " |\n";
    }
  }
  s += "\n### Over-permission\n\n";
  if (c.over_permission.empty()) {
    s += "None: the rules allow exactly what the selected rows ask for.\n";
  } else {
    s += "| Rule | Transport | Extra ports | Reason |\n|---|---|---|---|\n";
    for (const auto& o : c.over_permission) {
      s += "| `" + Cell(o.rule_key) + "` | " + net::TransportName(o.transport) + " | " +
           o.extra.ToString() + " | " + Cell(o.reason) + " |\n";
    }
  }
  if (!c.notes.empty()) {
    s += "\n### Notes\n\n";
    for (const auto& n : c.notes) s += "- " + Cell(n) + "\n";
  }
  return s;
}

}  // namespace prov::rules
