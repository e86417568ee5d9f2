// An independent checker for the rule compiler: it expands (a) what the catalog asks for,
// straight from the catalog model, and (b) what compiled rules allow, into sets of
// (direction, transport, local side, port, address) and compares them exactly. It shares
// no code with provider/rules/ beyond the public model types, so a bug in the compiler's
// resolve/optimise/render stages cannot hide itself here.
#pragma once

#include <algorithm>
#include <map>
#include <regex>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "provider/catalog/model.h"
#include "provider/net/ip.h"
#include "provider/rules/compiler.h"

namespace prov::rules::testing {

using U128 = unsigned __int128;

// Addresses of both families on one axis: IPv4 below 2^32 is ambiguous with IPv6 ::/96,
// so the family is part of the key instead.
struct Space {
  int direction;  // 0 egress, 1 ingress
  int transport;  // 0 tcp, 1 udp
  int family;     // 0 v4, 1 v6
  std::string local;  // canonical text of the local side ("" = any)
  bool operator<(const Space& o) const {
    return std::tie(direction, transport, family, local) <
           std::tie(o.direction, o.transport, o.family, o.local);
  }
  bool operator==(const Space& o) const = default;
};

struct Rect {
  uint32_t port_lo, port_hi;
  U128 addr_lo, addr_hi;
};

inline std::pair<U128, U128> AddrRange(const net::Cidr& c) {
  int bits = c.family == net::Family::kIPv4 ? 32 : 128;
  int bytes = bits / 8;
  U128 v = 0;
  for (int i = 0; i < bytes; ++i) v = (v << 8) | c.addr[i];
  int host = bits - c.prefix_len;
  U128 mask = host >= 128 ? ~U128(0) : ((U128(1) << host) - 1);
  return {v & ~mask, v | mask};
}

// A set of (port, address) points, kept as rectangles; Canonical() gives a unique form.
class PointSet {
 public:
  void Add(const Space& s, uint32_t plo, uint32_t phi, const net::Cidr& c) {
    auto [lo, hi] = AddrRange(c);
    rects_[s].push_back({plo, phi, lo, hi});
  }
  void AddAll(const PointSet& o) {
    for (const auto& [s, v] : o.rects_) rects_[s].insert(rects_[s].end(), v.begin(), v.end());
  }
  // Per space: list of (port segment, merged address intervals), adjacent equal segments
  // joined. Two PointSets hold the same points iff their canonical forms are equal.
  using Intervals = std::vector<std::pair<U128, U128>>;
  using Canon = std::map<Space, std::vector<std::tuple<uint32_t, uint32_t, Intervals>>>;
  Canon Canonical() const {
    Canon out;
    for (const auto& [s, rects] : rects_) {
      std::vector<uint32_t> cuts;
      for (const auto& r : rects) {
        cuts.push_back(r.port_lo);
        cuts.push_back(r.port_hi + 1);
      }
      std::sort(cuts.begin(), cuts.end());
      cuts.erase(std::unique(cuts.begin(), cuts.end()), cuts.end());
      auto& segs = out[s];
      for (size_t i = 0; i + 1 < cuts.size(); ++i) {
        uint32_t lo = cuts[i], hi = cuts[i + 1] - 1;
        Intervals iv;
        for (const auto& r : rects) {
          if (r.port_lo <= lo && r.port_hi >= hi) iv.push_back({r.addr_lo, r.addr_hi});
        }
        if (iv.empty()) continue;
        std::sort(iv.begin(), iv.end());
        Intervals merged;
        for (const auto& x : iv) {
          if (!merged.empty() && (merged.back().second == ~U128(0) || x.first <= merged.back().second + 1)) {
            merged.back().second = std::max(merged.back().second, x.second);
          } else {
            merged.push_back(x);
          }
        }
        if (!segs.empty() && std::get<1>(segs.back()) + 1 == lo && std::get<2>(segs.back()) == merged) {
          std::get<1>(segs.back()) = hi;
        } else {
          segs.emplace_back(lo, hi, std::move(merged));
        }
      }
      if (segs.empty()) out.erase(s);
    }
    return out;
  }
  bool Empty() const { return Canonical().empty(); }

 private:
  std::map<Space, std::vector<Rect>> rects_;
};

// The local side as a canonical address set (merged intervals), so that "10.0.0.0/32 +
// 10.0.0.1/32" and "10.0.0.0/31" compare equal.
inline std::string LocalKey(const std::vector<net::Cidr>& local) {
  std::vector<std::pair<std::pair<int, U128>, U128>> iv;
  for (const auto& c : local) {
    auto [lo, hi] = AddrRange(c);
    iv.push_back({{int(c.family), lo}, hi});
  }
  std::sort(iv.begin(), iv.end());
  std::vector<std::pair<std::pair<int, U128>, U128>> merged;
  for (const auto& x : iv) {
    if (!merged.empty() && merged.back().first.first == x.first.first &&
        merged.back().second != ~U128(0) && x.first.second <= merged.back().second + 1) {
      merged.back().second = std::max(merged.back().second, x.second);
    } else if (!merged.empty() && merged.back().first.first == x.first.first &&
               merged.back().second == ~U128(0)) {
      continue;
    } else {
      merged.push_back(x);
    }
  }
  auto hex = [](U128 v) {
    std::string s;
    for (int i = 0; i < 32; ++i) s += "0123456789abcdef"[int((v >> (124 - 4 * i)) & 0xF)];
    return s;
  };
  std::string s;
  for (const auto& m : merged) {
    s += std::to_string(m.first.first) + ":" + hex(m.first.second) + "-" + hex(m.second) + ",";
  }
  return s;
}

inline std::string CidrListText(std::vector<net::Cidr> v) {
  std::sort(v.begin(), v.end());
  std::string s;
  for (const auto& c : v) s += c.ToString() + ",";
  return s;
}

inline bool SameSet(const PointSet& a, const PointSet& b) { return a.Canonical() == b.Canonical(); }
inline bool Subset(const PointSet& a, const PointSet& b) {
  PointSet u = b;
  u.AddAll(a);
  return u.Canonical() == b.Canonical();
}

// What the catalog asks for under `sel`, as the spec describes it (checker's own reading).
inline PointSet Expected(const catalog::Catalog& cat, const Selection& sel, Platform p) {
  auto on = [&](const std::string& c) {
    return (c == "line_sharing" && sel.line_sharing) || (c == "tcp_fallback" && sel.tcp_fallback) ||
           (c == "ipv6_clients" && sel.ipv6_clients);
  };
  std::vector<net::Cidr> sip, sftp, supernets;
  for (const auto& s : sel.sip_trunk_peers) sip.push_back(*net::Cidr::Parse(s));
  for (const auto& s : sel.sftp_server_addresses) sftp.push_back(*net::Cidr::Parse(s));
  for (const auto& s : cat.supernets) supernets.push_back(s.cidr);
  std::set<std::string> chosen(sel.services.begin(), sel.services.end());
  if (chosen.empty()) for (const auto& s : cat.services) chosen.insert(s.id);
  bool grew = true;
  while (grew) {
    grew = false;
    for (const auto& s : cat.services) {
      if (!chosen.count(s.id)) continue;
      for (const auto& r : s.rows) {
        if (!r.include_service.empty() && chosen.insert(r.include_service).second) grew = true;
      }
    }
  }
  PointSet out;
  for (const auto& s : cat.services) {
    if (!chosen.count(s.id)) continue;
    for (const auto& r : s.rows) {
      if (!r.include_service.empty()) continue;
      if (!r.condition.empty() && !on(r.condition)) continue;
      const auto& d = r.destinations;
      if (!d.traverses_enterprise_network) continue;
      std::vector<net::Cidr> addrs, local;
      if (d.supernets || d.within_supernets) addrs = supernets;
      addrs.insert(addrs.end(), d.cidrs.begin(), d.cidrs.end());
      bool missing = false;
      for (const auto& prm : d.parameters) {
        if (!prm.wan) continue;
        if (prm.parameter == "sip_trunk_peers" && !sip.empty()) {
          addrs.insert(addrs.end(), sip.begin(), sip.end());
        } else if (prm.parameter == "sftp_server_addresses" && !sftp.empty()) {
          local = sftp;
        } else {
          missing = true;
        }
      }
      if (missing) continue;
      bool names_covered = (d.supernets && d.alternatives) || d.within_supernets;
      std::string lk = p == Platform::kAzure ? LocalKey(local) : "";
      for (const auto& ps : r.ports) {
        bool use = ps.qualifier == catalog::PortQualifier::kDefault ||
                   ps.qualifier == catalog::PortQualifier::kAlternative ||
                   (ps.qualifier == catalog::PortQualifier::kFallback && sel.tcp_fallback) ||
                   (ps.qualifier == catalog::PortQualifier::kConditional && on(ps.condition));
        if (!use) continue;
        if (!ps.applies_to_group.empty() && !names_covered) continue;
        for (const auto& a : addrs) {
          Space sp{r.direction == net::Direction::kEgress ? 0 : 1,
                   ps.transport == net::Transport::kTcp ? 0 : 1,
                   a.family == net::Family::kIPv4 ? 0 : 1, lk};
          out.Add(sp, ps.range.from, ps.range.to, a);
        }
      }
    }
  }
  return out;
}

inline std::vector<net::Cidr> Peers(const net::FirewallRule& r, const catalog::Catalog& cat) {
  std::vector<net::Cidr> v;
  for (const auto& s : r.remote_cidrs) v.push_back(*net::Cidr::Parse(s));
  if (!r.remote_prefix_list.empty()) {
    for (const auto& s : cat.supernets) {
      if (s.cidr.family == net::Family::kIPv4) v.push_back(s.cidr);
    }
  }
  return v;
}

inline std::string RuleLocalKey(const net::FirewallRule& r) {
  std::vector<net::Cidr> l;
  for (const auto& s : r.local_cidrs) l.push_back(*net::Cidr::Parse(s));
  return LocalKey(l);
}

// What the compiled rules allow.
inline PointSet Allowed(const Compiled& c, const catalog::Catalog& cat) {
  PointSet out;
  for (const auto& r : c.rules) {
    std::string lk = RuleLocalKey(r);
    for (const auto& a : Peers(r, cat)) {
      for (const auto& tp : r.allowed) {
        for (const auto& pr : tp.ports) {
          out.Add({r.direction == net::Direction::kEgress ? 0 : 1,
                   tp.transport == net::Transport::kTcp ? 0 : 1,
                   a.family == net::Family::kIPv4 ? 0 : 1, lk},
                  pr.from, pr.to, a);
        }
      }
    }
  }
  return out;
}

// What the compiler says it over-permits.
inline PointSet Reported(const Compiled& c, const catalog::Catalog& cat) {
  std::map<std::string, const net::FirewallRule*> by_key;
  for (const auto& r : c.rules) by_key[r.key] = &r;
  PointSet out;
  for (const auto& o : c.over_permission) {
    auto it = by_key.find(o.rule_key);
    if (it == by_key.end()) continue;
    const auto& r = *it->second;
    for (const auto& a : Peers(r, cat)) {
      out.Add({r.direction == net::Direction::kEgress ? 0 : 1,
               o.transport == net::Transport::kTcp ? 0 : 1,
               a.family == net::Family::kIPv4 ? 0 : 1, RuleLocalKey(r)},
              o.extra.from, o.extra.to, a);
    }
  }
  return out;
}

// Returns "" when the compiled rules allow exactly the expected set (plus, at most, what
// over_permission reports), else a description of the first problem.
inline std::string CheckCoverage(const catalog::Catalog& cat, const Selection& sel, Platform p,
                                 const Compiled& c) {
  PointSet want = Expected(cat, sel, p);
  PointSet got = Allowed(c, cat);
  if (!Subset(want, got)) return "compiled rules miss flows the catalog asks for";
  if (c.over_permission.empty()) {
    if (!SameSet(want, got)) return "compiled rules allow more than asked without reporting it";
    return "";
  }
  PointSet bound = want;
  bound.AddAll(Reported(c, cat));
  if (!Subset(got, bound)) return "compiled rules allow more than asked plus reported";
  for (const auto& o : c.over_permission) {
    bool found = false;
    for (const auto& r : c.rules) found |= r.key == o.rule_key;
    if (!found) return "over_permission names an unknown rule " + o.rule_key;
  }
  return "";
}

// Platform shape and limits. Returns "" or the first violation.
inline std::string CheckShape(const Compiled& c, const TargetOptions& t, size_t v4_supernets) {
  for (size_t i = 1; i < c.rules.size(); ++i) {
    if (!(c.rules[i - 1].key < c.rules[i].key)) return "keys not unique and sorted at " + c.rules[i].key;
  }
  for (const auto& r : c.rules) {
    if (r.allowed.empty()) return "rule without ports: " + r.key;
    for (const auto& tp : r.allowed) {
      if (tp.ports.empty()) return "empty port list: " + r.key;
    }
    if (r.remote_cidrs.empty() && r.remote_prefix_list.empty()) return "rule without peer: " + r.key;
    if (r.description.empty()) return "no description: " + r.key;
    if (r.rows.empty() || r.services.empty()) return "no provenance: " + r.key;
  }
  if (t.platform == Platform::kAws) {
    int quota = t.rule_quota > 0 ? t.rule_quota : 60;
    int limit = t.rule_budget > 0 ? std::min(t.rule_budget, quota) : quota;
    std::map<std::tuple<int, int, bool>, int> used;
    int plw = t.prefix_list_max_entries > 0 ? t.prefix_list_max_entries : int(v4_supernets);
    for (const auto& r : c.rules) {
      if (r.allowed.size() != 1 || r.allowed[0].ports.size() != 1) return "AWS rule with several ranges: " + r.key;
      if (r.remote_cidrs.size() + (r.remote_prefix_list.empty() ? 0 : 1) != 1) return "AWS rule with several peers: " + r.key;
      if (r.description.size() > 255) return "AWS description too long: " + r.key;
      if (r.group_index < 0 || r.group_index >= t.groups) return "AWS group index out of range: " + r.key;
      bool v6 = !r.remote_cidrs.empty() && r.remote_cidrs[0].find(':') != std::string::npos;
      used[{r.group_index, int(r.direction), v6}] += r.remote_prefix_list.empty() ? 1 : plw;
    }
    for (const auto& [k, n] : used) {
      if (n > limit) return "AWS group over its limit: " + std::to_string(n);
    }
  } else if (t.platform == Platform::kAzure) {
    static const std::regex kName("[A-Za-z0-9_]([A-Za-z0-9_.-]*[A-Za-z0-9_])?");
    int from = t.priority_from ? t.priority_from : 100, to = t.priority_to ? t.priority_to : 4096;
    std::set<std::pair<int, int>> prios;
    for (const auto& r : c.rules) {
      if (r.name != r.key || r.name.size() > 80 || !std::regex_match(r.name, kName)) return "bad Azure name " + r.name;
      if (r.description.size() > 140) return "Azure description too long: " + r.key;
      if (r.allowed.size() != 1) return "Azure rule with several protocols: " + r.key;
      if (r.priority < from || r.priority > to) return "Azure priority out of range: " + r.key;
      if (!prios.insert({int(r.direction), r.priority}).second) return "duplicate Azure priority: " + r.key;
      for (int p : t.taken_priorities) {
        if (p == r.priority) return "Azure priority taken by another rule: " + r.key;
      }
      for (int p : r.direction == net::Direction::kEgress ? t.taken_priorities_egress
                                                          : t.taken_priorities_ingress) {
        if (p == r.priority) return "Azure priority taken by another rule of its direction: " + r.key;
      }
    }
  } else {
    static const std::regex kName("[a-z]([-a-z0-9]*[a-z0-9])?");
    for (const auto& r : c.rules) {
      if (r.name != r.key || r.name.size() > 63 || !std::regex_match(r.name, kName)) return "bad GCP name " + r.name;
      if (r.description.size() > 2048) return "GCP description too long";
      if (!r.local_cidrs.empty()) return "GCP rule with a local side";
      bool v4 = false, v6 = false;
      for (const auto& s : r.remote_cidrs) (s.find(':') != std::string::npos ? v6 : v4) = true;
      if (v4 && v6) return "GCP rule mixes families: " + r.key;
    }
  }
  return "";
}

}  // namespace prov::rules::testing
