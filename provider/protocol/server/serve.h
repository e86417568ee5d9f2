// Running the provider as a go-plugin gRPC plugin: the one entry point main() calls, and a
// lower-level PluginServer that tests (and Serve itself) use to run a server in-process.
//
// Serve() does the whole process contract: magic-cookie check, PLUGIN_PROTOCOL_VERSIONS
// negotiation (6 if offered, else 5), a unix socket in PLUGIN_UNIX_SOCKET_DIR / TMPDIR / /tmp
// (or TCP on 127.0.0.1 within PLUGIN_MIN_PORT..PLUGIN_MAX_PORT when PROV_PLUGIN_TRANSPORT=tcp),
// AutoMTLS when PLUGIN_CLIENT_CERT is set, the handshake line on stdout (flushed), then
// serving until GRPCController/Shutdown or SIGTERM; SIGINT is ignored. No generated protobuf
// type appears here.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "provider/base/result.h"
#include "provider/protocol/provider_api.h"

namespace prov::protocol::server {

struct ServeOptions {
  // Source address printed in the -debug reattach instructions.
  std::string provider_address = "registry.opentofu.org/office-at-hand/office";
  // -debug: no cookie needed, prints TF_REATTACH_PROVIDERS instructions, ignores
  // GRPCController/Shutdown and serves until SIGINT or SIGTERM.
  bool debug = false;
};

// Runs the plugin until told to stop; returns the process exit code (0 after a clean
// shutdown, 1 when the cookie is missing or start-up fails, with a message on stderr).
// After GRPCController/Shutdown it does not return: it ends the process itself (exit code
// 0) without waiting for gRPC's teardown (except in sanitizer builds).
// Installs signal handling for the process; call once, from main, before other threads.
int Serve(Provider& provider, const ServeOptions& options);

enum class Network { kUnix, kTcp };

struct ServerConfig {
  int protocol_version = 6;            // 5 or 6
  Network network = Network::kUnix;
  std::string socket_dir;              // unix: empty = TMPDIR, else /tmp
  int min_port = 10000;                // tcp, inclusive range on 127.0.0.1
  int max_port = 25000;
  std::string client_cert_pem;         // non-empty: serve mutual TLS trusting only this cert
  bool ignore_shutdown_rpc = false;    // debug mode
};

// An in-process plugin server. Start() listens and starts serving; the destructor (or
// Stop()) stops serving and removes the socket file. All methods are thread-safe.
class PluginServer {
 public:
  // Errors: kUnavailable when no socket/port could be bound, kInternal for TLS failures,
  // kInvalidArgument for a bad config (protocol version, socket path too long).
  static Result<std::unique_ptr<PluginServer>> Start(Provider& provider,
                                                     const ServerConfig& config);
  ~PluginServer();

  // "1|6|unix|/tmp/plugin123|grpc|<cert>\n".
  const std::string& handshake_line() const;
  const std::string& network() const;   // "unix" or "tcp"
  const std::string& address() const;   // socket path or 127.0.0.1:port
  const std::string& cert_der() const;  // empty without TLS
  int protocol_version() const;

  // Set by GRPCController/Shutdown (unless ignored) or RequestShutdown().
  void RequestShutdown();
  bool shutdown_requested() const;
  // True when the request was GRPCController/Shutdown, signalled once that call is over
  // (its reply sent).
  bool shutdown_requested_by_client() const;
  void WaitForShutdownRequest();
  // True if a request arrived within `timeout`.
  bool WaitForShutdownRequestFor(std::chrono::milliseconds timeout);
  // Stops serving: flips the cancel flag and calls Provider::Stop() so in-flight calls
  // wind down, gives them a short grace period, and unlinks the socket.
  // Idempotent.
  void Stop();
  // For a process that exits right after: flips the cancel flag, calls Provider::Stop()
  // and unlinks the socket, without waiting for gRPC (the exit closes the connections).
  // Nothing but the process exit may follow. Idempotent with Stop().
  void StopForExit();

  struct Impl;

 private:
  explicit PluginServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace prov::protocol::server
