#include "provider/catalog/names.h"

#include <algorithm>

#include "provider/catalog/model.h"

namespace prov::catalog {
namespace {

bool Fail(std::string* why, std::string reason) {
  if (why) *why = std::move(reason);
  return false;
}

bool LabelChar(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'; }

std::vector<std::string_view> Split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  size_t start = 0;
  while (true) {
    size_t p = s.find(sep, start);
    out.push_back(s.substr(start, p == std::string_view::npos ? std::string_view::npos : p - start));
    if (p == std::string_view::npos) break;
    start = p + 1;
  }
  return out;
}

}  // namespace

bool IsValidHostname(std::string_view name, std::string* why) {
  if (name.empty()) return Fail(why, "empty host name");
  if (name.size() > 253) return Fail(why, "host name longer than 253 characters");
  auto labels = Split(name, '.');
  if (labels.size() < 2) return Fail(why, "host name needs at least two labels");
  for (auto label : labels) {
    if (label.empty()) return Fail(why, "empty label (leading, trailing or double dot)");
    if (label.size() > 63) return Fail(why, "label longer than 63 characters");
    for (char c : label) {
      if (c >= 'A' && c <= 'Z') return Fail(why, "upper-case letter (write host names in lower case)");
      if (!LabelChar(c))
        return Fail(why, std::string("character '") + c + "' is not allowed in a host name");
    }
    if (label.front() == '-' || label.back() == '-')
      return Fail(why, "label starts or ends with '-'");
  }
  const auto& tld = labels.back();
  if (std::all_of(tld.begin(), tld.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return Fail(why, "last label is numeric (an IP address is not a host name)");
  return true;
}

bool IsValidWildcard(std::string_view pattern, std::string* why) {
  auto star = pattern.find('*');
  if (star == std::string_view::npos) return Fail(why, "no '*' in a wildcard");
  if (pattern.find('*', star + 1) != std::string_view::npos) return Fail(why, "more than one '*'");
  auto dot = pattern.find('.');
  if (dot == std::string_view::npos || star > dot)
    return Fail(why, "'*' must be in the leftmost label");
  for (char c : pattern.substr(0, dot)) {
    if (c != '*' && !LabelChar(c))
      return Fail(why, std::string("character '") + c + "' is not allowed in a host name");
  }
  if (pattern.front() == '-' || pattern[dot - 1] == '-')
    return Fail(why, "label starts or ends with '-'");
  std::string inner;
  if (!IsValidHostname(pattern.substr(dot + 1), &inner))
    return Fail(why, "after the wildcard label: " + inner);
  return true;
}

bool WildcardMatches(std::string_view pattern, std::string_view host) {
  auto star = pattern.find('*');
  if (star == std::string_view::npos) return pattern == host;
  auto prefix = pattern.substr(0, star);
  auto suffix = pattern.substr(star + 1);
  if (host.size() < prefix.size() + suffix.size() + 1) return false;
  if (host.substr(0, prefix.size()) != prefix) return false;
  if (host.substr(host.size() - suffix.size()) != suffix) return false;
  auto middle = host.substr(prefix.size(), host.size() - prefix.size() - suffix.size());
  return middle.find('.') == std::string_view::npos;
}

const std::vector<std::string>& KnownConditions() {
  static const std::vector<std::string> k = {kConditionIpv6Clients, kConditionLineSharing,
                                             kConditionTcpFallback};
  return k;
}

const std::vector<std::string>& KnownParameters() {
  static const std::vector<std::string> k = {"rooms_host", "sftp_server_addresses", "sip_trunk_peers"};
  return k;
}

}  // namespace prov::catalog
