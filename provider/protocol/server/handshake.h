// The go-plugin handshake, as pure functions: the magic-cookie check, app-protocol
// negotiation, and formatting the one line the CLI reads from our stdout.
//
// Line format: CORE|APP|NETWORK|ADDRESS|grpc|CERT, e.g.
//   1|6|unix|/tmp/plugin123|grpc|MIIB...   (CERT = base64 std alphabet, no '=' padding)
// All functions are pure and thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "provider/base/result.h"

namespace prov::protocol::server {

inline constexpr std::string_view kMagicCookieKey = "TF_PLUGIN_MAGIC_COOKIE";
inline constexpr std::string_view kMagicCookieValue =
    "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2";

// The text printed on stderr when the cookie is absent or wrong.
std::string CookieMissingMessage();

// True if `value` (nullable, as from getenv) equals the magic cookie.
bool CookieValid(const char* value);

// Picks the app protocol from PLUGIN_PROTOCOL_VERSIONS ("5,6", order not guaranteed):
// 6 if offered, else 5. An empty/absent list means a client older than the variable, which
// speaks 5 (go-plugin's default). Error (kInvalidArgument) if neither 5 nor 6 is offered or
// the list has a non-numeric entry.
Result<int> NegotiateProtocol(std::string_view versions);

// Standard-alphabet base64 without '=' padding (what go-plugin's client decodes).
std::string Base64NoPad(std::string_view bytes);

// "1|<app>|<network>|<address>|grpc|<base64 cert or empty>\n".
std::string FormatHandshakeLine(int app_protocol, std::string_view network,
                                std::string_view address, std::string_view cert_der);

}  // namespace prov::protocol::server
