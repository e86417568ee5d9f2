// libcurl implementation of http::Transport.
//
// Connection reuse: each pooled easy handle has its own multi handle, which owns the
// connection cache; both are taken for one request and returned, so a second call to the
// same host reuses the kept-alive connection. The multi interface lets the wait loop wake
// every 50 ms to check cancellation (StopProvider, SIGTERM, a client that hung up): a
// cancelled call sends nothing new, gives a transfer in flight 300 ms to bring its answer
// (it may be a write that succeeded), then stops it and frees its thread. TLS verification is
// always on; trust and proxies are chosen per request by network_options.h and set
// explicitly (curl's own environment handling is not used). Only method, host, path,
// status and duration are logged: query strings and headers may carry tokens or
// signatures. Secret values sent with a request are removed from its answer's body
// (base/redact.h) before any adapter builds error text from it.
#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <mutex>
#include <string>
#include <vector>

#include "provider/base/cancel.h"
#include "provider/base/log.h"
#include "provider/base/redact.h"
#include "provider/cloud/http/network_options.h"
#include "provider/cloud/http/transport.h"

namespace prov::cloud::http {
namespace {

constexpr size_t kMaxPooledHandles = 16;
constexpr long kMaxConnectTimeoutMs = 10000;
constexpr int kCancelPollMs = 50;
constexpr int kCancelGraceMs = 300;

struct Handle {
  CURL* easy = nullptr;
  CURLM* multi = nullptr;
};

void GlobalInitOnce() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

std::string Trim(std::string_view s) {
  size_t b = 0, e = s.size();
  while (b < e && (s[b] == ' ' || s[b] == '\t' || s[b] == '\r' || s[b] == '\n')) ++b;
  while (e > b && (s[e - 1] == ' ' || s[e - 1] == '\t' || s[e - 1] == '\r' || s[e - 1] == '\n')) --e;
  return std::string(s.substr(b, e - b));
}

// Host and path of a URL, for logs and error messages (never the query string).
void SplitForLog(const std::string& url, std::string* host, std::string* path) {
  size_t p = url.find("://");
  size_t start = p == std::string::npos ? 0 : p + 3;
  size_t slash = url.find_first_of("/?#", start);
  std::string authority = url.substr(start, slash == std::string::npos ? std::string::npos : slash - start);
  size_t at = authority.rfind('@');  // user:password@host must not be logged
  *host = at == std::string::npos ? authority : authority.substr(at + 1);
  if (slash == std::string::npos || url[slash] != '/') {
    path->assign(1, '/');
    return;
  }
  size_t end = url.find_first_of("?#", slash);
  *path = url.substr(slash, end == std::string::npos ? std::string::npos : end - slash);
}

struct HeaderSink {
  Response* response;
};

size_t OnBody(char* data, size_t size, size_t nmemb, void* user) {
  auto* body = static_cast<std::string*>(user);
  body->append(data, size * nmemb);
  return size * nmemb;
}

size_t OnHeader(char* data, size_t size, size_t nmemb, void* user) {
  auto* sink = static_cast<HeaderSink*>(user);
  std::string_view line(data, size * nmemb);
  if (line.starts_with("HTTP/")) {
    // A new status line (after a 100 Continue or an informational reply): only the
    // headers of the final response count.
    sink->response->headers.clear();
    return line.size();
  }
  size_t colon = line.find(':');
  if (colon == std::string_view::npos) return line.size();
  std::string name = Lower(Trim(line.substr(0, colon)));
  std::string value = Trim(line.substr(colon + 1));
  if (name.empty()) return line.size();
  auto [it, inserted] = sink->response->headers.emplace(name, value);
  if (!inserted) it->second += ", " + value;
  return line.size();
}

class CurlTransport final : public Transport {
 public:
  CurlTransport() { GlobalInitOnce(); }
  ~CurlTransport() override {
    for (Handle h : pool_) Destroy(h);
  }

  Result<Response> Do(const Request& request) override {
    if (cancel::Requested(request.cancel)) return MakeError(ErrorCode::kCancelled, "request cancelled");
    Handle h = Acquire();
    if (h.easy == nullptr || h.multi == nullptr) {
      Destroy(h);
      return MakeError(ErrorCode::kInternal, "curl_easy_init failed");
    }
    Result<Response> result = Perform(h, request);
    Release(h);
    return result;
  }

 private:
  static void Destroy(Handle h) {
    if (h.easy != nullptr) curl_easy_cleanup(h.easy);
    if (h.multi != nullptr) curl_multi_cleanup(h.multi);
  }

  Handle Acquire() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (!pool_.empty()) {
        Handle h = pool_.back();
        pool_.pop_back();
        return h;
      }
    }
    return Handle{curl_easy_init(), curl_multi_init()};
  }

  void Release(Handle h) {
    // curl_easy_reset keeps the connection cache (in the multi handle), which is the point
    // of pooling.
    curl_easy_reset(h.easy);
    std::lock_guard<std::mutex> lock(mu_);
    if (pool_.size() < kMaxPooledHandles) {
      pool_.push_back(h);
      return;
    }
    Destroy(h);
  }

  // Runs the transfer on the handle's multi, waking every kCancelPollMs to check
  // cancellation. Returns CURLE_ABORTED_BY_CALLBACK when cancelled (after kCancelGraceMs
  // for an answer already on its way).
  static CURLcode RunCancellable(Handle h, const Request& request) {
    if (curl_multi_add_handle(h.multi, h.easy) != CURLM_OK) return CURLE_FAILED_INIT;
    CURLcode rc = CURLE_OK;
    bool cancel_seen = false;
    std::chrono::steady_clock::time_point grace_until;
    while (true) {
      int running = 0;
      if (curl_multi_perform(h.multi, &running) != CURLM_OK) {
        rc = CURLE_FAILED_INIT;
        break;
      }
      if (running == 0) {
        int left = 0;
        while (CURLMsg* msg = curl_multi_info_read(h.multi, &left)) {
          if (msg->msg == CURLMSG_DONE && msg->easy_handle == h.easy) rc = msg->data.result;
        }
        break;
      }
      if (cancel::Requested(request.cancel)) {
        // A request already sent may be a write whose answer is on its way: losing that
        // answer would leave the caller unsure of what exists. Give it a short grace, then
        // abort (a hung endpoint still frees the call well within a second).
        const auto now = std::chrono::steady_clock::now();
        if (!cancel_seen) {
          cancel_seen = true;
          grace_until = now + std::chrono::milliseconds(kCancelGraceMs);
        } else if (now >= grace_until) {
          rc = CURLE_ABORTED_BY_CALLBACK;
          break;
        }
      }
      int fds = 0;
      if (curl_multi_poll(h.multi, nullptr, 0, kCancelPollMs, &fds) != CURLM_OK) {
        rc = CURLE_FAILED_INIT;
        break;
      }
    }
    curl_multi_remove_handle(h.multi, h.easy);
    return rc;
  }

  Result<Response> Perform(Handle handle, const Request& request) {
    CURL* h = handle.easy;
    std::string host, path;
    SplitForLog(request.url, &host, &path);
    auto started = std::chrono::steady_clock::now();

    Response response;
    HeaderSink sink{&response};
    char errbuf[CURL_ERROR_SIZE] = {0};

    curl_easy_setopt(h, CURLOPT_URL, request.url.c_str());
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_HTTP_VERSION, CURL_HTTP_VERSION_1_1);
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
    curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "");
    curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
    long timeout_ms = static_cast<long>(std::max<int64_t>(1, request.timeout.count()));
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, timeout_ms);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, std::min(timeout_ms, kMaxConnectTimeoutMs));
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, OnBody);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &response.body);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, OnHeader);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, &sink);

    // Trust: always verified; the bundle is chosen explicitly (network_options.h).
    const EnvLookup env = ProcessEnv();
    const TrustChoice trust = ChooseTrust(request, env);
    if (!trust.ca_file.empty()) curl_easy_setopt(h, CURLOPT_CAINFO, trust.ca_file.c_str());
    if (!trust.ca_dir.empty()) curl_easy_setopt(h, CURLOPT_CAPATH, trust.ca_dir.c_str());
    // Proxy: set explicitly ("" = direct) so that curl's own environment rules (which
    // ignore HTTP_PROXY in upper case) do not apply.
    const ProxyChoice proxy = ChooseProxy(request.url, env);
    curl_easy_setopt(h, CURLOPT_PROXY, proxy.url.c_str());
    if (!proxy.url.empty()) curl_easy_setopt(h, CURLOPT_NOPROXY, "");

    const std::string method = request.method.empty() ? "GET" : request.method;
    bool has_content_type = false;
    curl_slist* headers = nullptr;
    for (const auto& [name, value] : request.headers) {
      if (Lower(name) == "content-type") has_content_type = true;
      // "Name;" is curl's way of sending a header with an empty value.
      std::string line = value.empty() ? name + ";" : name + ": " + value;
      headers = curl_slist_append(headers, line.c_str());
    }
    // curl would otherwise add "Expect: 100-continue" for larger bodies (an extra round
    // trip) and a form content type for any body the caller did not type.
    headers = curl_slist_append(headers, "Expect:");
    if (!has_content_type) headers = curl_slist_append(headers, "Content-Type:");

    if (method == "GET") {
      curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
    } else if (method == "HEAD") {
      curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
    } else {
      if (method != "POST") curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method.c_str());
      // A body-carrying method always sends Content-Length, even 0 (IMDS token PUT).
      curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
      curl_easy_setopt(h, CURLOPT_POSTFIELDS, request.body.data());
    }
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);

    // The values this request carries that must never come back out (an echoed header or
    // form field in an error body): noted for the RPC's diagnostics and logs, and removed
    // from this answer right away.
    const std::vector<std::string> secrets = redact::SecretsInRequest(request.headers, request.body);
    for (const auto& v : secrets) redact::NoteSecret(v);

    CURLcode rc = RunCancellable(handle, request);
    curl_slist_free_all(headers);
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                                    started)
                  .count();

    if (rc == CURLE_ABORTED_BY_CALLBACK) {
      log::Debug("http request cancelled", {{"method", method},
                                            {"host", host},
                                            {"path", path},
                                            {"duration_ms", std::to_string(ms)}});
      return MakeError(ErrorCode::kCancelled, method + " " + host + path + ": request cancelled");
    }
    if (rc != CURLE_OK) {
      std::string detail = errbuf[0] != '\0' ? std::string(errbuf) : curl_easy_strerror(rc);
      detail = redact::Scrub(redact::RedactValues(detail, secrets));
      if (!proxy.url.empty()) detail += " (via proxy " + proxy.DisplayHost() + " from " + proxy.source + ")";
      log::Debug("http request failed", {{"method", method},
                                         {"host", host},
                                         {"path", path},
                                         {"error", detail},
                                         {"duration_ms", std::to_string(ms)}});
      if (rc == CURLE_PEER_FAILED_VERIFICATION || rc == CURLE_SSL_CACERT_BADFILE ||
          rc == CURLE_SSL_CERTPROBLEM || rc == CURLE_SSL_ISSUER_ERROR) {
        std::string bundle = trust.Describe();
        if (trust.ca_file.empty() && trust.ca_dir.empty()) {
          char* def = nullptr;
          if (curl_easy_getinfo(h, CURLINFO_CAINFO, &def) == CURLE_OK && def != nullptr)
            bundle += " \"" + std::string(def) + "\"";
        }
        // Not transient: retrying cannot help (WithRetry stops on kPermissionDenied).
        return MakeError(ErrorCode::kPermissionDenied,
                         "TLS certificate of " + host + " could not be verified with " + bundle +
                             ": " + detail +
                             ". Certificate verification is always on: if a private CA or a "
                             "TLS-inspecting proxy signs this certificate, point the provider's "
                             "ca_bundle_file (or SSL_CERT_FILE, CURL_CA_BUNDLE, AWS_CA_BUNDLE "
                             "for AWS) at a PEM bundle that contains it.");
      }
      long connect_code = 0;
      if (!proxy.url.empty() && curl_easy_getinfo(h, CURLINFO_HTTP_CONNECTCODE, &connect_code) == CURLE_OK &&
          connect_code == 407) {
        return MakeError(ErrorCode::kPermissionDenied,
                         method + " " + host + path + ": the proxy " + proxy.DisplayHost() + " (from " +
                             proxy.source +
                             ") refused the credentials (HTTP 407 Proxy Authentication Required); "
                             "put the right user:password in the proxy URL");
      }
      ErrorCode code = rc == CURLE_OPERATION_TIMEDOUT ? ErrorCode::kDeadlineExceeded
                                                      : ErrorCode::kUnavailable;
      return MakeError(code, method + " " + host + path + ": " + detail);
    }
    if (!secrets.empty()) {
      response.body = redact::RedactValues(response.body, secrets);
      for (auto& [name, value] : response.headers) value = redact::RedactValues(value, secrets);
    }
    long status = 0;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    response.status = static_cast<int>(status);
    log::Debug("http request", {{"method", method},
                                {"host", host},
                                {"path", path},
                                {"status", std::to_string(status)},
                                {"duration_ms", std::to_string(ms)}});
    return response;
  }

  std::mutex mu_;
  std::vector<Handle> pool_;
};

class CaBundleTransport final : public Transport {
 public:
  CaBundleTransport(std::shared_ptr<Transport> inner, std::string file, std::string source)
      : inner_(std::move(inner)), file_(std::move(file)), source_(std::move(source)) {}
  Result<Response> Do(const Request& request) override {
    if (!request.ca_bundle.empty()) return inner_->Do(request);
    Request r = request;
    r.ca_bundle = file_;
    r.ca_bundle_source = source_;
    return inner_->Do(r);
  }

 private:
  std::shared_ptr<Transport> inner_;
  std::string file_, source_;
};

}  // namespace

std::shared_ptr<Transport> NewCurlTransport() { return std::make_shared<CurlTransport>(); }

std::shared_ptr<Transport> WithCaBundle(std::shared_ptr<Transport> inner, std::string ca_bundle,
                                        std::string source) {
  if (ca_bundle.empty()) return inner;
  return std::make_shared<CaBundleTransport>(std::move(inner), std::move(ca_bundle), std::move(source));
}

}  // namespace prov::cloud::http
