// AWS security groups: one rule per (direction, transport, port range, peer), where a peer
// is a CIDR or a prefix-list reference. Quota: rules per direction and address family per
// group; a prefix-list reference weighs its MaxEntries.
#include <algorithm>
#include <map>
#include <string_view>

#include "provider/rules/render.h"

namespace prov::rules::internal {
namespace {

constexpr int kAwsMaxQuota = 1000;

struct Unit {
  net::Direction direction;
  net::Family family;
  net::Transport transport;
  std::vector<net::Cidr> cidrs;   // peers written as CIDRs
  bool prefix_list = false;       // plus one prefix-list reference
  std::vector<RangeWithRows> ranges;
  std::vector<std::vector<net::PortRange>> extras;  // per range: ports opened by merging
  std::vector<std::string> merged_from;             // per range: "5090 and 5096-5097"
  int Weight(int pl_weight) const { return int(cidrs.size()) + (prefix_list ? pl_weight : 0); }
};

struct Bucket {
  net::Direction direction;
  net::Family family;
  bool operator<(const Bucket& o) const {
    return std::tie(direction, family) < std::tie(o.direction, o.family);
  }
};

std::string BucketName(const Bucket& b) {
  return std::string(net::DirectionName(b.direction)) +
         (b.family == net::Family::kIPv4 ? " IPv4" : " IPv6");
}

std::string RuleKey(const Unit& u, const net::PortRange& r, const std::string& peer) {
  // Appended in place: the operator+ chain made a temporary per piece.
  const std::string_view dir = net::DirectionName(u.direction);
  const std::string_view transport = net::TransportName(u.transport);
  const std::string ports = r.ToString();
  std::string key;
  key.reserve(dir.size() + transport.size() + ports.size() + peer.size() + 3);
  key += dir;
  key += ' ';
  key += transport;
  key += '/';
  key += ports;
  key += ' ';
  key += peer;
  return key;
}

// One rule to be, before it is built: enough to sort, weigh and place it. Building the
// FirewallRules only after sorting and placing keeps them out of the sort and out of the
// packing probe, and lets each be built once, in its final position.
struct Placed {
  std::string key;
  const Unit* unit = nullptr;
  size_t range_index = 0;
  size_t peer_offset = 0;  // where the peer text starts in `key`
  bool prefix_list = false;
  int weight = 1;
  int group_index = 0;
  size_t shared = 0;  // index of the range's shared provenance
};

// Description, services and rows of one (unit, range): every peer of a range shares them.
struct Shared {
  std::string description;
  std::vector<std::string> services, rows;
  size_t uses = 0;  // rules still to build from it; the last one takes it by move
};

class AwsRenderer {
 public:
  AwsRenderer(const Resolved& r, const TargetOptions& t) : res_(r), t_(t) {}

  Result<Compiled> Run(std::vector<Group> groups) {
    const PlatformProfile& prof = ProfileFor(Platform::kAws);
    if (t_.groups < 1 || t_.groups > prof.max_groups) {
      return MakeError(ErrorCode::kInvalidArgument,
                       "groups must be between 1 and " + std::to_string(prof.max_groups),
                       "target.groups");
    }
    if (t_.rule_quota < 0 || t_.rule_quota > kAwsMaxQuota) {
      return MakeError(ErrorCode::kInvalidArgument,
                       "rule_quota must be between 0 (default 60) and 1000", "target.rule_quota");
    }
    if (t_.rule_budget < 0) {
      return MakeError(ErrorCode::kInvalidArgument, "rule_budget must not be negative",
                       "target.rule_budget");
    }
    quota_ = t_.rule_quota > 0 ? t_.rule_quota : prof.max_rules_per_group;
    limit_ = t_.rule_budget > 0 ? std::min(t_.rule_budget, quota_) : quota_;
    for (const auto& s : res_.supernets) {
      if (s.family == net::Family::kIPv4) v4_supernets_.push_back(s);
    }
    pl_weight_ = t_.prefix_list_max_entries > 0 ? t_.prefix_list_max_entries
                                                : int(v4_supernets_.size());
    if (t_.prefix_list && t_.prefix_list_max_entries > 0 &&
        t_.prefix_list_max_entries < int(v4_supernets_.size())) {
      return MakeError(ErrorCode::kInvalidArgument,
                       "prefix_list_max_entries " + std::to_string(t_.prefix_list_max_entries) +
                           " is below the " + std::to_string(v4_supernets_.size()) +
                           " supernets the list must hold",
                       "target.prefix_list_max_entries");
    }
    BuildUnits(groups);

    Compiled c;
    std::map<Bucket, int> counts = Counts();
    for (const auto& [b, n] : counts) c.rules_needed += n;
    int default_quota = prof.max_rules_per_group;
    bool fits_one = std::all_of(counts.begin(), counts.end(),
                                [&](const auto& kv) { return kv.second <= Cap(kv.first, 0); });
    if (fits_one) {
      bool raised = std::any_of(counts.begin(), counts.end(),
                                [&](const auto& kv) { return kv.second > default_quota; });
      c.strategy = t_.prefix_list ? "prefix-list" : raised ? "raised-quota" : "single-group";
      if (raised) c.notes.push_back("fits the declared rule_quota of " + std::to_string(quota_));
      return Emit(std::move(c), 1);
    }
    if (t_.groups > 1 && Packs(t_.groups)) {
      c.strategy = "spread";
      return Emit(std::move(c), t_.groups);
    }
    // Budgeted merging: join the nearest port ranges until everything fits. Merging opens
    // ports the catalog does not ask for, so it happens only when the user declared a
    // rule_budget (their consent); otherwise the plan fails and lists the options.
    std::map<Bucket, int> unmerged = counts;
    if (t_.rule_budget == 0) return Exhausted(unmerged, groups, /*merging_tried=*/false);
    // Merging cannot go below one range per unit: fail fast when even that is too much.
    std::map<Bucket, int> floor;
    for (const auto& u : units_) floor[{u.direction, u.family}] += u.Weight(pl_weight_);
    for (const auto& [b, n] : floor) {
      if (n > TotalCap(b, t_.groups)) return Exhausted(unmerged, groups, true);
    }
    while (!Packs(t_.groups)) {
      if (!MergeOnce()) return Exhausted(unmerged, groups, true);
    }
    c.strategy = "merged";
    return Emit(std::move(c), t_.groups);
  }

 private:
  // Copies what the units need; `groups` stays intact for Exhausted()'s probe.
  void BuildUnits(const std::vector<Group>& groups) {
    for (const auto& g : groups) {
      for (const auto& tr : g.allowed) {
        Unit u;
        u.direction = g.direction;
        u.family = g.family;
        u.transport = tr.transport;
        u.cidrs = g.remote;
        if (t_.prefix_list && g.family == net::Family::kIPv4 && !v4_supernets_.empty() &&
            std::includes(g.remote.begin(), g.remote.end(), v4_supernets_.begin(),
                          v4_supernets_.end())) {
          u.prefix_list = true;
          std::vector<net::Cidr> rest;
          std::set_difference(g.remote.begin(), g.remote.end(), v4_supernets_.begin(),
                              v4_supernets_.end(), std::back_inserter(rest));
          u.cidrs = std::move(rest);
        }
        u.ranges = tr.ranges;
        u.extras.resize(u.ranges.size());
        u.merged_from.resize(u.ranges.size());
        units_.push_back(std::move(u));
      }
    }
  }

  std::map<Bucket, int> Counts() const {
    std::map<Bucket, int> m;
    for (const auto& u : units_) {
      m[{u.direction, u.family}] += int(u.ranges.size()) * u.Weight(pl_weight_);
    }
    return m;
  }

  std::string PlPeer() const {
    return t_.prefix_list_id.empty() ? "supernets-prefix-list" : t_.prefix_list_id;
  }

  std::vector<Placed> Rules() const {
    std::vector<Placed> out;
    size_t total = 0;
    for (const auto& u : units_) total += u.ranges.size() * (u.cidrs.size() + (u.prefix_list ? 1 : 0));
    out.reserve(total);
    const std::string pl_peer = PlPeer();
    size_t shared = 0;
    for (const auto& u : units_) {
      // A unit's peers are the same for each of its ranges: format them once.
      const std::vector<std::string> cidr_texts = CidrStrings(u.cidrs);
      for (size_t i = 0; i < u.ranges.size(); ++i, ++shared) {
        const std::string key_prefix = RuleKey(u, u.ranges[i].range, "");
        auto add = [&](const std::string& peer, bool pl, int weight) {
          Placed& p = out.emplace_back();
          p.key.reserve(key_prefix.size() + peer.size());
          p.key = key_prefix;
          p.key += peer;
          p.unit = &u;
          p.range_index = i;
          p.peer_offset = key_prefix.size();
          p.prefix_list = pl;
          p.weight = weight;
          p.shared = shared;
        };
        for (const auto& text : cidr_texts) add(text, false, 1);
        if (u.prefix_list) add(pl_peer, true, pl_weight_);
      }
    }
    std::sort(out.begin(), out.end(),
              [](const Placed& a, const Placed& b) { return a.key < b.key; });
    return out;
  }

  // Fills groups in key order per bucket; false when `groups` are not enough.
  // Places rules into groups. Each rule prefers the group its key hashes to, so adding or
  // removing one rule does not shift the others between groups (a shift would show as a
  // delete plus a create in the plan); a rule whose preferred group is full takes the first
  // group with room. One group: everything in group 0.
  bool Assign(std::vector<Placed>& rules, int groups) const {
    // Weight used per (bucket, group), flat: 2 directions x 2 families x `groups`.
    std::vector<int> used_flat(size_t(4) * size_t(std::max(groups, 1)), 0);
    auto used = [&](const Bucket& b, int g) -> int& {
      return used_flat[size_t((int(b.direction) * 2 + int(b.family)) * std::max(groups, 1) + g)];
    };
    std::vector<Placed*> deferred;
    for (auto& p : rules) {
      Bucket b{p.unit->direction, p.unit->family};
      int g = groups <= 1 ? 0 : int(StableHash(p.key) % uint64_t(groups));
      if (used(b, g) + p.weight <= Cap(b, g)) {
        used(b, g) += p.weight;
        p.group_index = g;
      } else {
        deferred.push_back(&p);
      }
    }
    for (Placed* p : deferred) {
      Bucket b{p->unit->direction, p->unit->family};
      bool placed = false;
      for (int g = 0; g < groups && !placed; ++g) {
        if (used(b, g) + p->weight <= Cap(b, g)) {
          used(b, g) += p->weight;
          p->group_index = g;
          placed = true;
        }
      }
      if (!placed) return false;
    }
    return true;
  }

  static uint64_t StableHash(const std::string& s) {  // FNV-1a, identical on every platform
    uint64_t h = 1469598103934665603ull;
    for (unsigned char c : s) {
      h ^= c;
      h *= 1099511628211ull;
    }
    // Final avalanche (MurmurHash3 fmix64): FNV's low bits follow the last characters
    // too closely, and keys differ mostly at the end ("/20", "/21", "/22").
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ull;
    h ^= h >> 33;
    return h;
  }

  bool Packs(int groups) const {
    // Cheap necessary condition first; packing only when it could work.
    for (const auto& [b, n] : Counts()) {
      if (n > TotalCap(b, groups)) return false;
    }
    // With unit weights, first-fit placement fits exactly when the counts do.
    bool weighted = pl_weight_ > 1 && std::any_of(units_.begin(), units_.end(),
                                                  [](const Unit& u) { return u.prefix_list; });
    if (!weighted) return true;
    auto rules = Rules();
    return Assign(rules, groups);
  }

  // Merges the closest pair of ranges in an over-full bucket. False when nothing is left.
  bool MergeOnce() {
    std::map<Bucket, int> counts = Counts();
    Unit* best = nullptr;
    size_t best_i = 0;
    long best_gap = -1;
    int best_w = 0;
    bool any_over = false;
    for (const auto& [b, n] : counts) any_over |= n > TotalCap(b, t_.groups);
    for (auto& u : units_) {
      // Merge only where the budget is exceeded; when every bucket fits in total but not
      // in whole rules per group, any bucket may give.
      if (any_over && counts[{u.direction, u.family}] <= TotalCap({u.direction, u.family}, t_.groups)) continue;
      for (size_t i = 0; i + 1 < u.ranges.size(); ++i) {
        long gap = long(u.ranges[i + 1].range.from) - long(u.ranges[i].range.to) - 1;
        int w = u.Weight(pl_weight_);
        if (best == nullptr || gap < best_gap || (gap == best_gap && w > best_w)) {
          best = &u;
          best_i = i;
          best_gap = gap;
          best_w = w;
        }
      }
    }
    if (best == nullptr) return false;
    auto& a = best->ranges[best_i];
    auto& b = best->ranges[best_i + 1];
    std::string from_a = best->merged_from[best_i].empty() ? a.range.ToString()
                                                           : best->merged_from[best_i];
    std::string from_b = best->merged_from[best_i + 1].empty() ? b.range.ToString()
                                                               : best->merged_from[best_i + 1];
    std::vector<net::PortRange> extras = best->extras[best_i];
    extras.push_back({uint16_t(a.range.to + 1), uint16_t(b.range.from - 1)});
    extras.insert(extras.end(), best->extras[best_i + 1].begin(), best->extras[best_i + 1].end());
    a.range.to = b.range.to;
    a.rows.insert(a.rows.end(), b.rows.begin(), b.rows.end());
    std::sort(a.rows.begin(), a.rows.end());
    a.rows.erase(std::unique(a.rows.begin(), a.rows.end()), a.rows.end());
    best->extras[best_i] = std::move(extras);
    best->merged_from[best_i] = from_a + " and " + from_b;
    best->ranges.erase(best->ranges.begin() + best_i + 1);
    best->extras.erase(best->extras.begin() + best_i + 1);
    best->merged_from.erase(best->merged_from.begin() + best_i + 1);
    return true;
  }

  Result<Compiled> Emit(Compiled c, int groups) {
    auto placed = Rules();
    if (!Assign(placed, groups)) {
      return MakeError(ErrorCode::kInternal, "AWS rule packing failed after it was checked");
    }
    // Provenance per (unit, range), built once and shared by the range's peers.
    std::vector<Shared> shared;
    for (const auto& u : units_) {
      for (const auto& r : u.ranges) {
        Shared& sh = shared.emplace_back();
        sh.description = Describe(res_, r.rows, PortsText(u.transport, {r.range}), 255);
        sh.services = ServicesOf(res_, r.rows);
        sh.rows = RowIdsOf(res_, r.rows);
      }
    }
    for (const auto& p : placed) ++shared[p.shared].uses;
    int used_groups = 1;
    c.rules.reserve(placed.size());
    for (auto& p : placed) {
      used_groups = std::max(used_groups, p.group_index + 1);
      const Unit& u = *p.unit;
      Shared& sh = shared[p.shared];
      net::FirewallRule& rule = c.rules.emplace_back();
      if (p.prefix_list) {
        rule.remote_prefix_list.assign(p.key, p.peer_offset, std::string::npos);
      } else {
        rule.remote_cidrs.emplace_back(p.key, p.peer_offset, std::string::npos);
      }
      rule.key = std::move(p.key);
      rule.direction = u.direction;
      // Built in place: an initializer list would build temporaries and copy them.
      net::TransportPorts& tp = rule.allowed.emplace_back();
      tp.transport = u.transport;
      tp.ports.push_back(u.ranges[p.range_index].range);
      rule.group_index = p.group_index;
      if (--sh.uses == 0) {
        rule.description = std::move(sh.description);
        rule.services = std::move(sh.services);
        rule.rows = std::move(sh.rows);
      } else {
        rule.description = sh.description;
        rule.services = sh.services;
        rule.rows = sh.rows;
      }
      for (const auto& extra : u.extras[p.range_index]) {
        c.over_permission.push_back(
            {rule.key, u.transport, extra,
             "merged " + u.merged_from[p.range_index] + " to fit " + std::to_string(limit_) +
                 " rules per security group"});
      }
    }
    if (used_groups > 1) {
      c.notes.push_back("spread over " + std::to_string(used_groups) + " security groups");
    }
    if (!c.over_permission.empty()) {
      c.notes.push_back("merged port ranges to fit the rule budget; see over_permission");
    }
    if (t_.prefix_list) {
      c.notes.push_back("supernets referenced through prefix list " + PlPeer() +
                        " (weighs " + std::to_string(pl_weight_) + " rules per reference)");
    }
    return c;
  }

  Error Exhausted(const std::map<Bucket, int>& unmerged, const std::vector<Group>& groups,
                  bool merging_tried) const {
    std::string worst;
    int worst_n = 0;
    Bucket worst_b{net::Direction::kEgress, net::Family::kIPv4};
    for (const auto& [b, n] : unmerged) {
      if (n > worst_n) {
        worst_n = n;
        worst = BucketName(b);
        worst_b = b;
      }
    }
    int capacity = TotalCap(worst_b, t_.groups);
    int foreign = limit_ * t_.groups - capacity;
    std::string msg = "AWS " + worst + " needs " + std::to_string(worst_n) +
                      " rules but " + std::to_string(t_.groups) + " security group(s) x " +
                      std::to_string(limit_) + " rules allow " + std::to_string(capacity) +
                      (foreign > 0 ? " (after " + std::to_string(foreign) +
                                         " rules others already have there, such as the default "
                                         "allow-all egress rule)"
                                   : std::string()) +
                      (merging_tried ? ", even after merging port ranges" : "") +
                      ". Options that would fit:";
    std::vector<std::string> options;
    if (!t_.prefix_list && !v4_supernets_.empty()) {
      TargetOptions alt = t_;
      alt.prefix_list = true;
      AwsRenderer probe(res_, alt);
      probe.pl_weight_ = int(v4_supernets_.size());
      probe.v4_supernets_ = v4_supernets_;
      probe.BuildUnits(groups);
      int with_pl = 0;
      for (const auto& [b, n] : probe.Counts()) with_pl = std::max(with_pl, n);
      if (with_pl <= capacity) {
        options.push_back("reference the supernets through a prefix list (use_prefix_list = true): " +
                          std::to_string(with_pl) + " weighted rules");
      }
    }
    options.push_back("select fewer services");
    int q = (worst_n + t_.groups - 1) / t_.groups;
    if (q <= kAwsMaxQuota) {
      options.push_back("a larger rule_quota (at least " + std::to_string(q) +
                        " rules per direction, after raising the AWS quota)");
    }
    int g = (worst_n + limit_ - 1) / limit_;
    if (g <= ProfileFor(Platform::kAws).max_groups) {
      options.push_back(t_.groups_from_ids
                            ? "more security groups (" + std::to_string(g) + " ids in group_ids)"
                            : "more security groups (groups = " + std::to_string(g) + ")");
    }
    if (!merging_tried) {
      options.push_back("a rule_budget (e.g. " + std::to_string(limit_) +
                        "): the nearest port ranges are merged to fit, opening extra ports that "
                        "are reported in over_permission");
    }
    for (const auto& o : options) msg += "\n  - " + o;
    Error e = MakeError(ErrorCode::kResourceExhausted, msg, "target");
    return e;
  }

  const Resolved& res_;
  const TargetOptions& t_;
  // Room for our rules in one group: the budget, and never more than the quota minus the
  // rules others already have there.
  int Cap(const Bucket& b, int g) const {
    int foreign = 0;
    if (g < int(t_.foreign_usage.size())) {
      const auto& u = t_.foreign_usage[g];
      bool v6 = b.family == net::Family::kIPv6;
      foreign = b.direction == net::Direction::kEgress ? (v6 ? u.egress_v6 : u.egress_v4)
                                                        : (v6 ? u.ingress_v6 : u.ingress_v4);
    }
    return std::max(0, std::min(limit_, quota_ - foreign));
  }
  int TotalCap(const Bucket& b, int groups) const {
    int total = 0;
    for (int g = 0; g < groups; ++g) total += Cap(b, g);
    return total;
  }

  int quota_ = 60, limit_ = 60, pl_weight_ = 0;
  std::vector<net::Cidr> v4_supernets_;
  std::vector<Unit> units_;
};

}  // namespace

Result<Compiled> RenderAws(const Resolved& resolved, std::vector<Group> groups,
                           const TargetOptions& target) {
  return AwsRenderer(resolved, target).Run(std::move(groups));
}

}  // namespace prov::rules::internal
