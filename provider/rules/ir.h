// The rule compiler's neutral intermediate representation and its first two stages.
//
//   Resolve:  catalog + selection -> Flows (one per row, port range and peer set), plus
//             the rows that cannot become L3/L4 rules (Unenforceable) and notes.
//   Optimise: Flows -> Groups: per (direction, family, local side) the remote prefixes that
//             need exactly the same ports, with ports merged (overlapping or touching ranges
//             joined), duplicates dropped, prefixes collapsed and ports already allowed by a
//             covering prefix removed. Provenance (which rows asked for a port range) is kept.
//
// The renderers (render.h) turn Groups into platform rules; they never optimise. Everything
// here is deterministic: output order depends only on the input values.
// Thread-safety: all functions are pure and may run concurrently.
#pragma once

#include <string>
#include <vector>

#include "provider/base/result.h"
#include "provider/catalog/model.h"
#include "provider/net/firewall_rule.h"
#include "provider/net/ip.h"
#include "provider/rules/compiler.h"

namespace prov::rules {

// Where a flow came from: one catalog row as selected.
struct RowRef {
  std::string service;  // service id the row belongs to
  std::string row;      // row id
  catalog::TrafficClass traffic_class = catalog::TrafficClass::kData;
};

// One resolved requirement: allow `transport`/`ports` between `local` and `remote`.
struct Flow {
  net::Direction direction = net::Direction::kEgress;
  net::Transport transport = net::Transport::kTcp;
  net::PortRange ports;
  std::vector<net::Cidr> remote;  // destinations for egress, sources for ingress
  std::vector<net::Cidr> local;   // the enterprise side when the row names it; empty = any
  int row = -1;                   // index into Resolved::rows
};

struct Resolved {
  std::vector<Flow> flows;
  std::vector<RowRef> rows;  // provenance table, in resolution order
  std::vector<Unenforceable> unenforceable;
  std::vector<std::string> notes;     // deduplicated, in resolution order
  std::vector<net::Cidr> supernets;   // the catalog's supernets, collapsed and sorted
};

// Stage 1. Errors: kInvalidArgument for an unknown service id, a parameter value that is
// not a CIDR (where = "sip_trunk_peers[i]"), or an include of an unknown service.
Result<Resolved> Resolve(const catalog::Catalog& catalog, const Selection& selection);

// A merged port range and the rows (indices into Resolved::rows, sorted) that asked for it.
struct RangeWithRows {
  net::PortRange range;
  std::vector<int> rows;
  bool operator==(const RangeWithRows& o) const = default;
};

struct TransportRanges {
  net::Transport transport = net::Transport::kTcp;
  std::vector<RangeWithRows> ranges;  // sorted, disjoint, not touching
};

// Remote prefixes that share exactly the same allowed ports.
struct Group {
  net::Direction direction = net::Direction::kEgress;
  net::Family family = net::Family::kIPv4;
  std::vector<net::Cidr> local;         // collapsed; empty = any
  std::vector<net::Cidr> remote;        // collapsed, sorted, never empty
  std::vector<TransportRanges> allowed; // sorted by transport, each non-empty
};

struct OptimiseOptions {
  // true: one group may carry TCP and UDP ports (GCP); false: one transport per group.
  bool group_protocols = false;
  // false: the platform cannot express the enterprise side; flows are merged ignoring it.
  bool keep_local = true;
};

// Stage 2. Never fails; an empty input gives no groups.
std::vector<Group> Optimise(const Resolved& resolved, const OptimiseOptions& options);

// Sorts, deduplicates, drops prefixes inside others and joins sibling halves; O(n log n).
// Same result as net::CollapseCidrs, which is quadratic and too slow for large catalogs.
std::vector<net::Cidr> CollapsePrefixes(std::vector<net::Cidr> cidrs);

// Ports in `a` that are not in `b` (both sorted and disjoint).
std::vector<net::PortRange> SubtractRanges(const std::vector<net::PortRange>& a,
                                           const std::vector<net::PortRange>& b);

}  // namespace prov::rules
