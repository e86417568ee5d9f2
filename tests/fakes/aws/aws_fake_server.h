// Starts tests/fakes/aws/server.py (moto behind the SigV4-checking, fault-injecting
// proxy) as a child process for C++ tests and benchmarks, and talks to its control API.
// The child exits when we close its stdin (destructor); SIGTERM after a grace period.
#pragma once

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>

#include "provider/cloud/http/transport.h"

namespace prov::testing {

class AwsFakeServer {
 public:
  // `source_dir`: repository root (PROV_SOURCE_DIR). Check ok() / error() afterwards.
  explicit AwsFakeServer(const std::string& source_dir, int startup_timeout_s = 60) {
    std::string script = source_dir + "/tests/fakes/aws/server.py";
    int in_pipe[2], out_pipe[2];
    if (pipe(in_pipe) != 0 || pipe(out_pipe) != 0) {
      error_ = "pipe failed";
      return;
    }
    pid_ = fork();
    if (pid_ == 0) {
      dup2(in_pipe[0], 0);
      dup2(out_pipe[1], 1);
      close(in_pipe[1]);
      close(out_pipe[0]);
      execlp("python3", "python3", script.c_str(), static_cast<char*>(nullptr));
      _exit(127);
    }
    close(in_pipe[0]);
    close(out_pipe[1]);
    stdin_fd_ = in_pipe[1];
    int out = out_pipe[0];
    std::string line;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(startup_timeout_s);
    while (line.find('\n') == std::string::npos && std::chrono::steady_clock::now() < deadline) {
      pollfd p{out, POLLIN, 0};
      if (poll(&p, 1, 200) <= 0) continue;
      char buf[512];
      ssize_t n = read(out, buf, sizeof(buf));
      if (n <= 0) break;
      line.append(buf, static_cast<size_t>(n));
    }
    close(out);
    try {
      auto j = nlohmann::json::parse(line.substr(0, line.find('\n')));
      endpoint_ = j.at("endpoint").get<std::string>();
      moto_ = j.at("moto").get<std::string>();
    } catch (...) {
      error_ = "server.py did not print its ready line (got: " + line + ")";
    }
    transport_ = cloud::http::NewCurlTransport();
  }

  ~AwsFakeServer() {
    if (pid_ <= 0) return;
    close(stdin_fd_);
    for (int i = 0; i < 100; ++i) {
      if (waitpid(pid_, nullptr, WNOHANG) == pid_) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    kill(pid_, SIGTERM);
    waitpid(pid_, nullptr, 0);
  }

  bool ok() const { return error_.empty(); }
  const std::string& error() const { return error_; }
  const std::string& endpoint() const { return endpoint_; }
  const std::string& moto() const { return moto_; }

  // kind: throttle | 5xx | drop | slow | truncate | drop_after
  bool Fault(const std::string& kind, int count, const std::string& action = "", int delay_ms = 0) {
    nlohmann::json j = {{"kind", kind}, {"count", count}, {"action", action}};
    if (delay_ms > 0) j["delay_ms"] = delay_ms;
    return Post("/_fault", j.dump()).value("queued", nlohmann::json::array()).size() > 0;
  }
  void ClearFaults() { Post("/_clear_faults", "{}"); }
  void ResetStats() { Post("/_reset_stats", "{}"); }
  void Reset() { Post("/_reset", "{}"); }
  nlohmann::json Stats() {
    cloud::http::Request r;
    r.url = endpoint_ + "/_stats";
    auto resp = transport_->Do(r);
    if (!resp.ok() || resp->status != 200) return nlohmann::json::object();
    return nlohmann::json::parse(resp->body, nullptr, false);
  }
  // Requests for `action` that reached the proxy (including faulted ones).
  int Count(const std::string& action) { return Stats()["actions"].value(action, 0); }
  int Forwarded(const std::string& action) { return Stats()["forwarded"].value(action, 0); }

 private:
  nlohmann::json Post(const std::string& path, const std::string& body) {
    cloud::http::Request r;
    r.method = "POST";
    r.url = endpoint_ + path;
    r.headers = {{"Content-Type", "application/json"}};
    r.body = body;
    auto resp = transport_->Do(r);
    if (!resp.ok()) return nlohmann::json::object();
    auto j = nlohmann::json::parse(resp->body, nullptr, false);
    return j.is_discarded() ? nlohmann::json::object() : j;
  }

  pid_t pid_ = -1;
  int stdin_fd_ = -1;
  std::string endpoint_, moto_, error_;
  std::shared_ptr<cloud::http::Transport> transport_;
};

}  // namespace prov::testing
