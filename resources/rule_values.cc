#include "resources/rule_values.h"

#include <algorithm>

#include "resources/values.h"

namespace prov::resources {

using cty::Type;
using cty::Value;

Type RuleObjectType(bool live) {
  auto S = Type::String();
  auto SL = Type::List(Type::String());
  std::map<std::string, Type> a = {{"direction", S},   {"protocol", S},     {"ports", SL},
                                   {"cidrs", SL},      {"prefix_list", S},  {"description", S},
                                   {"name", S},        {"priority", Type::Number()},
                                   {"services", SL},   {"catalog_rows", SL}};
  if (live) {
    a["location"] = S;
    a["remote_id"] = S;
  } else {
    a["group_index"] = Type::Number();
    a["local_cidrs"] = SL;
  }
  return Type::Object(a);
}

Type RulesMapType(bool live) { return Type::Map(RuleObjectType(live)); }

Type UnenforceableType() {
  return Type::Object({{"row", Type::String()},
                       {"service", Type::String()},
                       {"reason", Type::String()},
                       {"destinations", Type::List(Type::String())}});
}

Type OverPermissionType() {
  return Type::Object({{"rule", Type::String()},
                       {"protocol", Type::String()},
                       {"ports", Type::String()},
                       {"reason", Type::String()}});
}

std::vector<std::string> PortStrings(const net::FirewallRule& r) {
  std::vector<std::string> out;
  for (const auto& tp : r.allowed)
    for (const auto& pr : tp.ports) out.push_back(std::string(net::TransportName(tp.transport)) + "/" + pr.ToString());
  return out;
}

std::string ProtocolString(const net::FirewallRule& r) {
  std::vector<std::string> ts;
  for (const auto& tp : r.allowed) {
    std::string t = net::TransportName(tp.transport);
    if (std::find(ts.begin(), ts.end(), t) == ts.end()) ts.push_back(t);
  }
  std::sort(ts.begin(), ts.end());
  std::string s;
  for (const auto& t : ts) s += (s.empty() ? "" : "+") + t;
  return s;
}

Value RuleValue(const net::FirewallRule& r, bool live, const std::string& location,
                const std::string& remote_id) {
  std::map<std::string, Value> a = {
      {"direction", Str(net::DirectionName(r.direction))},
      {"protocol", Str(ProtocolString(r))},
      {"ports", StrList(PortStrings(r))},
      {"cidrs", StrList(r.remote_cidrs)},
      {"prefix_list", Str(r.remote_prefix_list)},
      {"description", Str(r.description)},
      {"name", Str(r.name)},
      {"priority", Num(r.priority)},
      {"services", StrList(r.services)},
      {"catalog_rows", StrList(r.rows)},
  };
  if (live) {
    a["location"] = Str(location);
    a["remote_id"] = remote_id.empty() ? Value::Unknown(Type::String()) : Str(remote_id);
  } else {
    a["group_index"] = Num(r.group_index);
    a["local_cidrs"] = StrList(r.local_cidrs);
  }
  return Value::ObjectOfType(RuleObjectType(live), std::move(a));
}

Value UnenforceableList(const std::vector<rules::Unenforceable>& u) {
  std::vector<Value> xs;
  for (const auto& e : u) {
    xs.push_back(Value::ObjectOfType(UnenforceableType(), {{"row", Str(e.row)},
                                                           {"service", Str(e.service)},
                                                           {"reason", Str(e.reason)},
                                                           {"destinations", StrList(e.destinations)}}));
  }
  return Value::List(UnenforceableType(), xs);
}

Value OverPermissionList(const std::vector<rules::OverPermission>& o) {
  std::vector<Value> xs;
  for (const auto& e : o) {
    xs.push_back(Value::ObjectOfType(OverPermissionType(), {{"rule", Str(e.rule_key)},
                                                            {"protocol", Str(net::TransportName(e.transport))},
                                                            {"ports", Str(e.extra.ToString())},
                                                            {"reason", Str(e.reason)}}));
  }
  return Value::List(OverPermissionType(), xs);
}

Result<net::FirewallRule> RuleFromValue(const std::string& key, const Value& v,
                                        const std::vector<std::string>& locations) {
  net::FirewallRule r;
  r.key = key;
  auto dir = GetString(v, "direction").value_or("egress");
  r.direction = dir == "ingress" ? net::Direction::kIngress : net::Direction::kEgress;
  for (const auto& p : GetStrings(v, "ports").value_or(std::vector<std::string>{})) {
    auto slash = p.find('/');
    if (slash == std::string::npos)
      return MakeError(ErrorCode::kInvalidArgument, "rule \"" + key + "\": bad port entry \"" + p + "\"");
    PROV_ASSIGN_OR_RETURN(net::Transport t, net::ParseTransport(p.substr(0, slash)));
    PROV_ASSIGN_OR_RETURN(net::PortRange pr, net::PortRange::Parse(p.substr(slash + 1)));
    auto it = std::find_if(r.allowed.begin(), r.allowed.end(),
                           [&](const net::TransportPorts& tp) { return tp.transport == t; });
    if (it == r.allowed.end()) {
      r.allowed.push_back({t, {pr}});
    } else {
      it->ports.push_back(pr);
    }
  }
  r.remote_cidrs = GetStrings(v, "cidrs").value_or(std::vector<std::string>{});
  r.remote_prefix_list = GetString(v, "prefix_list").value_or("");
  r.description = GetString(v, "description").value_or("");
  r.name = GetString(v, "name").value_or("");
  r.priority = static_cast<int>(GetInt(v, "priority").value_or(0));
  r.services = GetStrings(v, "services").value_or(std::vector<std::string>{});
  r.rows = GetStrings(v, "catalog_rows").value_or(std::vector<std::string>{});
  if (auto loc = GetString(v, "location")) {
    auto it = std::find(locations.begin(), locations.end(), *loc);
    r.group_index = it == locations.end() ? 0 : static_cast<int>(it - locations.begin());
  }
  if (auto gi = GetInt(v, "group_index")) r.group_index = static_cast<int>(*gi);
  return r;
}

bool SameContent(const net::FirewallRule& a, const net::FirewallRule& b) {
  auto sorted = [](std::vector<std::string> v) {
    std::sort(v.begin(), v.end());
    return v;
  };
  return a.direction == b.direction && a.allowed == b.allowed &&
         sorted(a.remote_cidrs) == sorted(b.remote_cidrs) && a.remote_prefix_list == b.remote_prefix_list &&
         sorted(a.local_cidrs) == sorted(b.local_cidrs) && a.description == b.description &&
         a.name == b.name && a.priority == b.priority && a.group_index == b.group_index;
}

}  // namespace prov::resources
