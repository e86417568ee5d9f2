#include "provider/catalog/model.h"

namespace prov::catalog {

const char* TrafficClassName(TrafficClass c) {
  switch (c) {
    case TrafficClass::kMedia: return "media";
    case TrafficClass::kSignaling: return "signaling";
    case TrafficClass::kData: return "data";
  }
  return "unknown";
}

const char* PortQualifierName(PortQualifier q) {
  switch (q) {
    case PortQualifier::kDefault: return "default";
    case PortQualifier::kFallback: return "fallback";
    case PortQualifier::kAlternative: return "alternative";
    case PortQualifier::kConditional: return "conditional";
  }
  return "unknown";
}

const Service* Catalog::FindService(const std::string& id) const {
  for (const auto& s : services)
    if (s.id == id) return &s;
  return nullptr;
}

const Row* Catalog::FindRow(const std::string& row_id) const {
  for (const auto& s : services)
    for (const auto& r : s.rows)
      if (r.id == row_id) return &r;
  return nullptr;
}

}  // namespace prov::catalog
