// libcurl implementation of http::Transport.
//
// Connection reuse: an easy handle keeps its own connection cache, so handles are pooled
// (taken for one request, reset and returned) instead of created per call; a second call
// to the same host reuses the kept-alive connection. TLS verification stays at curl's
// default (on); proxies come from the usual *_proxy environment variables, which curl
// reads itself when CURLOPT_PROXY is not set. Only method, host, path, status and
// duration are logged: query strings and headers may carry tokens or signatures.
#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <mutex>
#include <string>
#include <vector>

#include "provider/base/log.h"
#include "provider/cloud/http/transport.h"

namespace prov::cloud::http {
namespace {

constexpr size_t kMaxPooledHandles = 16;
constexpr long kMaxConnectTimeoutMs = 10000;

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
    for (CURL* h : pool_) curl_easy_cleanup(h);
  }

  Result<Response> Do(const Request& request) override {
    CURL* h = Acquire();
    if (h == nullptr) return MakeError(ErrorCode::kInternal, "curl_easy_init failed");
    Result<Response> result = Perform(h, request);
    Release(h);
    return result;
  }

 private:
  CURL* Acquire() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (!pool_.empty()) {
        CURL* h = pool_.back();
        pool_.pop_back();
        return h;
      }
    }
    return curl_easy_init();
  }

  void Release(CURL* h) {
    // curl_easy_reset keeps the connection cache, which is the point of pooling.
    curl_easy_reset(h);
    std::lock_guard<std::mutex> lock(mu_);
    if (pool_.size() < kMaxPooledHandles) {
      pool_.push_back(h);
      return;
    }
    curl_easy_cleanup(h);
  }

  Result<Response> Perform(CURL* h, const Request& request) {
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

    CURLcode rc = curl_easy_perform(h);
    curl_slist_free_all(headers);
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                                    started)
                  .count();

    if (rc != CURLE_OK) {
      std::string detail = errbuf[0] != '\0' ? std::string(errbuf) : curl_easy_strerror(rc);
      log::Debug("http request failed", {{"method", method},
                                         {"host", host},
                                         {"path", path},
                                         {"error", detail},
                                         {"duration_ms", std::to_string(ms)}});
      ErrorCode code = rc == CURLE_OPERATION_TIMEDOUT ? ErrorCode::kDeadlineExceeded
                                                      : ErrorCode::kUnavailable;
      return MakeError(code, method + " " + host + path + ": " + detail);
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
  std::vector<CURL*> pool_;
};

}  // namespace

std::shared_ptr<Transport> NewCurlTransport() { return std::make_shared<CurlTransport>(); }

}  // namespace prov::cloud::http
