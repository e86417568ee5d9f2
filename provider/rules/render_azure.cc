// Azure NSG security rules: one rule per (direction, transport, peer set, local side) with
// several port ranges and prefixes; never protocol "*". Priorities are allocated per
// direction inside [priority_from, priority_to].
#include <algorithm>
#include <iterator>
#include <map>
#include <set>

#include "provider/rules/render.h"

namespace prov::rules::internal {
namespace {

constexpr int kAzureMinPriority = 100;
constexpr int kAzureMaxPriority = 4096;
constexpr int kAzureMaxAddressesPerSide = 4000;

template <typename T>
std::vector<std::vector<T>> Chunks(const std::vector<T>& v, size_t n) {
  std::vector<std::vector<T>> out;
  for (size_t i = 0; i < v.size(); i += n) {
    out.emplace_back(v.begin() + i, v.begin() + std::min(v.size(), i + n));
  }
  return out;
}

bool ValidPrefix(const std::string& p) {
  if (p.empty()) return false;
  auto word = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; };
  if (!word(p.front())) return false;
  return std::all_of(p.begin(), p.end(), [&](char c) { return word(c) || c == '-' || c == '.'; });
}

}  // namespace

Result<Compiled> RenderAzure(const Resolved& resolved, std::vector<Group> groups,
                             const TargetOptions& target) {
  const PlatformProfile& prof = ProfileFor(Platform::kAzure);
  if (!ValidPrefix(target.name_prefix) || target.name_prefix.size() > 40) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "name_prefix \"" + target.name_prefix +
                         "\" must start with a letter, digit or '_', hold only [A-Za-z0-9_.-] "
                         "and be at most 40 characters",
                     "target.name_prefix");
  }
  int from = target.priority_from ? target.priority_from : kAzureMinPriority;
  int to = target.priority_to ? target.priority_to : kAzureMaxPriority;
  if (from < kAzureMinPriority || to > kAzureMaxPriority || from > to) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "priority range " + std::to_string(from) + "-" + std::to_string(to) +
                         " must lie inside 100-4096",
                     "target.priority_from");
  }
  Compiled c;
  c.strategy = "single-group";
  int remote_addresses = 0, local_addresses = 0;
  for (const auto& g : groups) {
    for (const auto& tr : g.allowed) {
      std::vector<net::PortRange> ports;
      for (const auto& r : tr.ranges) ports.push_back(r.range);
      std::string base = target.name_prefix + "-" +
                         (g.direction == net::Direction::kEgress ? "out" : "in") + "-" +
                         net::TransportName(tr.transport) + "-" +
                         PeerLabel(g.remote, resolved.supernets);
      if (!g.local.empty()) base += "-to-" + PeerLabel(g.local, resolved.supernets);
      if (g.family == net::Family::kIPv6) base += "-v6";
      auto port_chunks = Chunks(tr.ranges, size_t(prof.max_ports_per_rule));
      auto cidr_chunks = Chunks(g.remote, size_t(prof.max_prefixes_per_rule));
      for (size_t pi = 0; pi < port_chunks.size(); ++pi) {
        for (size_t ci = 0; ci < cidr_chunks.size(); ++ci) {
          std::string name = base;
          if (port_chunks.size() > 1) name += "-p" + std::to_string(pi + 1);
          if (cidr_chunks.size() > 1) name += "-a" + std::to_string(ci + 1);
          net::FirewallRule r;
          r.name = SafeName(name, size_t(prof.max_name_length - std::max(0, target.name_reserve)), false);
          r.key = r.name;
          r.direction = g.direction;
          std::vector<net::PortRange> pr;
          std::vector<int> rows;
          for (const auto& x : port_chunks[pi]) {
            pr.push_back(x.range);
            rows.insert(rows.end(), x.rows.begin(), x.rows.end());
          }
          std::sort(rows.begin(), rows.end());
          rows.erase(std::unique(rows.begin(), rows.end()), rows.end());
          r.allowed = {{tr.transport, pr}};
          r.remote_cidrs = CidrStrings(cidr_chunks[ci]);
          r.local_cidrs = CidrStrings(g.local);
          r.description = Describe(resolved, rows, PortsText(tr.transport, pr),
                                   size_t(prof.max_description_length));
          r.services = ServicesOf(resolved, rows);
          r.rows = RowIdsOf(resolved, rows);
          remote_addresses += int(r.remote_cidrs.size());
          local_addresses += int(r.local_cidrs.size());
          c.rules.push_back(std::move(r));
        }
      }
    }
  }
  c.rules_needed = int(c.rules.size());
  if (int(c.rules.size()) > prof.max_rules_total) {
    return MakeError(ErrorCode::kResourceExhausted,
                     "Azure NSG needs " + std::to_string(c.rules.size()) +
                         " rules; an NSG holds " + std::to_string(prof.max_rules_total) +
                         ". Options: select fewer services, or split the allowlist over NSGs",
                     "target");
  }
  if (remote_addresses > kAzureMaxAddressesPerSide || local_addresses > kAzureMaxAddressesPerSide) {
    return MakeError(ErrorCode::kResourceExhausted,
                     "Azure NSG needs " + std::to_string(std::max(remote_addresses, local_addresses)) +
                         " address prefixes on one side; an NSG holds 4000. Options: select "
                         "fewer services, or split the allowlist over NSGs",
                     "target");
  }
  std::sort(c.rules.begin(), c.rules.end(),
            [](const auto& a, const auto& b) { return a.key < b.key; });
  for (size_t i = 1; i < c.rules.size(); ++i) {
    if (c.rules[i].key == c.rules[i - 1].key) {
      return MakeError(ErrorCode::kInternal, "duplicate Azure rule name " + c.rules[i].key);
    }
  }

  // Priorities: a rule keeps its existing priority when it can; otherwise it starts at a
  // slot derived from a hash of its name and probes upwards. The slot depends on the name
  // only, so adding or removing one rule does not move the others.
  const int size = to - from + 1;
  for (auto dir : {net::Direction::kEgress, net::Direction::kIngress}) {
    std::set<int> used(target.taken_priorities.begin(), target.taken_priorities.end());
    const auto& same_dir = dir == net::Direction::kEgress ? target.taken_priorities_egress
                                                          : target.taken_priorities_ingress;
    used.insert(same_dir.begin(), same_dir.end());
    std::vector<net::FirewallRule*> todo;
    for (auto& r : c.rules) {
      if (r.direction != dir) continue;
      auto it = target.existing_priorities.find(r.key);
      if (it != target.existing_priorities.end() && it->second >= from && it->second <= to &&
          !used.count(it->second)) {
        r.priority = it->second;
        used.insert(it->second);
      } else {
        todo.push_back(&r);
      }
    }
    // Free slots = range size minus the used ones inside it (counted on the sorted set, not
    // by probing each of up to 4000 priorities).
    const int free_slots =
        size - int(std::distance(used.lower_bound(from), used.upper_bound(to)));
    if (int(todo.size()) > free_slots) {
      return MakeError(ErrorCode::kResourceExhausted,
                       std::string("Azure ") + net::DirectionName(dir) + " rules need " +
                           std::to_string(todo.size()) + " more priorities but only " +
                           std::to_string(free_slots) + " are free in " + std::to_string(from) +
                           "-" + std::to_string(to) + ". Options: widen the priority range",
                       "target.priority_from");
    }
    // Each rule's home slot is computed once, not in every comparison of the sort.
    struct Todo {
      net::FirewallRule* rule;
      int home;
    };
    std::vector<Todo> order;
    order.reserve(todo.size());
    for (auto* r : todo) {
      order.push_back(
          {r, from + int(std::stoull(HashHex(r->key, 8), nullptr, 16) % uint64_t(size))});
    }
    std::stable_sort(order.begin(), order.end(), [](const Todo& a, const Todo& b) {
      return a.home != b.home ? a.home < b.home : a.rule->key < b.rule->key;
    });
    for (const auto& [r, home] : order) {
      int p = home;
      while (used.count(p)) p = p == to ? from : p + 1;
      r->priority = p;
      used.insert(p);
    }
  }
  return c;
}

}  // namespace prov::rules::internal
