// Queries over a loaded catalog: the selection a user asks for (services plus switches)
// and the destination lists of a selection. Used by the catalog data source and by the
// rule compiler's callers; pure functions of their inputs, safe from any thread.
#pragma once

#include <string>
#include <vector>

#include "provider/base/result.h"
#include "provider/catalog/model.h"

namespace prov::catalog {

struct Filter {
  std::vector<std::string> services;  // service ids; empty = every service
  bool line_sharing = false;          // open the ** BLA ports 5098/5099 (Table 3.2.6)
  bool tcp_fallback = false;          // open TCP 443 media fallback ports
  bool ipv6_clients = false;          // include "Signaling (IPv6 client)" rows
};

// Whether `condition` (a kCondition* name) is switched on by `f`. Unknown names are off.
bool ConditionOn(const Filter& f, const std::string& condition);

// The ids of `services` plus every service they include, transitively, in the catalog's
// document order. kInvalidArgument names an unknown id (where = "services[i]").
Result<std::vector<std::string>> ServiceClosure(const Catalog& c, const std::vector<std::string>& services);

// The catalog restricted to the filter: the named services plus those they include
// (document order); rows whose row condition is off are removed, and so are ports whose
// condition is off (kConditional ports by their condition, kFallback ports by theirs,
// normally tcp_fallback); a row left without ports is removed. Supernets, advisories,
// version, source and content_sha256 are copied unchanged (content_sha256 still
// identifies the data the selection came from). Include rows stay, so provenance
// ("webinar.video includes video") survives. Errors: kInvalidArgument for an unknown
// service id.
Result<Catalog> Select(const Catalog& c, const Filter& f);

// Destination lists of a catalog (typically a Select result), sorted and de-duplicated:
// exact host names (row fqdns plus group members), wildcard patterns, and explicit
// addresses (row cidrs, e.g. the Archiver SFTP clients; not the supernets).
std::vector<std::string> AllFqdns(const Catalog& c);
std::vector<std::string> AllWildcards(const Catalog& c);
std::vector<net::Cidr> AllCidrs(const Catalog& c);
// Parameter names the catalog's rows need from the user, sorted ("sip_trunk_peers", ...).
std::vector<std::string> AllParameters(const Catalog& c);

}  // namespace prov::catalog
