// Small helpers shared by the GCP client files (URL and form encoding, request ids).
// Internal to provider/cloud/gcp: other layers never include this header.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace prov::cloud::gcp::internal {

// RFC 3986 percent-encoding of everything but unreserved characters.
std::string UrlEncode(const std::string& s);
// application/x-www-form-urlencoded body from ordered pairs.
std::string FormEncode(const std::vector<std::pair<std::string, std::string>>& fields);
// Random RFC 4122 version-4 UUID, the form Compute accepts as requestId.
std::string NewRequestId();

}  // namespace prov::cloud::gcp::internal
