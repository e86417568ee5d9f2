#include "provider/cloud/ownership_marker.h"

namespace prov::cloud {

bool ParseOwnershipMarker(const std::string& d, std::string* owner, std::string* id) {
  size_t at = d.find("[oah:");
  if (at == std::string::npos) return false;
  size_t end = d.find(']', at);
  if (end == std::string::npos) return false;
  std::string inner = d.substr(at + 5, end - at - 5);
  size_t colon = inner.find(':');
  *owner = inner.substr(0, colon);
  *id = colon == std::string::npos ? "" : inner.substr(colon + 1);
  return !owner->empty();
}

bool WriteOutcomeUnknown(const Error& e) {
  return (e.code == ErrorCode::kUnavailable && (e.http_status == 0 || e.http_status == 500)) ||
         e.code == ErrorCode::kDeadlineExceeded || e.code == ErrorCode::kDataLoss ||
         e.code == ErrorCode::kCancelled;
}

}  // namespace prov::cloud
