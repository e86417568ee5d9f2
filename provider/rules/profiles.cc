// Platform capability and limit tables. Values come from the providers' documented quotas
// (see docs/cloud-apis.md); where a figure is not documented we chose a conservative one and
// say so next to it.
#include <algorithm>
#include <cctype>

#include "provider/rules/compiler.h"

namespace prov::rules {

const char* PlatformName(Platform p) {
  switch (p) {
    case Platform::kAws: return "aws";
    case Platform::kAzure: return "azure";
    case Platform::kGcp: return "gcp";
  }
  return "unknown";
}

Result<Platform> ParsePlatform(const std::string& s) {
  std::string l = s;
  std::transform(l.begin(), l.end(), l.begin(), [](unsigned char c) { return std::tolower(c); });
  if (l == "aws") return Platform::kAws;
  if (l == "azure") return Platform::kAzure;
  if (l == "gcp") return Platform::kGcp;
  return MakeError(ErrorCode::kInvalidArgument,
                   "unknown platform \"" + s + "\" (want aws, azure or gcp)");
}

const PlatformProfile& ProfileFor(Platform p) {
  static const PlatformProfile kAws = [] {
    PlatformProfile x;
    x.platform = Platform::kAws;
    x.max_rules_per_group = 60;  // per direction and address family, adjustable quota
    x.max_groups = 16;           // security groups we are willing to spread one allowlist over
    x.max_ports_per_rule = 1;    // one port range per rule
    x.max_prefixes_per_rule = 1; // one CIDR (or one prefix-list reference) per rule
    x.max_rules_total = 1000;    // AWS caps rules per SG x SGs per ENI at 1000
    x.max_name_length = 0;       // rules have ids, not names
    x.max_description_length = 255;
    x.one_range_per_rule = true;
    x.multi_protocol_rule = false;
    return x;
  }();
  static const PlatformProfile kAzure = [] {
    PlatformProfile x;
    x.platform = Platform::kAzure;
    x.max_rules_per_group = 1000;  // rules per NSG
    x.max_groups = 1;
    // Not documented per rule; the NSG-wide cap is 4000 addresses per side. We keep rules
    // small enough to read in the portal.
    x.max_ports_per_rule = 100;
    x.max_prefixes_per_rule = 4000;
    x.max_rules_total = 1000;
    x.max_name_length = 80;
    // Azure allows 140; the backend appends " [oah:<owner>:<allowlist id>]" (owner <= 32
    // chars, id 8) as the ownership marker, so the rendered text keeps 48 characters free.
    x.max_description_length = 92;
    x.one_range_per_rule = false;
    x.multi_protocol_rule = false;
    return x;
  }();
  static const PlatformProfile kGcp = [] {
    PlatformProfile x;
    x.platform = Platform::kGcp;
    x.max_rules_per_group = 0;  // project quota FIREWALLS, not known at compile time
    x.max_groups = 1;
    x.max_ports_per_rule = 256;      // conservative; not verified against the quota page
    x.max_prefixes_per_rule = 5000;  // source/destination ranges per rule
    x.max_rules_total = 0;
    x.max_name_length = 63;
    x.max_description_length = 2048;
    x.one_range_per_rule = false;
    x.multi_protocol_rule = true;
    return x;
  }();
  switch (p) {
    case Platform::kAws: return kAws;
    case Platform::kAzure: return kAzure;
    case Platform::kGcp: return kGcp;
  }
  return kAws;
}

}  // namespace prov::rules
