// Addresses, prefixes, transports and port ranges: the vocabulary shared by the catalog,
// the rule compiler and the cloud adapters. Parsing is strict (no host bits set unless
// asked to normalise, no leading zeros, ports 0..65535) and errors say why.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "provider/base/result.h"

namespace prov::net {

enum class Family { kIPv4, kIPv6 };

// An IPv4 or IPv6 prefix in canonical form (network address, compressed IPv6).
struct Cidr {
  Family family = Family::kIPv4;
  std::array<uint8_t, 16> addr{};  // IPv4 uses the first 4 bytes
  int prefix_len = 0;

  // Accepts "a.b.c.d/n", "a.b.c.d" (=/32), IPv6 forms likewise (/128).
  // strict=true rejects host bits set ("10.0.0.1/8"); false masks them off.
  static Result<Cidr> Parse(std::string_view text, bool strict = true);
  std::string ToString() const;  // always with /len
  bool Contains(const Cidr& other) const;
  bool operator==(const Cidr& o) const = default;
  bool operator<(const Cidr& o) const;
  // First and last address as 128-bit-ish values for IPv4 (host order u32).
  uint32_t V4First() const;
  uint32_t V4Last() const;
};

enum class Transport { kTcp, kUdp };
const char* TransportName(Transport t);  // "tcp" / "udp"
Result<Transport> ParseTransport(std::string_view s);  // case-insensitive tcp/udp

struct PortRange {
  uint16_t from = 0;
  uint16_t to = 0;
  static Result<PortRange> Parse(std::string_view text);  // "443", "20000-64999"
  std::string ToString() const;  // "443" or "20000-64999"
  uint32_t Count() const { return uint32_t(to) - uint32_t(from) + 1; }
  bool operator==(const PortRange& o) const = default;
  auto operator<=>(const PortRange& o) const = default;
};

// Sorts and merges overlapping or touching ranges (443 and 444-450 -> 443-450).
std::vector<PortRange> MergeRanges(std::vector<PortRange> ranges);

// Sorts, deduplicates, and drops prefixes contained in others; merges sibling prefixes
// into their parent when both halves are present.
std::vector<Cidr> CollapseCidrs(std::vector<Cidr> cidrs);

}  // namespace prov::net
