// Starts tests/fakes/gcp/server.py (python3 from PATH) on 127.0.0.1 with an ephemeral port
// for integration tests and benchmarks, reads its one-line JSON announcement, and stops it
// (closes its stdin, then SIGTERM if needed) when destroyed.
#pragma once

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "provider/base/result.h"

namespace prov::cloud::gcp::testing {

class FakeGcpServer {
 public:
  FakeGcpServer() = default;
  FakeGcpServer(const FakeGcpServer&) = delete;
  FakeGcpServer& operator=(const FakeGcpServer&) = delete;
  ~FakeGcpServer() { Stop(); }

  // `source_dir`: the repository root (PROV_SOURCE_DIR). Errors: kUnavailable when the
  // process cannot start or does not announce itself within 20 s.
  Status Start(const std::string& source_dir, const std::vector<std::string>& extra_args = {}) {
    std::string script = source_dir + "/tests/fakes/gcp/server.py";
    int in_pipe[2], out_pipe[2];
    if (pipe(in_pipe) != 0 || pipe(out_pipe) != 0) {
      return MakeError(ErrorCode::kUnavailable, "pipe() failed");
    }
    pid_ = fork();
    if (pid_ < 0) return MakeError(ErrorCode::kUnavailable, "fork() failed");
    if (pid_ == 0) {
      dup2(in_pipe[0], 0);
      dup2(out_pipe[1], 1);
      close(in_pipe[1]);
      close(out_pipe[0]);
      std::vector<std::string> args = {"python3", script};
      args.insert(args.end(), extra_args.begin(), extra_args.end());
      std::vector<char*> argv;
      for (auto& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      execvp("python3", argv.data());
      _exit(127);
    }
    close(in_pipe[0]);
    close(out_pipe[1]);
    stdin_fd_ = in_pipe[1];
    FILE* out = fdopen(out_pipe[0], "r");
    std::string line;
    int c;
    while ((c = fgetc(out)) != EOF && c != '\n') line += char(c);
    fclose(out);
    info_ = nlohmann::json::parse(line, nullptr, false);
    if (info_.is_discarded() || !info_.contains("compute_endpoint")) {
      Stop();
      return MakeError(ErrorCode::kUnavailable, "GCP fake did not start: \"" + line + "\"");
    }
    return Status::Ok();
  }

  void Stop() {
    if (stdin_fd_ >= 0) {
      close(stdin_fd_);
      stdin_fd_ = -1;
    }
    if (pid_ > 0) {
      for (int i = 0; i < 100; ++i) {
        if (waitpid(pid_, nullptr, WNOHANG) == pid_) {
          pid_ = -1;
          return;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
      }
      kill(pid_, SIGTERM);
      waitpid(pid_, nullptr, 0);
      pid_ = -1;
    }
  }

  std::string Get(const char* key) const { return info_.value(key, std::string()); }
  std::string compute_endpoint() const { return Get("compute_endpoint"); }
  std::string project() const { return Get("project"); }
  std::string credentials_file() const { return Get("credentials_file"); }

 private:
  pid_t pid_ = -1;
  int stdin_fd_ = -1;
  nlohmann::json info_;
};

}  // namespace prov::cloud::gcp::testing
