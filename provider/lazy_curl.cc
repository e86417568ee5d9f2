// Loads libcurl on first use instead of at exec (linked into terraform-provider-office only).
//
// Why: libcurl.so.4 pulls in ~26 more shared libraries (GnuTLS, Kerberos, LDAP, SASL,
// libssh2, librtmp, nghttp2, ...). The dynamic linker maps and relocates every one of them at
// exec, and each symbol lookup walks the whole search list: that was most of the provider's
// start-up time, and every Terraform/OpenTofu run starts the provider several times while
// only applies and refreshes ever talk HTTP. These definitions satisfy the curl symbols the
// cloud layer uses; the link uses --as-needed, so libcurl is no longer a DT_NEEDED entry and
// is dlopen()ed the first time any of them is called. Test binaries link libcurl directly.
//
// Only the functions provider/cloud/http calls are forwarded. A curl call added there later
// still works: the linker then resolves it from libcurl.so, which becomes DT_NEEDED again
// (these definitions still take precedence), and only the start-up gain is lost;
// bench/handshake_bench reports it when libcurl is linked at exec again.
#include <curl/curl.h>
#include <dlfcn.h>

#include <cstdarg>
#include <cstdio>
#include <mutex>

namespace {

struct CurlApi {
  bool loaded = false;
  char error[512] = {0};
  CURLcode (*global_init)(long) = nullptr;
  CURL* (*easy_init)() = nullptr;
  void (*easy_cleanup)(CURL*) = nullptr;
  void (*easy_reset)(CURL*) = nullptr;
  CURLcode (*easy_perform)(CURL*) = nullptr;
  CURLcode (*easy_setopt)(CURL*, CURLoption, ...) = nullptr;
  CURLcode (*easy_getinfo)(CURL*, CURLINFO, ...) = nullptr;
  const char* (*easy_strerror)(CURLcode) = nullptr;
  curl_slist* (*slist_append)(curl_slist*, const char*) = nullptr;
  void (*slist_free_all)(curl_slist*) = nullptr;
  CURLM* (*multi_init)() = nullptr;
  CURLMcode (*multi_cleanup)(CURLM*) = nullptr;
  CURLMcode (*multi_add_handle)(CURLM*, CURL*) = nullptr;
  CURLMcode (*multi_remove_handle)(CURLM*, CURL*) = nullptr;
  CURLMcode (*multi_perform)(CURLM*, int*) = nullptr;
  CURLMcode (*multi_poll)(CURLM*, curl_waitfd*, unsigned int, int, int*) = nullptr;
  CURLMsg* (*multi_info_read)(CURLM*, int*) = nullptr;
};

template <typename F>
bool Bind(void* lib, const char* name, F* out, CurlApi* api) {
  *out = reinterpret_cast<F>(dlsym(lib, name));
  if (*out == nullptr) {
    std::snprintf(api->error, sizeof api->error, "libcurl.so.4 has no symbol %s", name);
    return false;
  }
  return true;
}

// Loaded once per process; never unloaded (handles may live until exit).
const CurlApi& Api() {
  static CurlApi api;
  static std::once_flag once;
  std::call_once(once, [] {
    void* lib = dlopen("libcurl.so.4", RTLD_NOW | RTLD_LOCAL);
    if (lib == nullptr) {
      const char* why = dlerror();
      std::snprintf(api.error, sizeof api.error, "cannot load libcurl.so.4: %s",
                    why ? why : "unknown error");
      std::fprintf(stderr, "terraform-provider-office: %s\n", api.error);
      return;
    }
    api.loaded = Bind(lib, "curl_global_init", &api.global_init, &api) &&
                 Bind(lib, "curl_easy_init", &api.easy_init, &api) &&
                 Bind(lib, "curl_easy_cleanup", &api.easy_cleanup, &api) &&
                 Bind(lib, "curl_easy_reset", &api.easy_reset, &api) &&
                 Bind(lib, "curl_easy_perform", &api.easy_perform, &api) &&
                 Bind(lib, "curl_easy_setopt", &api.easy_setopt, &api) &&
                 Bind(lib, "curl_easy_getinfo", &api.easy_getinfo, &api) &&
                 Bind(lib, "curl_easy_strerror", &api.easy_strerror, &api) &&
                 Bind(lib, "curl_slist_append", &api.slist_append, &api) &&
                 Bind(lib, "curl_slist_free_all", &api.slist_free_all, &api) &&
                 Bind(lib, "curl_multi_init", &api.multi_init, &api) &&
                 Bind(lib, "curl_multi_cleanup", &api.multi_cleanup, &api) &&
                 Bind(lib, "curl_multi_add_handle", &api.multi_add_handle, &api) &&
                 Bind(lib, "curl_multi_remove_handle", &api.multi_remove_handle, &api) &&
                 Bind(lib, "curl_multi_perform", &api.multi_perform, &api) &&
                 Bind(lib, "curl_multi_poll", &api.multi_poll, &api) &&
                 Bind(lib, "curl_multi_info_read", &api.multi_info_read, &api);
    if (!api.loaded) std::fprintf(stderr, "terraform-provider-office: %s\n", api.error);
  });
  return api;
}

}  // namespace

extern "C" {

CURLcode curl_global_init(long flags) {
  const CurlApi& a = Api();
  return a.loaded ? a.global_init(flags) : CURLE_FAILED_INIT;
}

CURL* curl_easy_init(void) {
  const CurlApi& a = Api();
  return a.loaded ? a.easy_init() : nullptr;
}

void curl_easy_cleanup(CURL* h) {
  const CurlApi& a = Api();
  if (a.loaded) a.easy_cleanup(h);
}

void curl_easy_reset(CURL* h) {
  const CurlApi& a = Api();
  if (a.loaded) a.easy_reset(h);
}

CURLcode curl_easy_perform(CURL* h) {
  const CurlApi& a = Api();
  return a.loaded ? a.easy_perform(h) : CURLE_FAILED_INIT;
}

// The option number encodes the argument's type (curl.h's CURLOPTTYPE_* bases), so the
// one variadic argument is read and passed on with exactly the type libcurl will read.
CURLcode curl_easy_setopt(CURL* h, CURLoption option, ...) {
  const CurlApi& a = Api();
  if (!a.loaded) return CURLE_FAILED_INIT;
  va_list ap;
  va_start(ap, option);
  CURLcode rc;
  const int o = static_cast<int>(option);
  if (o < CURLOPTTYPE_OBJECTPOINT) {
    rc = a.easy_setopt(h, option, va_arg(ap, long));
  } else if (o < CURLOPTTYPE_FUNCTIONPOINT) {
    rc = a.easy_setopt(h, option, va_arg(ap, void*));
  } else if (o < CURLOPTTYPE_OFF_T) {
    using Fn = void (*)();
    rc = a.easy_setopt(h, option, va_arg(ap, Fn));
  } else if (o < CURLOPTTYPE_BLOB) {
    rc = a.easy_setopt(h, option, va_arg(ap, curl_off_t));
  } else {
    rc = a.easy_setopt(h, option, va_arg(ap, void*));
  }
  va_end(ap);
  return rc;
}

// Every curl_easy_getinfo variant takes one pointer to the result.
CURLcode curl_easy_getinfo(CURL* h, CURLINFO info, ...) {
  const CurlApi& a = Api();
  if (!a.loaded) return CURLE_FAILED_INIT;
  va_list ap;
  va_start(ap, info);
  void* out = va_arg(ap, void*);
  va_end(ap);
  return a.easy_getinfo(h, info, out);
}

const char* curl_easy_strerror(CURLcode code) {
  const CurlApi& a = Api();
  return a.loaded ? a.easy_strerror(code) : a.error;
}

curl_slist* curl_slist_append(curl_slist* list, const char* s) {
  const CurlApi& a = Api();
  return a.loaded ? a.slist_append(list, s) : nullptr;
}

void curl_slist_free_all(curl_slist* list) {
  const CurlApi& a = Api();
  if (a.loaded) a.slist_free_all(list);
}

// The multi interface: the transport's cancellable wait loop (curl_transport.cc).
CURLM* curl_multi_init(void) {
  const CurlApi& a = Api();
  return a.loaded ? a.multi_init() : nullptr;
}

CURLMcode curl_multi_cleanup(CURLM* m) {
  const CurlApi& a = Api();
  return a.loaded ? a.multi_cleanup(m) : CURLM_INTERNAL_ERROR;
}

CURLMcode curl_multi_add_handle(CURLM* m, CURL* h) {
  const CurlApi& a = Api();
  return a.loaded ? a.multi_add_handle(m, h) : CURLM_INTERNAL_ERROR;
}

CURLMcode curl_multi_remove_handle(CURLM* m, CURL* h) {
  const CurlApi& a = Api();
  return a.loaded ? a.multi_remove_handle(m, h) : CURLM_INTERNAL_ERROR;
}

CURLMcode curl_multi_perform(CURLM* m, int* running) {
  const CurlApi& a = Api();
  return a.loaded ? a.multi_perform(m, running) : CURLM_INTERNAL_ERROR;
}

CURLMcode curl_multi_poll(CURLM* m, curl_waitfd* extra, unsigned int n, int timeout_ms, int* fds) {
  const CurlApi& a = Api();
  return a.loaded ? a.multi_poll(m, extra, n, timeout_ms, fds) : CURLM_INTERNAL_ERROR;
}

CURLMsg* curl_multi_info_read(CURLM* m, int* left) {
  const CurlApi& a = Api();
  return a.loaded ? a.multi_info_read(m, left) : nullptr;
}

}  // extern "C"
