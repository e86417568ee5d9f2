// Scripted http::Transport for unit tests: answers requests from a handler and records
// them (method, url, headers, body) so tests can check what was sent. Thread-safe.
#pragma once

#include <functional>
#include <fstream>
#include <map>
#include <mutex>
#include <sstream>
#include <string>
#include <vector>

#include "provider/cloud/http/transport.h"

namespace prov::testing {

class FakeTransport : public cloud::http::Transport {
 public:
  using Handler = std::function<Result<cloud::http::Response>(const cloud::http::Request&)>;
  explicit FakeTransport(Handler h) : handler_(std::move(h)) {}

  Result<cloud::http::Response> Do(const cloud::http::Request& r) override {
    {
      std::lock_guard<std::mutex> lock(mu_);
      requests_.push_back(r);
    }
    return handler_(r);
  }
  std::vector<cloud::http::Request> requests() const {
    std::lock_guard<std::mutex> lock(mu_);
    return requests_;
  }

 private:
  Handler handler_;
  mutable std::mutex mu_;
  std::vector<cloud::http::Request> requests_;
};

// Decoded form fields of a request body ("a=1&b=x%20y").
inline std::map<std::string, std::string> FormFields(const std::string& body) {
  auto dec = [](const std::string& s) {
    std::string o;
    for (size_t i = 0; i < s.size(); ++i) {
      if (s[i] == '%' && i + 2 < s.size()) {
        o.push_back(static_cast<char>(std::stoi(s.substr(i + 1, 2), nullptr, 16)));
        i += 2;
      } else if (s[i] == '+') {
        o.push_back(' ');
      } else {
        o.push_back(s[i]);
      }
    }
    return o;
  };
  std::map<std::string, std::string> out;
  size_t pos = 0;
  while (pos < body.size()) {
    size_t amp = body.find('&', pos);
    if (amp == std::string::npos) amp = body.size();
    std::string kv = body.substr(pos, amp - pos);
    size_t eq = kv.find('=');
    out[dec(kv.substr(0, eq))] = eq == std::string::npos ? "" : dec(kv.substr(eq + 1));
    pos = amp + 1;
  }
  return out;
}

inline std::string ReadTestData(const std::string& rel) {
  const char* root = std::getenv("PROV_SOURCE_DIR");
  std::ifstream in(std::string(root ? root : ".") + "/tests/testdata/" + rel, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline cloud::http::Response XmlResponse(int status, std::string body) {
  cloud::http::Response r;
  r.status = status;
  r.headers["content-type"] = "text/xml;charset=UTF-8";
  r.body = std::move(body);
  return r;
}

}  // namespace prov::testing
