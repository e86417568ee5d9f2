// An in-process test client that speaks go-plugin's handshake and the plugin gRPC services
// like the Terraform/OpenTofu CLIs do: it can start a plugin process (reading its first
// stdout line with a timeout) or attach to an in-process PluginServer, generates its own
// client certificate for AutoMTLS (PLUGIN_CLIENT_CERT), trusts exactly the certificate from
// handshake field 6, and dials with server name "localhost".
#pragma once

#include <sys/types.h>

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <grpcpp/grpcpp.h>

#include "grpc_controller.grpc.pb.h"
#include "provider/base/result.h"
#include "provider/protocol/server/tls.h"
#include "tfplugin5.grpc.pb.h"
#include "tfplugin6.grpc.pb.h"

namespace prov::testing {

struct Handshake {
  int core = 0;
  int protocol = 0;
  std::string network, address, rpc, cert_b64;
};
// Parses one handshake line (trailing newline allowed); error on a malformed line.
Result<Handshake> ParseHandshake(const std::string& line);
// Inverse of the server's unpadded base64; error on '=' padding or bad characters.
Result<std::string> Base64DecodeNoPad(const std::string& text);

// A started plugin process. Destructor kills it (SIGKILL) if it is still running.
class PluginProcess {
 public:
  struct Options {
    std::vector<std::string> argv;               // argv[0] = executable path
    std::map<std::string, std::string> env;      // added to (overriding) our environment
    std::vector<std::string> unset_env;          // removed from the child's environment
    // Self-exec test children print gtest chatter on fd 1/2 first: give them the plugin
    // pipes on fds 3 (stdout) and 4 (stderr) instead and discard fds 1/2.
    bool plugin_pipes_on_fd3 = false;
  };
  static Result<std::unique_ptr<PluginProcess>> Start(const Options& options);
  ~PluginProcess();

  // First stdout line including "\n", or an error on timeout/EOF.
  Result<std::string> ReadLine(std::chrono::milliseconds timeout);
  // Waits for exit; returns the exit status (128+signal if killed) or nullopt on timeout.
  std::optional<int> WaitExit(std::chrono::milliseconds timeout);
  std::string DrainStderr();  // everything written to stderr so far (non-blocking)
  pid_t pid() const { return pid_; }
  void Signal(int sig);

 private:
  pid_t pid_ = -1;
  int out_fd_ = -1, err_fd_ = -1;
  std::string out_buf_;
  std::optional<int> exit_status_;
};

class PluginClient {
 public:
  // identity: client certificate to present (nullptr = plaintext).
  static Result<std::unique_ptr<PluginClient>> Connect(
      const Handshake& hs, const protocol::server::TlsIdentity* identity,
      std::chrono::milliseconds connect_timeout = std::chrono::seconds(10));

  tfplugin6::Provider::Stub& v6() { return *v6_; }
  tfplugin5::Provider::Stub& v5() { return *v5_; }
  plugin::GRPCController::Stub& controller() { return *controller_; }
  std::shared_ptr<grpc::Channel> channel() { return channel_; }

 private:
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<tfplugin6::Provider::Stub> v6_;
  std::unique_ptr<tfplugin5::Provider::Stub> v5_;
  std::unique_ptr<plugin::GRPCController::Stub> controller_;
};

}  // namespace prov::testing
