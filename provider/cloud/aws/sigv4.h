// AWS Signature Version 4 (header signing) for the Query/JSON services we call (EC2,
// STS). Pure functions over an http::Request plus credentials and a caller-supplied
// time, so signing is deterministic and testable against AWS's published vectors.
//
// Not covered (not needed by our services): S3's single-encoding and unsigned payloads,
// query-string (presigned) signing, SigV4a, path dot-segment normalisation.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "provider/base/result.h"
#include "provider/cloud/http/transport.h"

namespace prov::cloud::aws {

// Injectable wall clock (SigV4 dates, credential expiry).
using WallClock = std::function<std::chrono::system_clock::time_point()>;
inline std::chrono::system_clock::time_point SystemNow() { return std::chrono::system_clock::now(); }

struct Credentials {
  std::string access_key_id;
  std::string secret_access_key;  // never logged, never put into an Error
  std::string session_token;      // empty for long-term keys
  // Set for temporary credentials; refresh before this.
  std::optional<std::chrono::system_clock::time_point> expiration;
  std::string source;  // "explicit", "env", "profile:x", "web-identity", "imds", … (for logs)

  bool empty() const { return access_key_id.empty() || secret_access_key.empty(); }
};

// Intermediate values, exposed so tests can check each stage.
struct SigV4Trace {
  std::string canonical_request;
  std::string string_to_sign;
  std::string signing_key_hex;
  std::string signed_headers;  // "host;x-amz-date"
  std::string signature;
  std::string authorization;   // full header value
};

// Signs `request` in place: sets X-Amz-Date, Host (from the URL when absent),
// X-Amz-Security-Token (temporary credentials) and Authorization. Every header present in
// the request is signed except those proxies may rewrite (user-agent, expect,
// transfer-encoding, connection, x-amzn-trace-id, …). Errors: kInvalidArgument for a URL
// without scheme/host, kPermissionDenied for empty credentials (no secret in messages).
Result<SigV4Trace> SignV4(http::Request* request, const Credentials& creds, std::string_view region,
                          std::string_view service, std::chrono::system_clock::time_point now);

// Building blocks (also used by tests and by the EC2 form encoder).
std::string Sha256Hex(std::string_view data);
std::string HmacSha256(std::string_view key, std::string_view data);  // raw bytes
std::string HexEncode(std::string_view bytes);                       // lower-case
// RFC 3986 percent-encoding: unreserved A-Z a-z 0-9 - _ . ~ kept; '/' kept if !encode_slash.
std::string UriEncode(std::string_view s, bool encode_slash = true);
std::string UriDecode(std::string_view s);
std::string FormatAmzDate(std::chrono::system_clock::time_point t);  // 20150830T123600Z
// Parses "YYYYMMDD'T'HHMMSS'Z'" (used by tests' fixed clocks).
Result<std::chrono::system_clock::time_point> ParseAmzDate(std::string_view s);
// Parses ISO-8601 UTC "2015-08-30T12:36:00Z" (fractions allowed) as used by STS/IMDS.
Result<std::chrono::system_clock::time_point> ParseIso8601(std::string_view s);

}  // namespace prov::cloud::aws
