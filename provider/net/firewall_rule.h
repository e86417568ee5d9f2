// The platform-neutral firewall rule: what the rule compiler emits for a target platform
// and what the cloud adapters read and write. One FirewallRule is one rule object on the
// platform (an AWS security-group rule: one transport, one port range, one peer; an Azure
// security rule or a GCP firewall: several ranges and prefixes).
#pragma once

#include <string>
#include <vector>

#include "provider/net/ip.h"

namespace prov::net {

enum class Direction { kEgress, kIngress };
inline const char* DirectionName(Direction d) { return d == Direction::kEgress ? "egress" : "ingress"; }

struct TransportPorts {
  Transport transport = Transport::kTcp;
  std::vector<PortRange> ports;  // merged, sorted; never empty (we never emit "all ports")
  bool operator==(const TransportPorts& o) const = default;
};

struct FirewallRule {
  // Stable identity inside one allowlist and target; used as the Terraform map key and to
  // derive platform names. Changes only when what the rule allows changes.
  std::string key;
  // Platform object name where the platform names rules (Azure rule name, GCP firewall
  // name); empty for AWS.
  std::string name;
  Direction direction = Direction::kEgress;
  std::vector<TransportPorts> allowed;  // AWS: exactly one transport with exactly one range
  // The far side: destinations for egress, sources for ingress. Canonical CIDR strings.
  std::vector<std::string> remote_cidrs;
  // AWS prefix-list mode: the far side is this prefix list instead of remote_cidrs.
  std::string remote_prefix_list;
  // The near side, where the platform models it (Azure source for egress / destination
  // for ingress; GCP has none). Empty means "any".
  std::vector<std::string> local_cidrs;
  std::string description;  // readable; names services and catalog rows
  int priority = 0;         // Azure (allocated) and GCP (configured); 0 for AWS
  int group_index = 0;      // AWS: which of the target's security groups holds it
  // Provenance, for plan output and reports.
  std::vector<std::string> services;  // service ids
  std::vector<std::string> rows;      // catalog row ids

  bool operator==(const FirewallRule& o) const = default;
};

}  // namespace prov::net
