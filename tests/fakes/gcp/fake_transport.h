// Scripted in-memory HttpTransport for the GCP unit tests: every request is recorded and
// answered by a handler the test supplies (or by a queue of canned responses).
#pragma once

#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "provider/cloud/http/transport.h"

namespace prov::cloud::gcp::testing {

class FakeTransport : public http::Transport {
 public:
  using Handler = std::function<Result<http::Response>(const http::Request&)>;

  explicit FakeTransport(Handler handler = nullptr) : handler_(std::move(handler)) {}

  Result<http::Response> Do(const http::Request& request) override {
    std::lock_guard<std::mutex> lock(mu_);
    requests_.push_back(request);
    if (!queue_.empty()) {
      auto r = queue_.front();
      queue_.pop_front();
      return r;
    }
    if (handler_) return handler_(request);
    return MakeError(ErrorCode::kUnavailable, "FakeTransport: no response scripted for " +
                                                  request.method + " " + request.url);
  }

  void Push(int status, std::string body, std::map<std::string, std::string> headers = {}) {
    std::lock_guard<std::mutex> lock(mu_);
    http::Response r;
    r.status = status;
    r.body = std::move(body);
    r.headers = std::move(headers);
    queue_.push_back(r);
  }
  void PushError(Error e) {
    std::lock_guard<std::mutex> lock(mu_);
    queue_.push_back(std::move(e));
  }
  std::vector<http::Request> requests() {
    std::lock_guard<std::mutex> lock(mu_);
    return requests_;
  }

 private:
  std::mutex mu_;
  Handler handler_;
  std::deque<Result<http::Response>> queue_;
  std::vector<http::Request> requests_;
};

inline http::Response JsonResponse(int status, const std::string& body) {
  http::Response r;
  r.status = status;
  r.body = body;
  r.headers["content-type"] = "application/json";
  return r;
}

}  // namespace prov::cloud::gcp::testing
