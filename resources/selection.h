// The selection attributes shared by the allowlist resource and the data sources
// (services, conditions, user-supplied addresses) and their conversion to the compiler's
// Selection, with diagnostics that name the offending attribute and element.
#pragma once

#include <vector>

#include "provider/catalog/model.h"
#include "provider/protocol/diagnostics.h"
#include "provider/protocol/schema/schema.h"
#include "provider/rules/compiler.h"

namespace prov::resources {

// services, line_sharing, tcp_fallback, ipv6_clients (+ sip_trunk_peers,
// sftp_server_addresses when with_parameters).
std::vector<schema::Attribute> SelectionAttributes(bool with_parameters);

// Reads the selection from a config object. Unknown values are treated as "not yet known":
// `complete` is set false and nothing is reported for them.
rules::Selection ReadSelection(const cty::Value& config, const catalog::Catalog& catalog,
                               protocol::Diagnostics& diags, bool* complete = nullptr);

// The services to use: the selection's, or all when empty, plus those reached by
// include_service, in document order.
std::vector<const catalog::Service*> ExpandServices(const catalog::Catalog& catalog,
                                                    const std::vector<std::string>& ids);

// True when a row / port is in force under the selection's conditions.
bool RowSelected(const catalog::Row& row, const rules::Selection& s);
bool PortSelected(const catalog::PortSpec& port, const rules::Selection& s);

}  // namespace prov::resources
