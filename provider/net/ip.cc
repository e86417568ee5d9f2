#include "provider/net/ip.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cstring>

namespace prov::net {
namespace {

Error Bad(std::string_view text, std::string why) {
  return MakeError(ErrorCode::kInvalidArgument, "invalid CIDR \"" + std::string(text) + "\": " + why);
}

void MaskHostBits(std::array<uint8_t, 16>& a, int bytes, int len) {
  for (int i = 0; i < bytes; ++i) {
    int bits = len - i * 8;
    if (bits >= 8) continue;
    if (bits <= 0) { a[i] = 0; continue; }
    a[i] &= uint8_t(0xFF << (8 - bits));
  }
}

bool HasHostBits(const std::array<uint8_t, 16>& a, int bytes, int len) {
  auto b = a;
  MaskHostBits(b, bytes, len);
  return b != a;
}

}  // namespace

Result<Cidr> Cidr::Parse(std::string_view text, bool strict) {
  std::string s(text);
  std::string addr = s, len_s;
  auto slash = s.find('/');
  if (slash != std::string::npos) {
    addr = s.substr(0, slash);
    len_s = s.substr(slash + 1);
  }
  Cidr c;
  int max_len;
  if (addr.find(':') != std::string::npos) {
    c.family = Family::kIPv6;
    in6_addr a6;
    if (inet_pton(AF_INET6, addr.c_str(), &a6) != 1) return Bad(text, "not an IPv6 address");
    std::memcpy(c.addr.data(), &a6, 16);
    max_len = 128;
  } else {
    c.family = Family::kIPv4;
    // inet_pton accepts only dotted-quad decimal without leading zeros on glibc? It
    // rejects octal forms but accepts "01"; check leading zeros ourselves.
    int parts = 0;
    size_t start = 0;
    while (true) {
      size_t dot = addr.find('.', start);
      std::string part = addr.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
      if (part.empty() || part.size() > 3 || !std::all_of(part.begin(), part.end(), ::isdigit))
        return Bad(text, "not an IPv4 address");
      if (part.size() > 1 && part[0] == '0') return Bad(text, "leading zero in an IPv4 octet");
      if (std::stoi(part) > 255) return Bad(text, "IPv4 octet above 255");
      ++parts;
      if (dot == std::string::npos) break;
      start = dot + 1;
    }
    if (parts != 4) return Bad(text, "an IPv4 address has four octets");
    in_addr a4;
    if (inet_pton(AF_INET, addr.c_str(), &a4) != 1) return Bad(text, "not an IPv4 address");
    std::memcpy(c.addr.data(), &a4, 4);
    max_len = 32;
  }
  if (slash == std::string::npos) {
    c.prefix_len = max_len;
  } else {
    if (len_s.empty() || len_s.size() > 3 || !std::all_of(len_s.begin(), len_s.end(), ::isdigit) ||
        (len_s.size() > 1 && len_s[0] == '0'))
      return Bad(text, "prefix length is not a number");
    c.prefix_len = std::stoi(len_s);
    if (c.prefix_len > max_len)
      return Bad(text, "prefix length above " + std::to_string(max_len));
  }
  int bytes = c.family == Family::kIPv4 ? 4 : 16;
  if (HasHostBits(c.addr, bytes, c.prefix_len)) {
    if (strict) return Bad(text, "host bits set (did you mean " + [&] {
      Cidr m = c; MaskHostBits(m.addr, bytes, m.prefix_len); return m.ToString(); }() + "?)");
    MaskHostBits(c.addr, bytes, c.prefix_len);
  }
  return c;
}

std::string Cidr::ToString() const {
  char buf[INET6_ADDRSTRLEN];
  if (family == Family::kIPv4) {
    inet_ntop(AF_INET, addr.data(), buf, sizeof buf);
  } else {
    inet_ntop(AF_INET6, addr.data(), buf, sizeof buf);
  }
  return std::string(buf) + "/" + std::to_string(prefix_len);
}

bool Cidr::operator<(const Cidr& o) const {
  if (family != o.family) return family < o.family;
  if (addr != o.addr) return addr < o.addr;
  return prefix_len < o.prefix_len;
}

bool Cidr::Contains(const Cidr& other) const {
  if (family != other.family || other.prefix_len < prefix_len) return false;
  auto masked = other.addr;
  MaskHostBits(masked, family == Family::kIPv4 ? 4 : 16, prefix_len);
  return masked == addr;
}

uint32_t Cidr::V4First() const {
  return (uint32_t(addr[0]) << 24) | (uint32_t(addr[1]) << 16) | (uint32_t(addr[2]) << 8) | addr[3];
}
uint32_t Cidr::V4Last() const {
  uint32_t host = prefix_len >= 32 ? 0 : (prefix_len == 0 ? 0xFFFFFFFFu : (0xFFFFFFFFu >> prefix_len));
  return V4First() | host;
}

const char* TransportName(Transport t) { return t == Transport::kTcp ? "tcp" : "udp"; }

Result<Transport> ParseTransport(std::string_view s) {
  std::string l(s);
  std::transform(l.begin(), l.end(), l.begin(), ::tolower);
  if (l == "tcp") return Transport::kTcp;
  if (l == "udp") return Transport::kUdp;
  return MakeError(ErrorCode::kInvalidArgument, "unknown transport \"" + std::string(s) + "\" (want tcp or udp)");
}

Result<PortRange> PortRange::Parse(std::string_view text) {
  auto num = [&](std::string_view p) -> Result<uint16_t> {
    if (p.empty() || p.size() > 5 || !std::all_of(p.begin(), p.end(), ::isdigit))
      return MakeError(ErrorCode::kInvalidArgument, "invalid port \"" + std::string(text) + "\"");
    long v = std::stol(std::string(p));
    if (v > 65535)
      return MakeError(ErrorCode::kInvalidArgument, "port out of range 0-65535: \"" + std::string(text) + "\"");
    return uint16_t(v);
  };
  PortRange r;
  auto dash = text.find('-');
  if (dash == std::string_view::npos) {
    PROV_ASSIGN_OR_RETURN(r.from, num(text));
    r.to = r.from;
  } else {
    PROV_ASSIGN_OR_RETURN(r.from, num(text.substr(0, dash)));
    PROV_ASSIGN_OR_RETURN(r.to, num(text.substr(dash + 1)));
    if (r.to < r.from)
      return MakeError(ErrorCode::kInvalidArgument, "port range is reversed: \"" + std::string(text) + "\"");
  }
  return r;
}

std::string PortRange::ToString() const {
  return from == to ? std::to_string(from) : std::to_string(from) + "-" + std::to_string(to);
}

std::vector<PortRange> MergeRanges(std::vector<PortRange> ranges) {
  std::sort(ranges.begin(), ranges.end());
  std::vector<PortRange> out;
  for (const auto& r : ranges) {
    if (!out.empty() && uint32_t(r.from) <= uint32_t(out.back().to) + 1) {
      out.back().to = std::max(out.back().to, r.to);
    } else {
      out.push_back(r);
    }
  }
  return out;
}

std::vector<Cidr> CollapseCidrs(std::vector<Cidr> cidrs) {
  std::sort(cidrs.begin(), cidrs.end());
  cidrs.erase(std::unique(cidrs.begin(), cidrs.end()), cidrs.end());
  bool changed = true;
  while (changed) {
    changed = false;
    std::vector<Cidr> out;
    for (const auto& c : cidrs) {
      bool covered = false;
      for (const auto& o : out) if (o.Contains(c)) { covered = true; break; }
      if (covered) { changed = true; continue; }
      // Merge with a sibling at the same length to form the parent.
      if (!out.empty() && out.back().family == c.family && out.back().prefix_len == c.prefix_len &&
          c.prefix_len > 0) {
        Cidr parent = out.back();
        parent.prefix_len -= 1;
        int bytes = parent.family == Family::kIPv4 ? 4 : 16;
        auto masked = parent.addr;
        for (int i = 0; i < bytes; ++i) {
          int bits = parent.prefix_len - i * 8;
          if (bits >= 8) continue;
          masked[i] &= bits <= 0 ? 0 : uint8_t(0xFF << (8 - bits));
        }
        parent.addr = masked;
        if (parent.addr == out.back().addr && parent.Contains(c) && !(c == out.back())) {
          out.back() = parent;
          changed = true;
          continue;
        }
      }
      out.push_back(c);
    }
    cidrs = std::move(out);
    std::sort(cidrs.begin(), cidrs.end());
  }
  return cidrs;
}

}  // namespace prov::net
