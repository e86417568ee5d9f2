// Name checks shared by the catalog loader and its users: DNS host names and wildcard
// domain patterns as the vendor writes them ("*.ringcentral.biz", "sip*.ringcentral.biz"),
// plus the fixed vocabularies (condition and parameter names) a catalog may use.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace prov::catalog {

// True when `name` is a lowercase DNS host name of at least two labels: labels of 1-63
// characters [a-z0-9-] not starting or ending with '-', at most 253 characters, and a
// last label that is not all digits (so an IPv4 address is not a host name). On false,
// `why` (if given) says what is wrong.
bool IsValidHostname(std::string_view name, std::string* why = nullptr);

// True when `pattern` is a wildcard domain: exactly one '*', inside the leftmost label
// ("*", "sip*", "a*b" are allowed labels), and the rest a valid host name of at least two
// labels ("*.com" is rejected: it would cover a whole top-level domain).
bool IsValidWildcard(std::string_view pattern, std::string* why = nullptr);

// True when host name `host` matches wildcard `pattern`. The '*' stands for one or more
// characters of a single label ("*.ringcentral.biz" matches "a.ringcentral.biz", not
// "a.b.ringcentral.biz"; "sip*.ringcentral.biz" matches "sip12.ringcentral.biz").
bool WildcardMatches(std::string_view pattern, std::string_view host);

// The condition names a catalog may use (model.h kCondition*).
const std::vector<std::string>& KnownConditions();
// The parameter names a catalog may use: "rooms_host", "sftp_server_addresses",
// "sip_trunk_peers".
const std::vector<std::string>& KnownParameters();

}  // namespace prov::catalog
