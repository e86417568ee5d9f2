#include <algorithm>
#include <set>

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

std::string Slug(const net::Cidr& c) {
  std::string s = c.ToString();
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
  for (const auto& c : cidrs) all += c.ToString() + ",";
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

std::vector<std::string> ServicesOf(const Resolved& r, const std::vector<int>& rows) {
  std::set<std::string> s;
  for (int i : rows) s.insert(r.rows[i].service);
  return {s.begin(), s.end()};
}

std::vector<std::string> RowIdsOf(const Resolved& r, const std::vector<int>& rows) {
  std::set<std::string> s;
  for (int i : rows) s.insert(r.rows[i].row);
  return {s.begin(), s.end()};
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
  for (const auto& c : v) out.push_back(c.ToString());
  return out;
}

std::string Describe(const Resolved& r, const std::vector<int>& rows, const std::string& what,
                     size_t max_len) {
  std::vector<std::string> ids = RowIdsOf(r, rows);
  std::set<catalog::TrafficClass> classes;
  for (int i : rows) classes.insert(r.rows[i].traffic_class);
  std::string cls;
  for (auto c : classes) {
    if (!cls.empty()) cls += "/";
    cls += ClassName(c);
  }
  std::string s = "Office@Hand ";
  for (size_t i = 0; i < ids.size(); ++i) {
    if (i) s += ", ";
    s += ids[i];
  }
  s += ": " + cls + " " + what;
  std::string clean;
  for (unsigned char ch : s) clean += (ch >= 0x20 && ch < 0x7f) ? char(ch) : '?';
  if (max_len > 3 && clean.size() > max_len) clean = clean.substr(0, max_len - 3) + "...";
  return clean;
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
