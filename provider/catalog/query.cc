#include "provider/catalog/query.h"

#include <algorithm>
#include <set>

namespace prov::catalog {

bool ConditionOn(const Filter& f, const std::string& condition) {
  if (condition == kConditionLineSharing) return f.line_sharing;
  if (condition == kConditionTcpFallback) return f.tcp_fallback;
  if (condition == kConditionIpv6Clients) return f.ipv6_clients;
  return false;
}

Result<std::vector<std::string>> ServiceClosure(const Catalog& c, const std::vector<std::string>& services) {
  std::set<std::string> wanted;
  std::vector<std::string> todo;
  for (size_t i = 0; i < services.size(); ++i) {
    if (!c.FindService(services[i]))
      return MakeError(ErrorCode::kInvalidArgument, "unknown service \"" + services[i] + "\"",
                       "services[" + std::to_string(i) + "]");
    todo.push_back(services[i]);
  }
  // The loader rejects include cycles; the visited set keeps this safe for hand-built models.
  while (!todo.empty()) {
    std::string id = todo.back();
    todo.pop_back();
    if (!wanted.insert(id).second) continue;
    const Service* s = c.FindService(id);
    if (!s) continue;
    for (const auto& r : s->rows)
      if (!r.include_service.empty()) todo.push_back(r.include_service);
  }
  std::vector<std::string> out;
  for (const auto& s : c.services)
    if (wanted.count(s.id)) out.push_back(s.id);
  return out;
}

Result<Catalog> Select(const Catalog& c, const Filter& f) {
  std::vector<std::string> ids;
  if (f.services.empty()) {
    for (const auto& s : c.services) ids.push_back(s.id);
  } else {
    PROV_ASSIGN_OR_RETURN(ids, ServiceClosure(c, f.services));
  }
  Catalog out = c;
  out.services.clear();
  for (const auto& s : c.services) {
    if (std::find(ids.begin(), ids.end(), s.id) == ids.end()) continue;
    Service copy = s;
    copy.rows.clear();
    for (const auto& r : s.rows) {
      if (!r.condition.empty() && !ConditionOn(f, r.condition)) continue;
      Row row = r;
      row.ports.clear();
      for (const auto& p : r.ports) {
        bool gated = p.qualifier == PortQualifier::kConditional || p.qualifier == PortQualifier::kFallback;
        if (gated && !ConditionOn(f, p.condition)) continue;
        row.ports.push_back(p);
      }
      if (row.ports.empty() && !r.ports.empty()) continue;
      copy.rows.push_back(std::move(row));
    }
    out.services.push_back(std::move(copy));
  }
  return out;
}

namespace {
template <typename T>
std::vector<T> SortedUnique(std::vector<T> v) {
  std::sort(v.begin(), v.end());
  v.erase(std::unique(v.begin(), v.end()), v.end());
  return v;
}
}  // namespace

std::vector<std::string> AllFqdns(const Catalog& c) {
  std::vector<std::string> out;
  for (const auto& s : c.services)
    for (const auto& r : s.rows) {
      out.insert(out.end(), r.destinations.fqdns.begin(), r.destinations.fqdns.end());
      for (const auto& [_, hosts] : r.destinations.groups) out.insert(out.end(), hosts.begin(), hosts.end());
    }
  return SortedUnique(std::move(out));
}

std::vector<std::string> AllWildcards(const Catalog& c) {
  std::vector<std::string> out;
  for (const auto& s : c.services)
    for (const auto& r : s.rows) out.insert(out.end(), r.destinations.wildcards.begin(), r.destinations.wildcards.end());
  return SortedUnique(std::move(out));
}

std::vector<net::Cidr> AllCidrs(const Catalog& c) {
  std::vector<net::Cidr> out;
  for (const auto& s : c.services)
    for (const auto& r : s.rows) out.insert(out.end(), r.destinations.cidrs.begin(), r.destinations.cidrs.end());
  return SortedUnique(std::move(out));
}

std::vector<std::string> AllParameters(const Catalog& c) {
  std::vector<std::string> out;
  for (const auto& s : c.services)
    for (const auto& r : s.rows)
      for (const auto& p : r.destinations.parameters) out.push_back(p.parameter);
  return SortedUnique(std::move(out));
}

}  // namespace prov::catalog
