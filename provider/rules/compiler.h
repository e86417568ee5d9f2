// The rule compiler: a catalog selection -> the minimal, stable rule set a platform needs.
// Three stages (resolve -> optimise -> render); see README "Rule compiler".
#pragma once

#include <map>
#include <string>
#include <vector>

#include "provider/base/result.h"
#include "provider/catalog/model.h"
#include "provider/net/firewall_rule.h"

namespace prov::rules {

enum class Platform { kAws, kAzure, kGcp };
const char* PlatformName(Platform p);                 // "aws" / "azure" / "gcp"
Result<Platform> ParsePlatform(const std::string& s);

// Each platform's shape and limits live in one profile (profiles.cc).
struct PlatformProfile {
  Platform platform;
  int max_rules_per_group = 0;          // AWS: rules per direction per family per group (60)
  int max_groups = 0;                   // AWS: groups per target we spread over (16)
  int max_ports_per_rule = 0;           // Azure: port ranges per rule; GCP: ports per rule
  int max_prefixes_per_rule = 0;        // Azure: prefixes per rule; GCP ranges per rule (5000)
  int max_rules_total = 0;              // Azure: 1000 rules per NSG
  int max_name_length = 0;              // Azure 80, GCP 63
  int max_description_length = 0;       // AWS 255, Azure 140, GCP 2048
  bool one_range_per_rule = false;      // AWS
  bool multi_protocol_rule = false;     // GCP: several protocols in one rule
};
const PlatformProfile& ProfileFor(Platform p);

struct Selection {
  std::vector<std::string> services;  // empty = every service
  bool line_sharing = false;
  bool tcp_fallback = false;
  bool ipv6_clients = false;
  // Parameters for rows that need user input.
  std::vector<std::string> sip_trunk_peers;        // CIDRs
  std::vector<std::string> sftp_server_addresses;  // CIDRs (Archiver ingress destination)
};

struct TargetOptions {
  Platform platform = Platform::kAws;
  int groups = 1;                  // AWS: security groups available to spread over
  bool groups_from_ids = false;    // AWS: they are listed ids (group_ids), not a count (groups)
  int rule_quota = 0;              // AWS: declared per-direction quota (0 = profile default)
  int rule_budget = 0;             // max rules per group/target (0 = platform limit)
  bool prefix_list = false;        // AWS: reference a prefix list for the supernets
  // Known id, or "": rules then reference the placeholder "supernets-prefix-list", which is
  // also part of their keys. The allowlist resource leaves this empty on purpose so keys do
  // not change once the list exists; it puts the real id into the rules it writes.
  std::string prefix_list_id;
  int prefix_list_max_entries = 0; // weight of a prefix-list reference (0 = #supernets)
  std::string name_prefix = "oah"; // Azure/GCP rule names
  // Azure/GCP: characters kept free in every rule name, so the allowlist resource can
  // insert its allowlist id after the prefix ("oah-k3x9..." ) and stay within the
  // platform's name limit. Keys are rendered without the id.
  int name_reserve = 0;
  int priority_from = 0, priority_to = 0;  // Azure range; GCP: priority_from used as is
  // Azure: priorities already held by rules of this allowlist (rule key -> priority). A
  // rule whose key is listed keeps its priority when it is free and inside the range, so
  // re-compiling after a catalog change does not renumber rules that did not change.
  std::map<std::string, int> existing_priorities;
  // Azure: priorities used by rules we do not own (per NSG, both directions); never chosen.
  std::vector<int> taken_priorities;
  // Azure: the same per direction. A priority is unique per direction only, so a foreign
  // inbound rule does not move an outbound rule of ours (and a saved plan stays valid when
  // such a rule appears before apply).
  std::vector<int> taken_priorities_egress, taken_priorities_ingress;
  // AWS: rules others own in each security group (index = group), per direction and
  // family. They count against the same per-group quota, so each group's capacity for
  // our rules is the limit minus these. A new group's default allow-all egress rule is one.
  struct GroupUsage {
    int egress_v4 = 0, egress_v6 = 0, ingress_v4 = 0, ingress_v6 = 0;
  };
  std::vector<GroupUsage> foreign_usage;
};

// A catalog row the platform cannot enforce, or a row skipped for missing input.
struct Unenforceable {
  std::string row;      // row id
  std::string service;
  std::string reason;   // "domain names only: an L3/L4 firewall cannot allow ..."
  std::vector<std::string> destinations;  // the names / text concerned
};

// A place where the compiled rules allow more than the catalog asks.
struct OverPermission {
  std::string rule_key;
  net::Transport transport;
  net::PortRange extra;  // the extra ports opened
  std::string reason;    // "merged 5090 and 5096-5097 to fit 60 rules"
};

struct Compiled {
  std::vector<net::FirewallRule> rules;  // sorted by key; byte-stable
  std::vector<Unenforceable> unenforceable;
  std::vector<OverPermission> over_permission;
  std::vector<std::string> notes;        // "spread over 2 security groups", advisories used
  std::string strategy;  // "single-group" | "spread" | "raised-quota" | "merged" | "prefix-list"
  int rules_needed = 0;                  // platform-weighted count before budgeting
};

// Errors: kInvalidArgument (unknown service, bad parameter CIDR), kResourceExhausted
// (cannot fit the hard limit: message says how many are needed and what would fit).
Result<Compiled> Compile(const catalog::Catalog& catalog, const Selection& selection,
                         const TargetOptions& target);

// JSON and Markdown renderings for the CLI and the data source.
std::string ToJson(const Compiled& c, Platform p);
std::string ToMarkdown(const Compiled& c, Platform p);

}  // namespace prov::rules
