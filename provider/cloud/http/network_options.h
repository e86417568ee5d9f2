// TLS trust and proxy choices for one request, as users of the Go providers and the cloud
// CLIs expect them. Pure functions over the request and an environment lookup, so they are
// unit-tested without a network; curl_transport.cc applies the result.
//
// Trust (certificate verification is always on), first match wins:
//   1. the provider's `ca_bundle_file` (SetProviderCaBundle),
//   2. the request's own bundle (AWS endpoints: AWS_CA_BUNDLE, else the profile's ca_bundle),
//   3. CURL_CA_BUNDLE, 4. SSL_CERT_FILE and/or SSL_CERT_DIR,
//   5. the system bundle.
// Proxies: HTTPS_PROXY/https_proxy for https URLs, HTTP_PROXY/http_proxy for http URLs
// (lower case wins when both are set, as in Go), NO_PROXY/no_proxy as a comma-separated
// list of hosts, domain suffixes (".example.com" or "example.com"), IPs, CIDRs or "*".
// Like Go, localhost and loopback addresses never go through a proxy. Credentials in the
// proxy URL (http://user:pass@proxy:3128) are used and never logged.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "provider/cloud/http/transport.h"

namespace prov::cloud::http {

using EnvLookup = std::function<std::optional<std::string>(const char*)>;
EnvLookup ProcessEnv();

struct TrustChoice {
  std::string ca_file;  // empty: not set
  std::string ca_dir;   // empty: not set
  std::string source;   // "ca_bundle_file", "AWS_CA_BUNDLE", "SSL_CERT_FILE", ... or "system"
  std::string Describe() const;  // for error messages
};

struct ProxyChoice {
  std::string url;     // empty: direct
  std::string source;  // the variable it came from
  std::string DisplayHost() const;  // host:port without credentials
};

TrustChoice ChooseTrust(const Request& request, const EnvLookup& env);
ProxyChoice ChooseProxy(const std::string& url, const EnvLookup& env);
// True when `host` (no port) matches an entry of a NO_PROXY list.
bool NoProxyMatches(const std::string& host, const std::string& no_proxy);

// Provider-level CA bundle (the provider block's ca_bundle_file); empty clears it. Applies
// to every request of the process (one provider configuration per process).
void SetProviderCaBundle(std::string path);
std::string ProviderCaBundle();

}  // namespace prov::cloud::http
