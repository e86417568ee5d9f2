// Starts tests/fakes/azure/server.py (python3 from PATH) as a child process, reads its
// one-line JSON banner, and stops it (closing its stdin, then SIGTERM) on destruction.
// Also has helpers to reach the fake with real credentials and to set up resource groups
// and NSGs through the real ARM paths.
#pragma once

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "provider/cloud/azure/arm_client.h"
#include "provider/cloud/azure/credentials.h"
#include "provider/cloud/http/transport.h"

namespace prov::cloud::azure::testing {

class FakeArmServer {
 public:
  // `args` are passed to server.py (e.g. {"--page-size", "2", "--retry-after", "0"}).
  // On failure, error() says why and info() is empty.
  explicit FakeArmServer(const std::vector<std::string>& args = {}) {
    const char* src = std::getenv("PROV_SOURCE_DIR");
    std::string script = std::string(src ? src : ".") + "/tests/fakes/azure/server.py";
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
      std::vector<std::string> argv_s = {"python3", script};
      for (const auto& a : args) argv_s.push_back(a);
      std::vector<char*> argv;
      for (auto& s : argv_s) argv.push_back(s.data());
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
    while (out && (c = fgetc(out)) != EOF && c != '\n') line.push_back(static_cast<char>(c));
    if (out) fclose(out);
    try {
      info_ = nlohmann::json::parse(line);
    } catch (const std::exception&) {
      error_ = "server.py did not print its JSON banner (got \"" + line + "\")";
    }
  }
  ~FakeArmServer() {
    if (stdin_fd_ >= 0) close(stdin_fd_);
    if (pid_ > 0) {
      kill(pid_, SIGTERM);
      int status = 0;
      waitpid(pid_, &status, 0);
    }
  }
  FakeArmServer(const FakeArmServer&) = delete;
  FakeArmServer& operator=(const FakeArmServer&) = delete;

  bool ok() const { return error_.empty(); }
  const std::string& error() const { return error_; }
  std::string Get(const char* k) const { return info_.value(k, ""); }
  std::string arm() const { return Get("arm_endpoint"); }

  AzureCredentialConfig SecretCredentials() const {
    AzureCredentialConfig c;
    c.tenant_id = Get("tenant_id");
    c.client_id = Get("client_id");
    c.client_secret = Get("client_secret");
    c.authority_host = Get("token_endpoint");
    return c;
  }

  // A client with a client-secret token source against this fake.
  std::shared_ptr<ArmClient> NewClient(std::shared_ptr<http::Transport> transport,
                                       ArmConfig cfg = {}) const {
    auto tokens = NewTokenSource(SecretCredentials(), transport);
    if (!tokens.ok()) return nullptr;
    cfg.endpoint = arm();
    return std::make_shared<ArmClient>(cfg, transport, *tokens);
  }

  // Raw control calls (no auth).
  Result<http::Response> Control(http::Transport& t, const std::string& method,
                                 const std::string& path, const std::string& body = "") const {
    http::Request r;
    r.method = method;
    r.url = arm() + path;
    r.body = body;
    if (!body.empty()) r.headers.emplace_back("Content-Type", "application/json");
    return t.Do(r);
  }

  std::string NsgId(const std::string& rg, const std::string& nsg) const {
    return "/subscriptions/" + Get("subscription_id") + "/resourceGroups/" + rg +
           "/providers/Microsoft.Network/networkSecurityGroups/" + nsg;
  }

  // Creates the resource group (if needed) and an empty NSG through the ARM API.
  Status CreateNsg(ArmClient& client, const std::string& rg, const std::string& nsg) const {
    auto r = client.Call("PUT",
                         "/subscriptions/" + Get("subscription_id") + "/resourceGroups/" + rg +
                             "?api-version=2021-04-01",
                         R"({"location":"westeurope"})", nullptr);
    if (!r.ok()) return r.error();
    if (r->status != 200 && r->status != 201) return ArmError(*r, "creating resource group");
    auto n = client.Call("PUT", NsgId(rg, nsg), R"({"location":"westeurope"})", nullptr);
    if (!n.ok()) return n.error();
    if (n->status != 200 && n->status != 201) return ArmError(*n, "creating NSG");
    return Status::Ok();
  }

 private:
  pid_t pid_ = -1;
  int stdin_fd_ = -1;
  nlohmann::json info_ = nlohmann::json::object();
  std::string error_;
};

}  // namespace prov::cloud::azure::testing
