// Conversions between compiled / live firewall rules and the Terraform values that show
// them in plans: a map keyed by the rule's stable key whose object fields (direction,
// protocol, ports, cidrs, description, services, catalog rows) make each +/-/~ line of a
// plan self-explanatory.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "provider/base/result.h"
#include "provider/cloud/firewall_backend.h"
#include "provider/protocol/cty/value.h"
#include "provider/rules/compiler.h"

namespace prov::resources {

// live=true adds `location` and `remote_id` (allowlist resource); false adds
// `group_index` (rules data source).
cty::Type RuleObjectType(bool live);
cty::Type RulesMapType(bool live);
cty::Type UnenforceableType();
cty::Type OverPermissionType();

// "tcp/443", "udp/20000-64999".
std::vector<std::string> PortStrings(const net::FirewallRule& r);
std::string ProtocolString(const net::FirewallRule& r);  // "tcp", "udp", "tcp+udp"

cty::Value RuleValue(const net::FirewallRule& r, bool live, const std::string& location,
                     const std::string& remote_id);
cty::Value UnenforceableList(const std::vector<rules::Unenforceable>& u);
cty::Value OverPermissionList(const std::vector<rules::OverPermission>& o);

// Back from a rules-map element (state or plan) to a FirewallRule. `locations` maps a
// location string back to a group index (AWS).
Result<net::FirewallRule> RuleFromValue(const std::string& key, const cty::Value& v,
                                        const std::vector<std::string>& locations);

// Content equality as the cloud sees it (ignores provenance-only fields).
bool SameContent(const net::FirewallRule& a, const net::FirewallRule& b);

}  // namespace prov::resources
