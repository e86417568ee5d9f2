// Rule sets for GCP tests and benchmarks, shaped like the compiler's GCP output: several
// transports per firewall, the article's supernets, an ingress rule from listed sources,
// an IPv6 rule.
#pragma once

#include <string>
#include <vector>

#include "provider/net/firewall_rule.h"

namespace prov::cloud::gcp::testing {

inline std::vector<std::string> Supernets() {
  // Address order, as net::CollapseCidrs returns them.
  return {"66.81.240.0/20",  "80.81.128.0/20",  "103.44.68.0/22",
          "104.245.56.0/21", "185.23.248.0/22", "192.209.24.0/21",
          "199.68.212.0/22", "199.255.120.0/22", "208.87.40.0/22"};
}

inline net::TransportPorts Tp(net::Transport t, std::vector<std::pair<int, int>> ranges) {
  net::TransportPorts tp;
  tp.transport = t;
  for (auto [a, b] : ranges) tp.ports.push_back({uint16_t(a), uint16_t(b)});
  return tp;
}

inline net::FirewallRule Rule(const std::string& name, net::Direction d,
                              std::vector<net::TransportPorts> allowed,
                              std::vector<std::string> cidrs, const std::string& description) {
  net::FirewallRule r;
  r.key = r.name = name;
  r.direction = d;
  r.allowed = std::move(allowed);
  r.remote_cidrs = std::move(cidrs);
  r.description = description;
  r.priority = 1000;
  return r;
}

// `n` rules: the first few are the realistic ones, the rest are numbered variants (for
// scale tests).
inline std::vector<net::FirewallRule> RuleSet(const std::string& prefix, int n = 6) {
  using net::Direction;
  using net::Transport;
  std::vector<net::FirewallRule> rules = {
      Rule(prefix + "-egress-supernets", Direction::kEgress,
           {Tp(Transport::kTcp, {{80, 80}, {443, 443}, {5090, 5091}, {8083, 8090}}),
            Tp(Transport::kUdp, {{3478, 3479}, {5090, 5090}, {8801, 8802}, {20000, 64999}})},
           Supernets(), "Office@Hand desktop_app, mobile_app, video: signalling and media"),
      Rule(prefix + "-egress-line-sharing", Direction::kEgress,
           {Tp(Transport::kTcp, {{5098, 5099}}), Tp(Transport::kUdp, {{5098, 5099}})}, Supernets(),
           "Office@Hand desk_phones.line_sharing: SIP 5098-5099"),
      Rule(prefix + "-egress-ntp", Direction::kEgress, {Tp(Transport::kUdp, {{123, 123}})},
           {"66.81.240.0/20"}, "Office@Hand desk_phones.ntp"),
      Rule(prefix + "-ingress-archiver", Direction::kIngress, {Tp(Transport::kTcp, {{22, 22}})},
           {"199.255.120.10/32", "199.255.120.11/32", "208.87.40.5/32"},
           "Office@Hand archiver.sftp: SFTP from the archiver"),
      Rule(prefix + "-egress-v6", Direction::kEgress, {Tp(Transport::kTcp, {{443, 443}})},
           {"2620:0:2910::/48"}, "Office@Hand IPv6 clients"),
      Rule(prefix + "-egress-trunk", Direction::kEgress,
           {Tp(Transport::kTcp, {{5060, 5061}}), Tp(Transport::kUdp, {{5060, 5060}})},
           {"203.0.113.0/24"}, "Office@Hand sip_trunk: SIP trunk peers"),
  };
  for (int i = int(rules.size()); i < n; ++i) {
    rules.push_back(Rule(prefix + "-extra-" + std::to_string(i), Direction::kEgress,
                         {Tp(Transport::kTcp, {{uint16_t(1000 + i), uint16_t(1000 + i)}})},
                         {"198.51.100." + std::to_string(i % 250) + "/32"},
                         "extra rule " + std::to_string(i)));
  }
  rules.resize(n);
  return rules;
}

}  // namespace prov::cloud::gcp::testing
