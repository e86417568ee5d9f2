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

using RawPorts = std::vector<std::pair<net::PortRange, int>>;

// Joins overlapping or touching ranges, keeping the union of the rows that asked.
std::vector<RangeWithRows> MergeWithRows(RawPorts raw) {
  std::sort(raw.begin(), raw.end());
  std::vector<RangeWithRows> out;
  for (const auto& [r, row] : raw) {
    if (!out.empty() && uint32_t(r.from) <= uint32_t(out.back().range.to) + 1) {
      out.back().range.to = std::max(out.back().range.to, r.to);
      out.back().rows.push_back(row);
    } else {
      out.push_back({r, {row}});
    }
  }
  for (auto& x : out) {
    std::sort(x.rows.begin(), x.rows.end());
    x.rows.erase(std::unique(x.rows.begin(), x.rows.end()), x.rows.end());
  }
  return out;
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

using PerCidr = std::map<net::Cidr, std::array<std::vector<RangeWithRows>, 2>>;
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
  // 1. Atomise: per scope and remote prefix, every (port range, row) asked for.
  std::map<Scope, std::map<net::Cidr, std::array<RawPorts, 2>>> raw;
  for (const auto& f : resolved.flows) {
    std::vector<net::Cidr> local = options.keep_local ? f.local : std::vector<net::Cidr>{};
    for (const auto& c : f.remote) {
      Scope s{f.direction, c.family, local};
      raw[s][c][int(f.transport)].push_back({f.ports, f.row});
    }
  }
  std::vector<Group> out;
  for (auto& [scope, cidrs] : raw) {
    // 2. Merge each prefix's ports.
    PerCidr merged;
    for (auto& [c, per_t] : cidrs) {
      auto& m = merged[c];
      for (int t = 0; t < 2; ++t) m[t] = MergeWithRows(std::move(per_t[t]));
    }
    // 3. Drop ports a covering prefix already allows (union semantics: still allowed).
    PerCidr reduced;
    for (const auto& [c, per_t] : merged) {
      auto r = per_t;
      for (int len = c.prefix_len - 1; len >= 0; --len) {
        auto it = merged.find(MaskTo(c, len));
        if (it == merged.end()) continue;
        for (int t = 0; t < 2; ++t) r[t] = SubtractWithRows(r[t], Plain(it->second[t]));
      }
      if (!r[0].empty() || !r[1].empty()) reduced.emplace(c, std::move(r));
    }
    // 4. Group prefixes by the exact ports they need.
    struct Acc {
      std::vector<net::Cidr> cidrs;
      std::vector<std::vector<std::vector<int>>> rows;  // [transport slot][range] -> rows
    };
    std::map<Signature, Acc> groups;
    auto add = [&](const net::Cidr& c, const std::vector<int>& ts,
                   const std::array<std::vector<RangeWithRows>, 2>& per_t) {
      Signature sig;
      for (int t : ts) {
        if (!per_t[t].empty()) sig.push_back({t, Plain(per_t[t])});
      }
      if (sig.empty()) return;
      Acc& acc = groups[sig];
      if (acc.rows.empty()) {
        acc.rows.resize(sig.size());
        for (size_t i = 0; i < sig.size(); ++i) acc.rows[i].resize(sig[i].second.size());
      }
      acc.cidrs.push_back(c);
      for (size_t i = 0; i < sig.size(); ++i) {
        const auto& rs = per_t[sig[i].first];
        for (size_t k = 0; k < rs.size(); ++k) {
          auto& dst = acc.rows[i][k];
          dst.insert(dst.end(), rs[k].rows.begin(), rs[k].rows.end());
        }
      }
    };
    for (const auto& [c, per_t] : reduced) {
      if (options.group_protocols) {
        add(c, {0, 1}, per_t);
      } else {
        add(c, {0}, per_t);
        add(c, {1}, per_t);
      }
    }
    // 5. Collapse each group's prefixes (siblings with equal ports join).
    for (auto& [sig, acc] : groups) {
      Group g;
      g.direction = scope.direction;
      g.family = scope.family;
      g.local = scope.local;
      g.remote = CollapsePrefixes(std::move(acc.cidrs));
      for (size_t i = 0; i < sig.size(); ++i) {
        TransportRanges tr;
        tr.transport = net::Transport(sig[i].first);
        for (size_t k = 0; k < sig[i].second.size(); ++k) {
          auto rows = std::move(acc.rows[i][k]);
          std::sort(rows.begin(), rows.end());
          rows.erase(std::unique(rows.begin(), rows.end()), rows.end());
          tr.ranges.push_back({sig[i].second[k], std::move(rows)});
        }
        g.allowed.push_back(std::move(tr));
      }
      out.push_back(std::move(g));
    }
  }
  return out;
}

}  // namespace prov::rules
