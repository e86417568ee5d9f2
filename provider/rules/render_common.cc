#include <algorithm>
#include <string_view>

#include "provider/rules/render.h"

namespace prov::rules::internal {
namespace {

const char* ClassName(catalog::TrafficClass c) {
  switch (c) {
    case catalog::TrafficClass::kMedia: return "media";
    case catalog::TrafficClass::kSignaling: return "signaling";
    case catalog::TrafficClass::kData: return "data";
  }
  return "data";
}

// Same text as Cidr::ToString(). IPv4 is formatted here: inet_ntop plus std::to_string
// were the largest single cost of rendering a few hundred rules. IPv6 (zero-run
// compression rules) stays with the net layer.
std::string CidrText(const net::Cidr& c) {
  if (c.family != net::Family::kIPv4 || c.prefix_len < 0 || c.prefix_len > 32) return c.ToString();
  char buf[20];  // "255.255.255.255/32"
  char* p = buf;
  auto put = [&p](unsigned v) {
    if (v >= 100) *p++ = char('0' + v / 100);
    if (v >= 10) *p++ = char('0' + v / 10 % 10);
    *p++ = char('0' + v % 10);
  };
  for (int i = 0; i < 4; ++i) {
    if (i) *p++ = '.';
    put(c.addr[i]);
  }
  *p++ = '/';
  put(unsigned(c.prefix_len));
  return std::string(buf, size_t(p - buf));
}

std::string Slug(const net::Cidr& c) {
  std::string s = CidrText(c);
  for (auto& ch : s) {
    if (ch == '.' || ch == ':' || ch == '/') ch = '-';
  }
  return s;
}

}  // namespace

std::string HashHex(const std::string& s, int digits) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ull;
  }
  static const char* kHex = "0123456789abcdef";
  std::string out;
  for (int i = 0; i < digits && i < 16; ++i) out += kHex[(h >> (60 - 4 * i)) & 0xF];
  return out;
}

std::string PeerLabel(const std::vector<net::Cidr>& cidrs, const std::vector<net::Cidr>& supernets) {
  if (cidrs.empty()) return "any";
  std::vector<net::Cidr> same_family;
  for (const auto& s : supernets) {
    if (s.family == cidrs.front().family) same_family.push_back(s);
  }
  if (!same_family.empty() && cidrs == same_family) return "supernets";
  if (cidrs.size() == 1) return Slug(cidrs.front());
  std::string all;
  for (const auto& c : cidrs) {
    all += CidrText(c);
    all += ',';
  }
  return Slug(cidrs.front()) + "-plus" + std::to_string(cidrs.size() - 1) + "-" + HashHex(all, 6);
}

std::string PortsText(net::Transport t, const std::vector<net::PortRange>& ranges) {
  std::string s = t == net::Transport::kTcp ? "TCP " : "UDP ";
  for (size_t i = 0; i < ranges.size(); ++i) {
    if (i) s += ", ";
    s += ranges[i].ToString();
  }
  return s;
}

// Canonical order: by row id (and service id), whatever order the resolver reached the
// rows in. Two selections that resolve to the same rows then give the same descriptions
// and provenance lists, so a rule changes only when what it allows or serves changes.
namespace {
std::vector<int> ByRowId(const Resolved& r, const std::vector<int>& rows) {
  std::vector<int> out = rows;
  std::sort(out.begin(), out.end(), [&](int a, int b) {
    const auto& x = r.rows[a];
    const auto& y = r.rows[b];
    return x.row != y.row ? x.row < y.row : x.service < y.service;
  });
  out.erase(std::unique(out.begin(), out.end(), [&](int a, int b) { return r.rows[a].row == r.rows[b].row; }),
            out.end());
  return out;
}
}  // namespace

std::vector<std::string> ServicesOf(const Resolved& r, const std::vector<int>& rows) {
  std::vector<std::string> out;
  out.reserve(rows.size());
  for (int i : rows) out.push_back(r.rows[i].service);
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

std::vector<std::string> RowIdsOf(const Resolved& r, const std::vector<int>& rows) {
  std::vector<std::string> out;
  out.reserve(rows.size());
  for (int i : ByRowId(r, rows)) out.push_back(r.rows[i].row);
  return out;
}

std::vector<int> RowsOf(const TransportRanges& t) {
  std::vector<int> rows;
  for (const auto& x : t.ranges) rows.insert(rows.end(), x.rows.begin(), x.rows.end());
  std::sort(rows.begin(), rows.end());
  rows.erase(std::unique(rows.begin(), rows.end()), rows.end());
  return rows;
}

std::vector<std::string> CidrStrings(const std::vector<net::Cidr>& v) {
  std::vector<std::string> out;
  out.reserve(v.size());
  for (const auto& c : v) out.push_back(CidrText(c));
  return out;
}

std::string Describe(const Resolved& r, const std::vector<int>& rows_in, const std::string& what,
                     size_t max_len) {
  const std::vector<int> rows = ByRowId(r, rows_in);
  bool classes[3] = {false, false, false};
  for (int i : rows) classes[int(r.rows[i].traffic_class)] = true;
  // The tail is ": <classes> <what>"; built in place, without temporaries.
  std::string_view cls_parts[3];
  size_t n_cls = 0, cls_len = 0;
  for (int c = 0; c < 3; ++c) {
    if (!classes[c]) continue;
    cls_parts[n_cls] = ClassName(catalog::TrafficClass(c));
    cls_len += cls_parts[n_cls].size() + (n_cls ? 1 : 0);
    ++n_cls;
  }
  const size_t tail_size = 2 + cls_len + 1 + what.size();
  constexpr std::string_view kHead = "Office@Hand ";
  std::string s;
  s.reserve(std::min(max_len, size_t(1024)) + 8);
  s = kHead;
  // The ports (the tail) matter most to a reviewer: when too long, cut the row list.
  size_t budget = max_len > tail_size + kHead.size() + 3 ? max_len - tail_size : 0;
  for (size_t i = 0; i < rows.size(); ++i) {
    const std::string& row = r.rows[rows[i]].row;
    size_t next = (i ? 2 : 0) + row.size();
    if (budget && s.size() + next + 3 > budget) {
      s += "...";
      break;
    }
    if (i) s += ", ";
    s += row;
  }
  s += ": ";
  for (size_t c = 0; c < n_cls; ++c) {
    if (c) s += '/';
    s += cls_parts[c];
  }
  s += ' ';
  s += what;
  // Same length in, same length out: non-printable bytes become '?' in place.
  for (auto& ch : s) {
    unsigned char u = static_cast<unsigned char>(ch);
    if (!(u >= 0x20 && u < 0x7f)) ch = '?';
  }
  if (max_len > 3 && s.size() > max_len) {
    s.resize(max_len - 3);
    s += "...";
  }
  return s;
}

std::string SafeName(const std::string& text, size_t max_len, bool lower) {
  std::string s;
  for (unsigned char ch : text) {
    char c = char(ch);
    if (lower && c >= 'A' && c <= 'Z') c = char(c - 'A' + 'a');
    bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
              (!lower && ((c >= 'A' && c <= 'Z') || c == '_' || c == '.'));
    if (!ok) c = '-';
    if (c == '-' && !s.empty() && s.back() == '-') continue;
    s += c;
  }
  while (!s.empty() && (s.back() == '-' || s.back() == '.')) s.pop_back();
  if (s.size() > max_len) {
    std::string h = HashHex(text, 8);
    s = s.substr(0, max_len - h.size() - 1);
    while (!s.empty() && (s.back() == '-' || s.back() == '.')) s.pop_back();
    s += "-" + h;
  }
  return s;
}

}  // namespace prov::rules::internal
