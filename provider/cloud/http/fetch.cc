#include "provider/cloud/http/fetch.h"

#include <fstream>
#include <sstream>

#include "provider/cloud/http/transport.h"

namespace prov::cloud::http {

Result<std::string> FetchDocument(const std::string& url, std::chrono::milliseconds timeout) {
  if (url.rfind("file://", 0) == 0) {
    std::string path = url.substr(7);
    std::ifstream in(path, std::ios::binary);
    if (!in) return MakeError(ErrorCode::kNotFound, "cannot open \"" + path + "\"");
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }
  Request req;
  req.method = "GET";
  req.url = url;
  req.timeout = timeout;
  auto resp = NewCurlTransport()->Do(req);
  if (!resp.ok()) return resp.error();
  if (resp->status != 200) {
    return MakeError(ErrorCode::kUnavailable, "GET " + url + " answered HTTP " + std::to_string(resp->status));
  }
  return std::move(resp->body);
}

}  // namespace prov::cloud::http
