#include "tests/support/plugin_client.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <thread>

#include <openssl/pem.h>
#include <openssl/x509.h>

extern char** environ;

namespace prov::testing {

Result<Handshake> ParseHandshake(const std::string& line) {
  std::string s = line;
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
  std::vector<std::string> parts;
  size_t pos = 0;
  while (true) {
    size_t bar = s.find('|', pos);
    parts.push_back(s.substr(pos, bar == std::string::npos ? std::string::npos : bar - pos));
    if (bar == std::string::npos) break;
    pos = bar + 1;
  }
  if (parts.size() < 6) {
    return MakeError(ErrorCode::kInvalidArgument, "handshake has " +
                                                      std::to_string(parts.size()) +
                                                      " fields, want 6: " + s);
  }
  Handshake h;
  try {
    h.core = std::stoi(parts[0]);
    h.protocol = std::stoi(parts[1]);
  } catch (const std::exception&) {
    return MakeError(ErrorCode::kInvalidArgument, "handshake versions not numeric: " + s);
  }
  h.network = parts[2];
  h.address = parts[3];
  h.rpc = parts[4];
  h.cert_b64 = parts[5];
  return h;
}

Result<std::string> Base64DecodeNoPad(const std::string& text) {
  std::string out;
  uint32_t acc = 0;
  int bits = 0;
  for (char c : text) {
    int v;
    if (c >= 'A' && c <= 'Z') v = c - 'A';
    else if (c >= 'a' && c <= 'z') v = c - 'a' + 26;
    else if (c >= '0' && c <= '9') v = c - '0' + 52;
    else if (c == '+') v = 62;
    else if (c == '/') v = 63;
    else return MakeError(ErrorCode::kInvalidArgument, std::string("bad base64 character '") + c + "'");
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xff));
    }
  }
  if (text.size() % 4 == 1) return MakeError(ErrorCode::kInvalidArgument, "truncated base64");
  return out;
}

Result<std::unique_ptr<PluginProcess>> PluginProcess::Start(const Options& options) {
  int out[2], err[2];
  if (pipe2(out, O_CLOEXEC) != 0 || pipe2(err, O_CLOEXEC) != 0)
    return MakeError(ErrorCode::kInternal, std::string("pipe: ") + std::strerror(errno));
  std::map<std::string, std::string> env;
  for (char** e = environ; *e; ++e) {
    std::string kv = *e;
    size_t eq = kv.find('=');
    if (eq != std::string::npos) env[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  for (const auto& k : options.unset_env) env.erase(k);
  for (const auto& [k, v] : options.env) env[k] = v;
  std::vector<std::string> env_strings;
  for (const auto& [k, v] : env) env_strings.push_back(k + "=" + v);
  std::vector<char*> envp, argv;
  for (auto& s : env_strings) envp.push_back(s.data());
  envp.push_back(nullptr);
  std::vector<std::string> args = options.argv;
  for (auto& s : args) argv.push_back(s.data());
  argv.push_back(nullptr);

  pid_t pid = fork();
  if (pid < 0) return MakeError(ErrorCode::kInternal, "fork failed");
  if (pid == 0) {
    if (options.plugin_pipes_on_fd3) {
      int devnull = open("/dev/null", O_WRONLY);
      dup2(out[1], 3);
      dup2(err[1], 4);
      dup2(devnull, 1);
      dup2(devnull, 2);
    } else {
      dup2(out[1], 1);
      dup2(err[1], 2);
    }
    execve(argv[0], argv.data(), envp.data());
    _exit(127);
  }
  close(out[1]);
  close(err[1]);
  auto p = std::unique_ptr<PluginProcess>(new PluginProcess());
  p->pid_ = pid;
  p->out_fd_ = out[0];
  p->err_fd_ = err[0];
  fcntl(p->err_fd_, F_SETFL, O_NONBLOCK);
  return p;
}

PluginProcess::~PluginProcess() {
  if (pid_ > 0 && !exit_status_) {
    kill(pid_, SIGKILL);
    int st;
    waitpid(pid_, &st, 0);
  }
  if (out_fd_ >= 0) close(out_fd_);
  if (err_fd_ >= 0) close(err_fd_);
}

Result<std::string> PluginProcess::ReadLine(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    size_t nl = out_buf_.find('\n');
    if (nl != std::string::npos) {
      std::string line = out_buf_.substr(0, nl + 1);
      out_buf_.erase(0, nl + 1);
      return line;
    }
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      return MakeError(ErrorCode::kDeadlineExceeded,
                       "no handshake line in time; partial stdout: \"" + out_buf_ + "\"");
    }
    pollfd pfd{out_fd_, POLLIN, 0};
    int r = poll(&pfd, 1, static_cast<int>(left.count()));
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) continue;
    char buf[4096];
    ssize_t n = read(out_fd_, buf, sizeof buf);
    if (n <= 0) {
      return MakeError(ErrorCode::kUnavailable,
                       "plugin closed stdout before a full line; got \"" + out_buf_ + "\"");
    }
    out_buf_.append(buf, static_cast<size_t>(n));
  }
}

std::optional<int> PluginProcess::WaitExit(std::chrono::milliseconds timeout) {
  if (exit_status_) return exit_status_;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    int st = 0;
    pid_t r = waitpid(pid_, &st, WNOHANG);
    if (r == pid_) {
      exit_status_ = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
      return exit_status_;
    }
    if (std::chrono::steady_clock::now() >= deadline) return std::nullopt;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
}

std::string PluginProcess::DrainStderr() {
  std::string s;
  char buf[4096];
  ssize_t n;
  while ((n = read(err_fd_, buf, sizeof buf)) > 0) s.append(buf, static_cast<size_t>(n));
  return s;
}

void PluginProcess::Signal(int sig) {
  if (pid_ > 0 && !exit_status_) kill(pid_, sig);
}

Result<std::unique_ptr<PluginClient>> PluginClient::Connect(
    const Handshake& hs, const protocol::server::TlsIdentity* identity,
    std::chrono::milliseconds connect_timeout) {
  std::string target = hs.network == "unix" ? "unix:" + hs.address : hs.address;
  std::shared_ptr<grpc::ChannelCredentials> creds;
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(256 << 20);
  if (identity) {
    // Like go-plugin: trust exactly the certificate from the handshake.
    if (hs.cert_b64.size() <= 50)
      return MakeError(ErrorCode::kInvalidArgument, "handshake carries no server certificate");
    PROV_ASSIGN_OR_RETURN(std::string der, Base64DecodeNoPad(hs.cert_b64));
    const unsigned char* p = reinterpret_cast<const unsigned char*>(der.data());
    X509* x = d2i_X509(nullptr, &p, static_cast<long>(der.size()));
    if (!x) return MakeError(ErrorCode::kInvalidArgument, "server certificate is not DER X.509");
    BIO* bio = BIO_new(BIO_s_mem());
    PEM_write_bio_X509(bio, x);
    char* data = nullptr;
    long n = BIO_get_mem_data(bio, &data);
    std::string pem(data, static_cast<size_t>(n));
    BIO_free(bio);
    X509_free(x);
    grpc::SslCredentialsOptions o;
    o.pem_root_certs = pem;
    o.pem_private_key = identity->key_pem;
    o.pem_cert_chain = identity->cert_pem;
    creds = grpc::SslCredentials(o);
    args.SetSslTargetNameOverride("localhost");
  } else {
    creds = grpc::InsecureChannelCredentials();
  }
  auto c = std::unique_ptr<PluginClient>(new PluginClient());
  c->channel_ = grpc::CreateCustomChannel(target, creds, args);
  if (!c->channel_->WaitForConnected(std::chrono::system_clock::now() + connect_timeout))
    return MakeError(ErrorCode::kUnavailable, "could not connect to " + target);
  c->v6_ = tfplugin6::Provider::NewStub(c->channel_);
  c->v5_ = tfplugin5::Provider::NewStub(c->channel_);
  c->controller_ = plugin::GRPCController::NewStub(c->channel_);
  return c;
}

}  // namespace prov::testing
