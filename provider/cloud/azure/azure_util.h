// Small helpers shared by the Azure client files (not for use outside provider/cloud/azure).
#pragma once

#include <string>
#include <string_view>

namespace prov::cloud::azure::internal {

std::string ToLower(std::string_view s);
bool EqualsIgnoreCase(std::string_view a, std::string_view b);
// application/x-www-form-urlencoded / query component encoding (RFC 3986 unreserved kept).
std::string FormEncode(std::string_view s);
std::string Base64UrlEncode(std::string_view bytes);
// Accepts padded or unpadded base64url; returns false on bad input.
bool Base64UrlDecode(std::string_view text, std::string* out);
// "scheme://host[:port]" of an absolute URL, lower-cased; "" if not absolute.
std::string UrlOrigin(std::string_view url);
// Random RFC 4122 version-4 GUID (OpenSSL RNG).
std::string NewGuid();

}  // namespace prov::cloud::azure::internal
