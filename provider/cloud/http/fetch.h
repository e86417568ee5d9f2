// One-shot download of a small document (a catalog override named by URL), so layers above
// cloud/ never build HTTP requests themselves.
#pragma once

#include <chrono>
#include <string>

#include "provider/base/result.h"

namespace prov::cloud::http {

// GET `url` (https://, or file:// for a local path) and return the body. Errors:
// kNotFound for an unreadable file, kUnavailable for a network failure or a non-200 answer.
Result<std::string> FetchDocument(const std::string& url,
                                  std::chrono::milliseconds timeout = std::chrono::seconds(30));

}  // namespace prov::cloud::http
