// Stage 2: platform-neutral optimisation. See ir.h for the contract.
#include <algorithm>
#include <array>
#include <map>
#include <tuple>

#include "provider/rules/ir.h"

namespace prov::rules {
namespace {

int FamilyBytes(net::Family f) { return f == net::Family::kIPv4 ? 4 : 16; }

net::Cidr MaskTo(net::Cidr c, int len) {
  int bytes = FamilyBytes(c.family);
  for (int i = 0; i < bytes; ++i) {
    int bits = len - i * 8;
    if (bits >= 8) continue;
    c.addr[i] &= bits <= 0 ? 0 : uint8_t(0xFF << (8 - bits));
  }
  c.prefix_len = len;
  return c;
}

std::vector<net::PortRange> Plain(const std::vector<RangeWithRows>& v) {
  std::vector<net::PortRange> out;
  out.reserve(v.size());
  for (const auto& x : v) out.push_back(x.range);
  return out;
}

std::vector<RangeWithRows> SubtractWithRows(const std::vector<RangeWithRows>& a,
                                            const std::vector<net::PortRange>& b) {
  std::vector<RangeWithRows> out;
  for (const auto& x : a) {
    for (const auto& piece : SubtractRanges({x.range}, b)) out.push_back({piece, x.rows});
  }
  return out;
}

// Flows sharing direction, family and local side are optimised together.
struct Scope {
  net::Direction direction;
  net::Family family;
  std::vector<net::Cidr> local;
  bool operator<(const Scope& o) const {
    return std::tie(direction, family, local) < std::tie(o.direction, o.family, o.local);
  }
};

using Signature = std::vector<std::pair<int, std::vector<net::PortRange>>>;

}  // namespace

std::vector<net::PortRange> SubtractRanges(const std::vector<net::PortRange>& a,
                                           const std::vector<net::PortRange>& b) {
  std::vector<net::PortRange> out;
  size_t j = 0;
  for (const auto& r : a) {
    uint32_t from = r.from;
    const uint32_t to = r.to;
    while (j < b.size() && b[j].to < from) ++j;
    size_t k = j;
    while (from <= to && k < b.size() && b[k].from <= to) {
      if (b[k].from > from) out.push_back({uint16_t(from), uint16_t(b[k].from - 1)});
      from = uint32_t(b[k].to) + 1;
      ++k;
    }
    if (from <= to) out.push_back({uint16_t(from), uint16_t(to)});
  }
  return out;
}

std::vector<net::Cidr> CollapsePrefixes(std::vector<net::Cidr> cidrs) {
  std::sort(cidrs.begin(), cidrs.end());
  cidrs.erase(std::unique(cidrs.begin(), cidrs.end()), cidrs.end());
  std::vector<net::Cidr> st;
  st.reserve(cidrs.size());
  for (const auto& c : cidrs) {
    if (!st.empty() && st.back().Contains(c)) continue;
    st.push_back(c);
    while (st.size() >= 2) {
      const net::Cidr& a = st[st.size() - 2];
      const net::Cidr& b = st.back();
      if (a.family != b.family || a.prefix_len != b.prefix_len || a.prefix_len == 0) break;
      net::Cidr pa = MaskTo(a, a.prefix_len - 1);
      if (!(pa == MaskTo(b, b.prefix_len - 1))) break;
      st.pop_back();
      st.back() = pa;
    }
  }
  return st;
}

std::vector<Group> Optimise(const Resolved& resolved, const OptimiseOptions& options) {
  // 1. Atomise: one atom per (scope, remote prefix, transport, port range, row). Flat
  //    vectors and one sort keep this O(n log n) with few allocations.
  std::vector<Scope> scopes;
  std::map<Scope, int> scope_index;
  auto scope_of = [&](net::Direction d, net::Family f, const std::vector<net::Cidr>& local) {
    Scope s{d, f, options.keep_local ? local : std::vector<net::Cidr>{}};
    auto [it, fresh] = scope_index.emplace(s, int(scopes.size()));
    if (fresh) scopes.push_back(std::move(s));
    return it->second;
  };
  struct Atom {
    int scope;
    int rank;         // the scope's position in value order (set once all scopes are known)
    uint64_t hi, lo;  // address bytes, big-endian, for cheap comparison
    // (len, transport, range.from, range.to) packed so one comparison orders them all.
    uint64_t tail;
    int len;
    int transport;
    net::PortRange range;
    int row;
    const net::Cidr* cidr;
  };
  std::vector<Atom> atoms;
  size_t total = 0;
  for (const auto& f : resolved.flows) total += f.remote.size();
  atoms.reserve(total);
  for (const auto& f : resolved.flows) {
    int scope_by_family[2] = {-1, -1};
    for (const auto& c : f.remote) {
      int& si = scope_by_family[int(c.family)];
      if (si < 0) si = scope_of(f.direction, c.family, f.local);
      uint64_t hi = 0, lo = 0;
      for (int i = 0; i < 8; ++i) hi = (hi << 8) | c.addr[i];
      for (int i = 8; i < 16; ++i) lo = (lo << 8) | c.addr[i];
      const uint64_t tail = (uint64_t(c.prefix_len) << 40) | (uint64_t(f.transport) << 32) |
                            (uint64_t(f.ports.from) << 16) | uint64_t(f.ports.to);
      atoms.push_back({si, 0, hi, lo, tail, c.prefix_len, int(f.transport), f.ports, f.row, &c});
    }
  }
  // Scopes sorted by value so the output order does not depend on flow order.
  std::vector<int> scope_rank(scopes.size());
  {
    int r = 0;
    for (const auto& [s, idx] : scope_index) scope_rank[idx] = r++;
  }
  for (auto& a : atoms) a.rank = scope_rank[a.scope];
  std::sort(atoms.begin(), atoms.end(), [](const Atom& a, const Atom& b) {
    if (a.rank != b.rank) return a.rank < b.rank;
    if (a.hi != b.hi) return a.hi < b.hi;
    if (a.lo != b.lo) return a.lo < b.lo;
    if (a.tail != b.tail) return a.tail < b.tail;
    return a.row < b.row;
  });

  struct Entry {
    net::Cidr cidr;
    std::array<std::vector<RangeWithRows>, 2> merged;
  };
  std::vector<Group> out;
  size_t i = 0;
  while (i < atoms.size()) {
    const int scope = atoms[i].scope;
    // 2. Merge each prefix's ports (atoms of one prefix are adjacent and sorted).
    std::vector<Entry> entries;
    {
      // One entry per distinct prefix of the scope: reserve for the scope's atoms so the
      // entries (two vectors each) are never moved by growth.
      size_t end = i;
      while (end < atoms.size() && atoms[end].scope == scope) ++end;
      entries.reserve(end - i);
    }
    while (i < atoms.size() && atoms[i].scope == scope) {
      Entry e{*atoms[i].cidr, {}};
      const uint64_t hi = atoms[i].hi, lo = atoms[i].lo;
      const int len = atoms[i].len;
      while (i < atoms.size() && atoms[i].scope == scope && atoms[i].hi == hi &&
             atoms[i].lo == lo && atoms[i].len == len) {
        auto& v = e.merged[atoms[i].transport];
        const auto& r = atoms[i].range;
        if (!v.empty() && uint32_t(r.from) <= uint32_t(v.back().range.to) + 1) {
          v.back().range.to = std::max(v.back().range.to, r.to);
          if (v.back().rows.back() != atoms[i].row) v.back().rows.push_back(atoms[i].row);
        } else {
          v.push_back({r, {atoms[i].row}});
        }
        ++i;
      }
      for (auto& v : e.merged) {
        for (auto& x : v) {
          std::sort(x.rows.begin(), x.rows.end());
          x.rows.erase(std::unique(x.rows.begin(), x.rows.end()), x.rows.end());
        }
      }
      entries.push_back(std::move(e));
    }
    // 3. Drop ports a covering prefix already allows (union semantics: still allowed).
    //    In (address, length) order the covering prefixes of an entry form a stack.
    std::vector<const Entry*> stack;
    // Most entries have no covering ancestor: they point at their own ranges instead of
    // copying them; only entries that lose ports to an ancestor get an owned copy.
    using PerTransport = std::array<std::vector<RangeWithRows>, 2>;
    std::vector<PerTransport> owned;
    owned.reserve(entries.size());  // stable addresses for the pointers below
    std::vector<std::pair<const net::Cidr*, const PerTransport*>> reduced;
    reduced.reserve(entries.size());
    for (const auto& e : entries) {
      while (!stack.empty() && !stack.back()->cidr.Contains(e.cidr)) stack.pop_back();
      const PerTransport* r = &e.merged;
      if (!stack.empty()) {
        PerTransport& copy = owned.emplace_back(e.merged);
        for (const Entry* anc : stack) {
          for (int t = 0; t < 2; ++t) {
            if (!copy[t].empty() && !anc->merged[t].empty()) copy[t] = SubtractWithRows(copy[t], Plain(anc->merged[t]));
          }
        }
        r = &copy;
      }
      stack.push_back(&e);
      if (!(*r)[0].empty() || !(*r)[1].empty()) reduced.push_back({&e.cidr, r});
    }
    // 4. Group prefixes by the exact ports they need.
    struct Acc {
      Signature sig;
      std::vector<net::Cidr> cidrs;
      std::vector<std::vector<std::vector<int>>> rows;  // [transport slot][range] -> rows
    };
    std::vector<Acc> accs;
    std::map<Signature, int> acc_index;
    // The signature is built in a reused scratch and looked up before anything is
    // inserted: most prefixes join an existing group, and map::emplace would build (and
    // then drop) a node holding a copy of the signature every time.
    Signature scratch;
    auto add = [&](const net::Cidr& c, int t0, int t1,
                   const std::array<std::vector<RangeWithRows>, 2>& per_t) {
      size_t n = 0;
      for (int t = t0; t <= t1; ++t) {
        if (per_t[t].empty()) continue;
        if (scratch.size() <= n) scratch.emplace_back();
        scratch[n].first = t;
        auto& plain = scratch[n].second;
        plain.clear();
        for (const auto& x : per_t[t]) plain.push_back(x.range);
        ++n;
      }
      if (n == 0) return;
      scratch.resize(n);
      auto it = acc_index.find(scratch);
      if (it == acc_index.end()) {
        it = acc_index.emplace(scratch, int(accs.size())).first;
        Acc a;
        a.rows.resize(scratch.size());
        for (size_t k = 0; k < scratch.size(); ++k) a.rows[k].resize(scratch[k].second.size());
        a.sig = scratch;
        accs.push_back(std::move(a));
      }
      Acc& acc = accs[it->second];
      acc.cidrs.push_back(c);
      for (size_t k = 0; k < acc.sig.size(); ++k) {
        const auto& rs = per_t[acc.sig[k].first];
        for (size_t j = 0; j < rs.size(); ++j) {
          auto& dst = acc.rows[k][j];
          dst.insert(dst.end(), rs[j].rows.begin(), rs[j].rows.end());
        }
      }
    };
    for (const auto& [c, per_t] : reduced) {
      if (options.group_protocols) {
        add(*c, 0, 1, *per_t);
      } else {
        add(*c, 0, 0, *per_t);
        add(*c, 1, 1, *per_t);
      }
    }
    // 5. Collapse each group's prefixes (siblings with equal ports join). Groups come out
    //    in signature order.
    const Scope& sc = scopes[scope];
    for (const auto& [sig, idx] : acc_index) {
      Acc& acc = accs[idx];
      Group g;
      g.direction = sc.direction;
      g.family = sc.family;
      g.local = sc.local;
      g.remote = CollapsePrefixes(std::move(acc.cidrs));
      for (size_t k = 0; k < sig.size(); ++k) {
        TransportRanges tr;
        tr.transport = net::Transport(sig[k].first);
        for (size_t j = 0; j < sig[k].second.size(); ++j) {
          auto rows = std::move(acc.rows[k][j]);
          std::sort(rows.begin(), rows.end());
          rows.erase(std::unique(rows.begin(), rows.end()), rows.end());
          tr.ranges.push_back({sig[k].second[j], std::move(rows)});
        }
        g.allowed.push_back(std::move(tr));
      }
      out.push_back(std::move(g));
    }
  }
  return out;
}

}  // namespace prov::rules
