#include "provider/protocol/server/serve.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <csignal>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <random>
#include <thread>

#include <grpcpp/grpcpp.h>
#include <grpcpp/health_check_service_interface.h>
#include <nlohmann/json.hpp>

#include "provider/base/log.h"
#include "provider/protocol/server/handshake.h"
#include "provider/protocol/server/plugin_services.h"
#include "provider/protocol/server/provider_v5.h"
#include "provider/protocol/server/provider_v6.h"
#include "provider/protocol/server/rpc_core.h"
#include "provider/protocol/server/tls.h"

namespace prov::protocol::server {

namespace {

constexpr int kMaxMessageBytes = 256 << 20;  // what HashiCorp's SDKs allow

std::string RandomDigits(int n) {
  static std::mutex mu;
  static std::mt19937_64 rng{std::random_device{}()};
  std::lock_guard<std::mutex> lock(mu);
  std::string s;
  for (int i = 0; i < n; ++i) s.push_back(static_cast<char>('0' + rng() % 10));
  return s;
}

// Finds a free port in [min,max] by binding a probe socket; grpc then binds it for real.
// A race with another process is possible and handled by the caller's retry.
int ProbePort(int min_port, int max_port) {
  if (min_port <= 0 || max_port < min_port || max_port > 65535) return -1;
  const int span = max_port - min_port + 1;
  const int offset = std::stoi(RandomDigits(6)) % span;
  for (int i = 0; i < span; ++i) {
    const int port = min_port + (offset + i) % span;
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) return -1;
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    const bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
    ::close(fd);
    if (ok) return port;
  }
  return -1;
}

int EnvInt(const char* name, int fallback) {
  const char* v = std::getenv(name);
  if (v == nullptr || *v == '\0') return fallback;
  char* end = nullptr;
  long n = std::strtol(v, &end, 10);
  if (end == v || *end != '\0' || n < 0 || n > 65535) return fallback;
  return static_cast<int>(n);
}

void WriteAll(int fd, const std::string& s) {
  size_t off = 0;
  while (off < s.size()) {
    ssize_t n = ::write(fd, s.data() + off, s.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    off += static_cast<size_t>(n);
  }
}

}  // namespace

struct PluginServer::Impl {
  explicit Impl(Provider& p) : core(p) {}

  ProviderCore core;
  std::unique_ptr<ProviderV6Service> v6;
  std::unique_ptr<ProviderV5Service> v5;
  std::unique_ptr<ControllerService> controller;
  StdioService stdio;
  BrokerService broker;
  std::unique_ptr<grpc::Server> server;

  std::string line, network, address, cert_der, socket_path;
  int protocol = 6;

  std::mutex mu;
  std::condition_variable cv;
  bool shutdown_requested = false;
  bool shutdown_by_client = false;  // GRPCController/Shutdown, not a signal or RequestShutdown()
  bool stopped = false;
};

PluginServer::PluginServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
PluginServer::~PluginServer() { Stop(); }

Result<std::unique_ptr<PluginServer>> PluginServer::Start(Provider& provider,
                                                          const ServerConfig& config) {
  if (config.protocol_version != 5 && config.protocol_version != 6) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "unsupported plugin protocol version " +
                         std::to_string(config.protocol_version));
  }
  auto impl = std::make_unique<Impl>(provider);
  Impl* raw = impl.get();
  impl->protocol = config.protocol_version;
  impl->controller = std::make_unique<ControllerService>([raw, ignore = config.ignore_shutdown_rpc] {
    if (ignore) {
      log::Info("Ignoring GRPCController/Shutdown in debug mode");
      return;
    }
    std::lock_guard<std::mutex> lock(raw->mu);
    raw->shutdown_requested = true;
    raw->shutdown_by_client = true;
    raw->cv.notify_all();
  });

  std::shared_ptr<grpc::ServerCredentials> creds;
  if (!config.client_cert_pem.empty()) {
    PROV_RETURN_IF_ERROR(ValidateClientCertificate(config.client_cert_pem));
    PROV_ASSIGN_OR_RETURN(TlsIdentity id, GenerateTlsIdentity());
    grpc::SslServerCredentialsOptions opts(
        GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY);
    opts.pem_root_certs = config.client_cert_pem;
    opts.pem_key_cert_pairs.push_back({id.key_pem, id.cert_pem});
    creds = grpc::SslServerCredentials(opts);
    impl->cert_der = std::move(id.cert_der);
  } else {
    creds = grpc::InsecureServerCredentials();
  }

  if (config.protocol_version == 6) {
    impl->v6 = std::make_unique<ProviderV6Service>(impl->core);
  } else {
    impl->v5 = std::make_unique<ProviderV5Service>(impl->core);
  }

  grpc::EnableDefaultHealthCheckService(true);
  for (int attempt = 0; attempt < 8 && !impl->server; ++attempt) {
    grpc::ServerBuilder builder;
    builder.SetMaxReceiveMessageSize(kMaxMessageBytes);
    builder.SetMaxSendMessageSize(kMaxMessageBytes);
    // Two processes must never share a port.
    builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
    std::string listen;
    if (config.network == Network::kUnix) {
      std::string dir = config.socket_dir;
      if (dir.empty()) {
        const char* tmp = std::getenv("TMPDIR");
        dir = (tmp && *tmp) ? tmp : "/tmp";
      }
      while (dir.size() > 1 && dir.back() == '/') dir.pop_back();
      impl->socket_path = dir + "/plugin" + RandomDigits(10);
      if (impl->socket_path.size() >= sizeof(sockaddr_un{}.sun_path)) {
        return MakeError(ErrorCode::kInvalidArgument,
                         "unix socket path too long (" + std::to_string(impl->socket_path.size()) +
                             " bytes): " + impl->socket_path +
                             "; set PLUGIN_UNIX_SOCKET_DIR or TMPDIR to a shorter directory");
      }
      ::unlink(impl->socket_path.c_str());
      impl->network = "unix";
      impl->address = impl->socket_path;
      listen = "unix:" + impl->socket_path;
    } else {
      const int port = ProbePort(config.min_port, config.max_port);
      if (port < 0) {
        return MakeError(ErrorCode::kUnavailable,
                         "no free TCP port on 127.0.0.1 in " + std::to_string(config.min_port) +
                             ".." + std::to_string(config.max_port));
      }
      impl->network = "tcp";
      impl->address = "127.0.0.1:" + std::to_string(port);
      listen = impl->address;
    }
    builder.AddListeningPort(listen, creds);
    if (impl->v6) builder.RegisterService(impl->v6.get());
    if (impl->v5) builder.RegisterService(impl->v5.get());
    builder.RegisterService(impl->controller.get());
    builder.RegisterService(&impl->stdio);
    builder.RegisterService(&impl->broker);
    impl->server = builder.BuildAndStart();
  }
  if (!impl->server) {
    return MakeError(ErrorCode::kUnavailable, "could not listen on " + impl->network + " " +
                                                  impl->address);
  }
  if (auto* health = impl->server->GetHealthCheckService()) {
    health->SetServingStatus("plugin", true);
  }
  impl->line = FormatHandshakeLine(impl->protocol, impl->network, impl->address, impl->cert_der);
  return std::unique_ptr<PluginServer>(new PluginServer(std::move(impl)));
}

const std::string& PluginServer::handshake_line() const { return impl_->line; }
const std::string& PluginServer::network() const { return impl_->network; }
const std::string& PluginServer::address() const { return impl_->address; }
const std::string& PluginServer::cert_der() const { return impl_->cert_der; }
int PluginServer::protocol_version() const { return impl_->protocol; }

void PluginServer::RequestShutdown() {
  std::lock_guard<std::mutex> lock(impl_->mu);
  impl_->shutdown_requested = true;
  impl_->cv.notify_all();
}

bool PluginServer::shutdown_requested() const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  return impl_->shutdown_requested;
}

bool PluginServer::shutdown_requested_by_client() const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  return impl_->shutdown_by_client;
}

void PluginServer::WaitForShutdownRequest() {
  std::unique_lock<std::mutex> lock(impl_->mu);
  impl_->cv.wait(lock, [&] { return impl_->shutdown_requested; });
}

bool PluginServer::WaitForShutdownRequestFor(std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock(impl_->mu);
  return impl_->cv.wait_for(lock, timeout, [&] { return impl_->shutdown_requested; });
}

void PluginServer::Stop() {
  {
    std::lock_guard<std::mutex> lock(impl_->mu);
    if (impl_->stopped) return;
    impl_->stopped = true;
  }
  // Handlers still running (a long apply during SIGTERM) see CallContext::Cancelled() and
  // the provider gets its Stop(), so server->Wait() below does not hang on them.
  impl_->core.Stop();
  // A short grace period: the CLI calls Shutdown only when it is done, and a client-held
  // broker stream must not keep us alive.
  impl_->server->Shutdown(std::chrono::system_clock::now() + std::chrono::milliseconds(300));
  impl_->server->Wait();
  if (!impl_->socket_path.empty()) ::unlink(impl_->socket_path.c_str());
}

void PluginServer::StopForExit() {
  {
    std::lock_guard<std::mutex> lock(impl_->mu);
    if (impl_->stopped) return;
    impl_->stopped = true;
  }
  impl_->core.Stop();
  if (!impl_->socket_path.empty()) ::unlink(impl_->socket_path.c_str());
}

int Serve(Provider& provider, const ServeOptions& options) {
  log::InitFromEnvironment();
  if (!options.debug && !CookieValid(std::getenv(std::string(kMagicCookieKey).c_str()))) {
    WriteAll(2, CookieMissingMessage());
    return 1;
  }

  ServerConfig config;
  if (options.debug) {
    config.protocol_version = 6;
    config.ignore_shutdown_rpc = true;
  } else {
    const char* versions = std::getenv("PLUGIN_PROTOCOL_VERSIONS");
    auto proto = NegotiateProtocol(versions ? versions : "");
    if (!proto.ok()) {
      // Printed on stdout so the CLI shows it as "Unrecognized remote plugin message".
      WriteAll(1, "Incompatible plugin protocol: " + proto.error().message + "\n");
      return 1;
    }
    config.protocol_version = *proto;
    if (const char* cert = std::getenv("PLUGIN_CLIENT_CERT")) config.client_cert_pem = cert;
  }
  if (const char* dir = std::getenv("PLUGIN_UNIX_SOCKET_DIR")) config.socket_dir = dir;
  if (const char* t = std::getenv("PROV_PLUGIN_TRANSPORT"); t && std::string(t) == "tcp") {
    config.network = Network::kTcp;
    config.min_port = EnvInt("PLUGIN_MIN_PORT", 10000);
    config.max_port = EnvInt("PLUGIN_MAX_PORT", 25000);
  }

  // Signals: SIGINT goes to the whole process group when the user presses Ctrl-C; the CLI
  // then sends StopProvider, so we ignore it (except in -debug, where it is the way out).
  // SIGTERM means "shut down like GRPCController/Shutdown". The mask is set before gRPC
  // starts its threads so that only our signal thread receives them.
  if (!options.debug) std::signal(SIGINT, SIG_IGN);
  std::signal(SIGPIPE, SIG_IGN);
  sigset_t waitset;
  sigemptyset(&waitset);
  sigaddset(&waitset, SIGTERM);
  if (options.debug) sigaddset(&waitset, SIGINT);
  pthread_sigmask(SIG_BLOCK, &waitset, nullptr);

  auto started = PluginServer::Start(provider, config);
  if (!started.ok()) {
    log::Error("Starting the plugin server failed", {{"error", started.error().ToString()}});
    WriteAll(2, "terraform-provider-office: " + started.error().ToString() + "\n");
    return 1;
  }
  std::unique_ptr<PluginServer> server = std::move(started).value();

  std::atomic<bool> done{false};
  std::thread signal_thread([&] {
    while (true) {
      int sig = 0;
      if (sigwait(&waitset, &sig) != 0) continue;
      if (done.load()) return;
      log::Info("Received signal, shutting down", {{"signal", std::to_string(sig)}});
      server->RequestShutdown();
    }
  });

  if (options.debug) {
    nlohmann::json reattach;
    reattach[options.provider_address] = {
        {"Protocol", "grpc"},
        {"ProtocolVersion", 6},
        {"Pid", static_cast<int>(::getpid())},
        {"Test", true},
        {"Addr", {{"Network", server->network()}, {"String", server->address()}}}};
    WriteAll(1, "Provider started. To attach Terraform or OpenTofu, set this in your shell:\n\n"
                "\tTF_REATTACH_PROVIDERS='" + reattach.dump() + "'\n\n"
                "Stop with Ctrl-C (SIGINT) or SIGTERM.\n");
  } else {
    // The one line the client reads; written with write(2) so no stdio buffer holds it.
    WriteAll(1, server->handshake_line());
  }
  log::Debug("Plugin server listening", {{"network", server->network()},
                                         {"address", server->address()},
                                         {"protocol", std::to_string(server->protocol_version())}});

  server->WaitForShutdownRequest();
#if !defined(__SANITIZE_ADDRESS__) && !defined(__SANITIZE_THREAD__)
  if (server->shutdown_requested_by_client()) {
    // The client is done with this process and waits for it to exit (go-plugin reads our
    // stdout/stderr to EOF). Its Shutdown call has been answered and completed (the
    // controller signals from OnDone), so nothing is left to serve: stop the provider,
    // remove the socket and exit now, as a Go plugin does, instead of waiting for gRPC to
    // drain idle connections (up to the grace period when the client keeps its connection
    // open) and to join its threads. Sanitizer builds take the full path below so that the
    // leak checker sees a complete teardown.
    server->StopForExit();
    log::Debug("GRPCController/Shutdown served; exiting");
    std::fflush(nullptr);
    _exit(0);
  }
#endif
  server->Stop();
  done.store(true);
  pthread_kill(signal_thread.native_handle(), SIGTERM);
  signal_thread.join();
  return 0;
}

}  // namespace prov::protocol::server
