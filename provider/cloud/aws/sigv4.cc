#include "provider/cloud/aws/sigv4.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

#include <algorithm>
#include <cctype>
#include <ctime>
#include <map>
#include <vector>

namespace prov::cloud::aws {
namespace {

// Headers a proxy or the HTTP stack may add or rewrite; signing them would break.
constexpr std::string_view kUnsigned[] = {"authorization", "connection", "expect", "keep-alive",
                                          "proxy-authenticate", "proxy-authorization", "te",
                                          "trailer", "transfer-encoding", "upgrade", "user-agent",
                                          "x-amzn-trace-id", "content-length"};

std::string Lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

// Trims and collapses inner runs of whitespace to one space (SigV4 "Trimall").
std::string TrimAll(std::string_view v) {
  std::string out;
  bool space = false;
  for (char c : v) {
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
      space = !out.empty();
      continue;
    }
    if (space) out.push_back(' ');
    space = false;
    out.push_back(c);
  }
  return out;
}

struct UrlParts {
  std::string scheme, host_header, path, query;
};

Result<UrlParts> SplitUrl(const std::string& url) {
  UrlParts p;
  size_t sep = url.find("://");
  if (sep == std::string::npos || sep == 0) {
    return MakeError(ErrorCode::kInvalidArgument, "SigV4: URL has no scheme: " + url);
  }
  p.scheme = Lower(url.substr(0, sep));
  size_t start = sep + 3;
  size_t end = url.find_first_of("/?#", start);
  std::string authority = url.substr(start, end == std::string::npos ? std::string::npos : end - start);
  size_t at = authority.rfind('@');
  if (at != std::string::npos) authority = authority.substr(at + 1);
  if (authority.empty()) return MakeError(ErrorCode::kInvalidArgument, "SigV4: URL has no host");
  authority = Lower(authority);
  // Default ports are not part of Host as HTTP clients send it.
  if (p.scheme == "https" && authority.ends_with(":443")) authority.resize(authority.size() - 4);
  if (p.scheme == "http" && authority.ends_with(":80")) authority.resize(authority.size() - 3);
  p.host_header = authority;
  std::string rest = end == std::string::npos ? "" : url.substr(end);
  size_t hash = rest.find('#');
  if (hash != std::string::npos) rest.resize(hash);
  size_t q = rest.find('?');
  p.path = q == std::string::npos ? rest : rest.substr(0, q);
  p.query = q == std::string::npos ? "" : rest.substr(q + 1);
  if (p.path.empty()) p.path = "/";
  return p;
}

std::string CanonicalQuery(const std::string& query) {
  if (query.empty()) return "";
  std::vector<std::pair<std::string, std::string>> pairs;
  size_t pos = 0;
  while (pos <= query.size()) {
    size_t amp = query.find('&', pos);
    if (amp == std::string::npos) amp = query.size();
    std::string item = query.substr(pos, amp - pos);
    pos = amp + 1;
    if (item.empty()) continue;
    size_t eq = item.find('=');
    std::string k = eq == std::string::npos ? item : item.substr(0, eq);
    std::string v = eq == std::string::npos ? "" : item.substr(eq + 1);
    // Normalise whatever encoding the caller used to exactly one RFC 3986 encoding.
    pairs.emplace_back(UriEncode(UriDecode(k)), UriEncode(UriDecode(v)));
  }
  std::sort(pairs.begin(), pairs.end());
  std::string out;
  for (const auto& [k, v] : pairs) {
    if (!out.empty()) out += '&';
    out += k + "=" + v;
  }
  return out;
}

}  // namespace

std::string HexEncode(std::string_view bytes) {
  static const char* kHex = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out.push_back(kHex[c >> 4]);
    out.push_back(kHex[c & 15]);
  }
  return out;
}

std::string Sha256Hex(std::string_view data) {
  unsigned char md[SHA256_DIGEST_LENGTH];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), md, &len, EVP_sha256(), nullptr);
  return HexEncode(std::string_view(reinterpret_cast<char*>(md), len));
}

std::string HmacSha256(std::string_view key, std::string_view data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), md, &len);
  return std::string(reinterpret_cast<char*>(md), len);
}

std::string UriEncode(std::string_view s, bool encode_slash) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size() * 3);
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~' || (c == '/' && !encode_slash)) {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

std::string UriDecode(std::string_view s) {
  auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && hex(s[i + 1]) >= 0 && hex(s[i + 2]) >= 0) {
      out.push_back(static_cast<char>(hex(s[i + 1]) * 16 + hex(s[i + 2])));
      i += 2;
    } else if (s[i] == '+') {
      out.push_back(' ');
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

std::string FormatAmzDate(std::chrono::system_clock::time_point t) {
  std::time_t tt = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y%m%dT%H%M%SZ", &tm);
  return buf;
}

Result<std::chrono::system_clock::time_point> ParseAmzDate(std::string_view s) {
  std::tm tm{};
  std::string str(s);
  const char* end = strptime(str.c_str(), "%Y%m%dT%H%M%SZ", &tm);
  if (end == nullptr || *end != '\0') {
    return MakeError(ErrorCode::kInvalidArgument, "not an X-Amz-Date timestamp: " + str);
  }
  return std::chrono::system_clock::from_time_t(timegm(&tm));
}

Result<std::chrono::system_clock::time_point> ParseIso8601(std::string_view s) {
  std::tm tm{};
  std::string str(s);
  const char* end = strptime(str.c_str(), "%Y-%m-%dT%H:%M:%S", &tm);
  if (end == nullptr) return MakeError(ErrorCode::kDataLoss, "not an ISO-8601 timestamp: " + str);
  if (*end == '.') {
    ++end;
    while (std::isdigit(static_cast<unsigned char>(*end))) ++end;
  }
  std::string zone(end);
  if (zone != "Z" && zone != "+00:00" && zone != "UTC" && !zone.empty()) {
    return MakeError(ErrorCode::kDataLoss, "timestamp is not UTC: " + str);
  }
  return std::chrono::system_clock::from_time_t(timegm(&tm));
}

Result<SigV4Trace> SignV4(http::Request* request, const Credentials& creds, std::string_view region,
                          std::string_view service, std::chrono::system_clock::time_point now) {
  if (creds.empty()) {
    return MakeError(ErrorCode::kPermissionDenied, "SigV4: no AWS access key id / secret access key");
  }
  PROV_ASSIGN_OR_RETURN(UrlParts url, SplitUrl(request->url));
  const std::string amz_date = FormatAmzDate(now);
  const std::string date = amz_date.substr(0, 8);

  // Drop any previous signature (a retried request is re-signed with a fresh date).
  auto& hdrs = request->headers;
  hdrs.erase(std::remove_if(hdrs.begin(), hdrs.end(),
                            [](const auto& h) {
                              std::string n = Lower(h.first);
                              return n == "authorization" || n == "x-amz-date" ||
                                     n == "x-amz-security-token";
                            }),
             hdrs.end());
  bool has_host = std::any_of(hdrs.begin(), hdrs.end(), [](const auto& h) { return Lower(h.first) == "host"; });
  if (!has_host) hdrs.emplace_back("Host", url.host_header);
  hdrs.emplace_back("X-Amz-Date", amz_date);
  if (!creds.session_token.empty()) hdrs.emplace_back("X-Amz-Security-Token", creds.session_token);

  std::map<std::string, std::string> canon;  // sorted by lower-case name
  for (const auto& [name, value] : hdrs) {
    std::string n = Lower(name);
    if (std::find(std::begin(kUnsigned), std::end(kUnsigned), n) != std::end(kUnsigned)) continue;
    auto [it, inserted] = canon.emplace(n, TrimAll(value));
    if (!inserted) it->second += "," + TrimAll(value);
  }
  std::string canonical_headers, signed_headers;
  for (const auto& [n, v] : canon) {
    canonical_headers += n + ":" + v + "\n";
    if (!signed_headers.empty()) signed_headers += ';';
    signed_headers += n;
  }

  SigV4Trace t;
  t.signed_headers = signed_headers;
  t.canonical_request = request->method + "\n" + UriEncode(url.path, /*encode_slash=*/false) + "\n" +
                        CanonicalQuery(url.query) + "\n" + canonical_headers + "\n" + signed_headers +
                        "\n" + Sha256Hex(request->body);
  const std::string scope = date + "/" + std::string(region) + "/" + std::string(service) + "/aws4_request";
  t.string_to_sign = "AWS4-HMAC-SHA256\n" + amz_date + "\n" + scope + "\n" + Sha256Hex(t.canonical_request);
  std::string k = HmacSha256("AWS4" + creds.secret_access_key, date);
  k = HmacSha256(k, region);
  k = HmacSha256(k, service);
  k = HmacSha256(k, "aws4_request");
  t.signing_key_hex = HexEncode(k);
  t.signature = HexEncode(HmacSha256(k, t.string_to_sign));
  t.authorization = "AWS4-HMAC-SHA256 Credential=" + creds.access_key_id + "/" + scope +
                    ", SignedHeaders=" + signed_headers + ", Signature=" + t.signature;
  hdrs.emplace_back("Authorization", t.authorization);
  return t;
}

}  // namespace prov::cloud::aws
