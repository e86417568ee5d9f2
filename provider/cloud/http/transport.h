// HttpTransport: the only way cloud adapters reach the network. Production uses libcurl
// (curl_transport.h) with keep-alive connection reuse; tests inject fakes. Retries are not
// done here: see retry.h.
#pragma once

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

// Thread-safe libcurl transport; one instance can be shared by all adapters.
std::shared_ptr<Transport> NewCurlTransport();

}  // namespace prov::cloud::http
