// HttpTransport: the only way cloud adapters reach the network. Production uses libcurl
// (curl_transport.h) with keep-alive connection reuse; tests inject fakes. Retries are not
// done here: see retry.h.
#pragma once

#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "provider/base/result.h"

namespace prov::cloud::http {

struct Request {
  std::string method = "GET";
  std::string url;  // absolute
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::chrono::milliseconds timeout{60000};
  // Set => no request is sent once the flag is up, and one in flight stops (kCancelled)
  // about 350 ms after it flips unless its answer arrives first. The RPC
  // being served is also checked (cancel::Requested()), so most callers leave this null.
  const std::atomic<bool>* cancel = nullptr;
  // CA bundle for this request only (AWS_CA_BUNDLE / the AWS profile's ca_bundle), with
  // where it came from for error messages. The provider's ca_bundle_file overrides it.
  std::string ca_bundle;
  std::string ca_bundle_source;
};

struct Response {
  int status = 0;
  // Header names lower-cased; repeated headers joined with ", ".
  std::map<std::string, std::string> headers;
  std::string body;
  std::string Header(const std::string& lower_name) const {
    auto it = headers.find(lower_name);
    return it == headers.end() ? std::string() : it->second;
  }
};

class Transport {
 public:
  virtual ~Transport() = default;
  // Returns a Response for any HTTP status; an Error (kUnavailable / kDeadlineExceeded)
  // only when no HTTP response was received (DNS, connect, reset, timeout).
  virtual Result<Response> Do(const Request& request) = 0;
};

// Thread-safe libcurl transport; one instance can be shared by all adapters. TLS trust and
// proxies follow network_options.h.
std::shared_ptr<Transport> NewCurlTransport();

// Wraps `inner` so that every request without its own CA bundle uses `ca_bundle` (named
// `source` in errors). Empty `ca_bundle` returns `inner` unchanged.
std::shared_ptr<Transport> WithCaBundle(std::shared_ptr<Transport> inner, std::string ca_bundle,
                                        std::string source);

}  // namespace prov::cloud::http
