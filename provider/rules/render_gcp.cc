// GCP VPC firewalls: one firewall per (direction, peer set) carrying every protocol's ports;
// one address family per firewall. Names are RFC 1035 labels, unique per project.
#include <algorithm>

#include "provider/rules/render.h"

namespace prov::rules::internal {
namespace {

// [a-z]([-a-z0-9]{0,29}[a-z0-9])? written out: std::regex cost more than the rest of the
// GCP renderer.
bool ValidPrefix(const std::string& p) {
  if (p.empty() || p.size() > 31) return false;
  auto lower_digit = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  if (!(p.front() >= 'a' && p.front() <= 'z') || !lower_digit(p.back())) return false;
  return std::all_of(p.begin(), p.end(), [&](char c) { return lower_digit(c) || c == '-'; });
}

}  // namespace

Result<Compiled> RenderGcp(const Resolved& resolved, std::vector<Group> groups,
                           const TargetOptions& target) {
  const PlatformProfile& prof = ProfileFor(Platform::kGcp);
  if (!ValidPrefix(target.name_prefix)) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "name_prefix \"" + target.name_prefix +
                         "\" must be lowercase letters, digits and '-', start with a letter, "
                         "end with a letter or digit, at most 31 characters (RFC 1035)",
                     "target.name_prefix");
  }
  int priority = target.priority_from ? target.priority_from : 1000;
  if (priority < 0 || priority > 65535) {
    return MakeError(ErrorCode::kInvalidArgument, "priority must be between 0 and 65535",
                     "target.priority_from");
  }
  Compiled c;
  c.strategy = "single-group";
  for (const auto& g : groups) {
    std::string base = target.name_prefix + "-" +
                       (g.direction == net::Direction::kEgress ? "egress" : "ingress") + "-" +
                       PeerLabel(g.remote, resolved.supernets);
    if (g.family == net::Family::kIPv6) base += "-v6";
    std::vector<int> rows;
    std::vector<net::TransportPorts> allowed;
    std::string what;
    size_t ports = 0;
    for (const auto& tr : g.allowed) {
      net::TransportPorts tp{tr.transport, {}};
      for (const auto& r : tr.ranges) {
        tp.ports.push_back(r.range);
        rows.insert(rows.end(), r.rows.begin(), r.rows.end());
      }
      ports = std::max(ports, tp.ports.size());
      if (!what.empty()) what += "; ";
      what += PortsText(tr.transport, tp.ports);
      allowed.push_back(std::move(tp));
    }
    if (ports > size_t(prof.max_ports_per_rule)) {
      return MakeError(ErrorCode::kResourceExhausted,
                       "GCP firewall " + base + " needs " + std::to_string(ports) +
                           " port ranges for one protocol; a firewall holds " +
                           std::to_string(prof.max_ports_per_rule) + ". Options: select fewer services",
                       "target");
    }
    std::sort(rows.begin(), rows.end());
    rows.erase(std::unique(rows.begin(), rows.end()), rows.end());
    size_t n = size_t(prof.max_prefixes_per_rule);
    size_t chunks = (g.remote.size() + n - 1) / n;
    for (size_t ci = 0; ci < chunks; ++ci) {
      net::FirewallRule r;
      std::string name = base;
      if (chunks > 1) name += "-a" + std::to_string(ci + 1);
      r.name = SafeName(name, size_t(prof.max_name_length - std::max(0, target.name_reserve)), true);
      r.key = r.name;
      r.direction = g.direction;
      r.allowed = allowed;
      std::vector<net::Cidr> part(g.remote.begin() + ci * n,
                                  g.remote.begin() + std::min(g.remote.size(), (ci + 1) * n));
      r.remote_cidrs = CidrStrings(part);
      r.description = Describe(resolved, rows, what, size_t(prof.max_description_length));
      r.priority = priority;
      r.services = ServicesOf(resolved, rows);
      r.rows = RowIdsOf(resolved, rows);
      c.rules.push_back(std::move(r));
    }
  }
  c.rules_needed = int(c.rules.size());
  std::sort(c.rules.begin(), c.rules.end(),
            [](const auto& a, const auto& b) { return a.key < b.key; });
  for (size_t i = 1; i < c.rules.size(); ++i) {
    if (c.rules[i].key == c.rules[i - 1].key) {
      return MakeError(ErrorCode::kInternal, "duplicate GCP firewall name " + c.rules[i].key);
    }
  }
  return c;
}

}  // namespace prov::rules::internal
