#include "provider/cloud/http/network_options.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <mutex>

namespace prov::cloud::http {
namespace {

std::mutex g_mu;
std::string g_provider_ca;

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

std::string Trim(const std::string& s) {
  size_t b = s.find_first_not_of(" \t");
  if (b == std::string::npos) return "";
  size_t e = s.find_last_not_of(" \t");
  return s.substr(b, e - b + 1);
}

std::optional<std::string> NonEmpty(const EnvLookup& env, const char* name) {
  auto v = env(name);
  if (v && !v->empty()) return v;
  return std::nullopt;
}

// Scheme and host (lower-cased, no port, no brackets) of a URL.
void SchemeAndHost(const std::string& url, std::string* scheme, std::string* host) {
  size_t p = url.find("://");
  *scheme = p == std::string::npos ? "" : Lower(url.substr(0, p));
  size_t start = p == std::string::npos ? 0 : p + 3;
  size_t end = url.find_first_of("/?#", start);
  std::string authority = url.substr(start, end == std::string::npos ? std::string::npos : end - start);
  size_t at = authority.rfind('@');
  if (at != std::string::npos) authority = authority.substr(at + 1);
  if (!authority.empty() && authority[0] == '[') {
    size_t close = authority.find(']');
    *host = Lower(authority.substr(1, close == std::string::npos ? std::string::npos : close - 1));
    return;
  }
  size_t colon = authority.rfind(':');
  *host = Lower(colon == std::string::npos ? authority : authority.substr(0, colon));
}

bool ParseIp(const std::string& s, unsigned char out[16], int* family) {
  if (inet_pton(AF_INET, s.c_str(), out) == 1) {
    *family = 4;
    return true;
  }
  if (inet_pton(AF_INET6, s.c_str(), out) == 1) {
    *family = 6;
    return true;
  }
  return false;
}

bool IsLoopback(const std::string& host) {
  if (host == "localhost" || (host.size() > 10 && host.ends_with(".localhost"))) return true;
  unsigned char a[16];
  int fam = 0;
  if (!ParseIp(host, a, &fam)) return false;
  if (fam == 4) return a[0] == 127;
  static const unsigned char kV6Loop[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
  return std::equal(a, a + 16, kV6Loop);
}

bool CidrContains(const std::string& cidr, const std::string& host) {
  size_t slash = cidr.find('/');
  unsigned char net[16], ip[16];
  int fn = 0, fi = 0;
  if (!ParseIp(cidr.substr(0, slash), net, &fn) || !ParseIp(host, ip, &fi) || fn != fi) return false;
  int bits = std::atoi(cidr.c_str() + slash + 1);
  int max = fn == 4 ? 32 : 128;
  if (bits < 0 || bits > max) return false;
  for (int i = 0; i < bits; ++i) {
    int byte = i / 8, bit = 7 - i % 8;
    if (((net[byte] >> bit) & 1) != ((ip[byte] >> bit) & 1)) return false;
  }
  return true;
}

}  // namespace

EnvLookup ProcessEnv() {
  return [](const char* name) -> std::optional<std::string> {
    const char* v = std::getenv(name);
    if (v == nullptr) return std::nullopt;
    return std::string(v);
  };
}

std::string TrustChoice::Describe() const {
  if (ca_file.empty() && ca_dir.empty()) return "the system CA bundle";
  std::string s;
  if (!ca_file.empty()) s = "CA bundle \"" + ca_file + "\"";
  if (!ca_dir.empty()) s += (s.empty() ? "" : " and ") + std::string("CA directory \"") + ca_dir + "\"";
  return s + " (from " + source + ")";
}

std::string ProxyChoice::DisplayHost() const {
  std::string scheme, host;
  size_t p = url.find("://");
  size_t start = p == std::string::npos ? 0 : p + 3;
  size_t end = url.find_first_of("/?#", start);
  std::string authority = url.substr(start, end == std::string::npos ? std::string::npos : end - start);
  size_t at = authority.rfind('@');
  return at == std::string::npos ? authority : authority.substr(at + 1);
}

void SetProviderCaBundle(std::string path) {
  std::lock_guard<std::mutex> l(g_mu);
  g_provider_ca = std::move(path);
}

std::string ProviderCaBundle() {
  std::lock_guard<std::mutex> l(g_mu);
  return g_provider_ca;
}

TrustChoice ChooseTrust(const Request& request, const EnvLookup& env) {
  TrustChoice t;
  if (std::string p = ProviderCaBundle(); !p.empty()) {
    t.ca_file = p;
    t.source = "the provider's ca_bundle_file";
    return t;
  }
  if (!request.ca_bundle.empty()) {
    t.ca_file = request.ca_bundle;
    t.source = request.ca_bundle_source.empty() ? "request" : request.ca_bundle_source;
    return t;
  }
  if (auto v = NonEmpty(env, "CURL_CA_BUNDLE")) {
    t.ca_file = *v;
    t.source = "CURL_CA_BUNDLE";
    return t;
  }
  auto file = NonEmpty(env, "SSL_CERT_FILE");
  auto dir = NonEmpty(env, "SSL_CERT_DIR");
  if (file || dir) {
    if (file) t.ca_file = *file;
    if (dir) {
      // Go accepts a colon-separated list; curl takes one directory: use the first.
      t.ca_dir = dir->substr(0, dir->find(':'));
    }
    t.source = file && dir ? "SSL_CERT_FILE and SSL_CERT_DIR" : file ? "SSL_CERT_FILE" : "SSL_CERT_DIR";
    return t;
  }
  t.source = "system";
  return t;
}

bool NoProxyMatches(const std::string& host_in, const std::string& no_proxy) {
  const std::string host = Lower(host_in);
  size_t i = 0;
  while (i <= no_proxy.size()) {
    size_t comma = no_proxy.find(',', i);
    std::string entry = Lower(Trim(no_proxy.substr(i, comma == std::string::npos ? std::string::npos : comma - i)));
    i = comma == std::string::npos ? no_proxy.size() + 1 : comma + 1;
    if (entry.empty()) continue;
    if (entry == "*") return true;
    if (entry.find('/') != std::string::npos) {
      if (CidrContains(entry, host)) return true;
      continue;
    }
    // Drop a port ("example.com:443"; IPv6 entries in brackets).
    if (entry[0] == '[') {
      entry = entry.substr(1, entry.find(']') - 1);
    } else if (std::count(entry.begin(), entry.end(), ':') == 1) {
      entry = entry.substr(0, entry.find(':'));
    }
    if (entry.starts_with("*.")) entry = entry.substr(1);
    if (entry[0] == '.') {
      if (host.ends_with(entry) || host == entry.substr(1)) return true;
      continue;
    }
    if (host == entry || (host.size() > entry.size() && host.ends_with("." + entry))) return true;
  }
  return false;
}

ProxyChoice ChooseProxy(const std::string& url, const EnvLookup& env) {
  ProxyChoice c;
  std::string scheme, host;
  SchemeAndHost(url, &scheme, &host);
  if (IsLoopback(host)) return c;
  std::string no_proxy;
  if (auto v = env("no_proxy"); v && !v->empty()) no_proxy = *v;
  else if (auto w = env("NO_PROXY")) no_proxy = w.value_or("");
  if (!no_proxy.empty() && NoProxyMatches(host, no_proxy)) return c;
  const char* lower = scheme == "http" ? "http_proxy" : "https_proxy";
  const char* upper = scheme == "http" ? "HTTP_PROXY" : "HTTPS_PROXY";
  if (auto v = NonEmpty(env, lower)) {
    c.url = *v;
    c.source = lower;
  } else if (auto w = NonEmpty(env, upper)) {
    c.url = *w;
    c.source = upper;
  }
  // A proxy given without a scheme is an HTTP proxy (as curl and Go read it).
  if (!c.url.empty() && c.url.find("://") == std::string::npos) c.url = "http://" + c.url;
  return c;
}

}  // namespace prov::cloud::http
