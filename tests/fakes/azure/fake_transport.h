// Test doubles for the Azure unit tests: a scripted HttpTransport that records every
// request and answers from a handler, and a token source with a fixed token.
#pragma once

#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "provider/cloud/azure/arm_client.h"
#include "provider/cloud/http/transport.h"

namespace prov::cloud::azure::testing {

class ScriptedTransport : public http::Transport {
 public:
  using Handler = std::function<Result<http::Response>(const http::Request&)>;
  explicit ScriptedTransport(Handler h) : handler_(std::move(h)) {}
  Result<http::Response> Do(const http::Request& req) override {
    {
      std::lock_guard<std::mutex> g(mu_);
      requests_.push_back(req);
    }
    return handler_(req);
  }
  std::vector<http::Request> requests() const {
    std::lock_guard<std::mutex> g(mu_);
    return requests_;
  }

 private:
  Handler handler_;
  mutable std::mutex mu_;
  std::vector<http::Request> requests_;
};

inline http::Response Resp(int status, std::string body = "",
                           std::map<std::string, std::string> headers = {}) {
  http::Response r;
  r.status = status;
  r.body = std::move(body);
  r.headers = std::move(headers);
  return r;
}

inline std::string HeaderOf(const http::Request& r, const std::string& name) {
  for (const auto& [k, v] : r.headers) {
    if (k.size() == name.size() &&
        std::equal(k.begin(), k.end(), name.begin(),
                   [](char a, char b) { return std::tolower(a) == std::tolower(b); }))
      return v;
  }
  return "";
}

class FixedTokenSource : public TokenSource {
 public:
  explicit FixedTokenSource(std::string t = "test-token") : token_(std::move(t)) {}
  Result<std::string> Token(const std::atomic<bool>*) override {
    std::lock_guard<std::mutex> g(mu_);
    ++calls_;
    return token_ + (invalidations_ ? "-" + std::to_string(invalidations_) : "");
  }
  void Invalidate() override {
    std::lock_guard<std::mutex> g(mu_);
    ++invalidations_;
  }
  int invalidations() const {
    std::lock_guard<std::mutex> g(mu_);
    return invalidations_;
  }

 private:
  mutable std::mutex mu_;
  std::string token_;
  int calls_ = 0;
  int invalidations_ = 0;
};

}  // namespace prov::cloud::azure::testing
