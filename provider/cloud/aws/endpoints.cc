#include "provider/cloud/aws/endpoints.h"

#include <array>
#include <cctype>

namespace prov::cloud::aws {
namespace {

// One row per partition: the region pattern of partitions.json, written as
// "<prefix>-<word>-<digits>" checks (the patterns are all of the form ^prefix\-\w+\-\d+$,
// with aws's prefix being one of a fixed set). Order matters: the more specific prefixes
// (us-gov, us-iso, us-isob, us-isof) are tried before "us".
struct Row {
  std::string_view prefix;  // what comes before "-<word>-<digits>"
  Partition partition;
};

constexpr std::array<Row, 16> kRows = {{
    {"us-gov", {"aws-us-gov", "amazonaws.com"}},
    {"us-isob", {"aws-iso-b", "sc2s.sgov.gov"}},
    {"us-isof", {"aws-iso-f", "csp.hci.ic.gov"}},
    {"us-iso", {"aws-iso", "c2s.ic.gov"}},
    {"eu-isoe", {"aws-iso-e", "cloud.adc-e.uk"}},
    {"eusc-de", {"aws-eusc", "amazonaws.eu"}},
    {"cn", {"aws-cn", "amazonaws.com.cn"}},
    {"us", {"aws", "amazonaws.com"}},
    {"eu", {"aws", "amazonaws.com"}},
    {"ap", {"aws", "amazonaws.com"}},
    {"sa", {"aws", "amazonaws.com"}},
    {"ca", {"aws", "amazonaws.com"}},
    {"me", {"aws", "amazonaws.com"}},
    {"af", {"aws", "amazonaws.com"}},
    {"il", {"aws", "amazonaws.com"}},
    {"mx", {"aws", "amazonaws.com"}},
}};

constexpr Partition kDefault{"aws", "amazonaws.com"};

bool IsWordChar(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

// region == prefix + "-" + \w+ + "-" + \d+
bool Matches(std::string_view region, std::string_view prefix) {
  if (prefix.empty() || !region.starts_with(prefix)) return false;
  std::string_view rest = region.substr(prefix.size());
  if (rest.empty() || rest[0] != '-') return false;
  rest.remove_prefix(1);
  size_t dash = rest.rfind('-');
  if (dash == std::string_view::npos || dash == 0 || dash + 1 >= rest.size()) return false;
  std::string_view word = rest.substr(0, dash), digits = rest.substr(dash + 1);
  for (char c : word)
    if (!IsWordChar(c)) return false;
  for (char c : digits)
    if (!std::isdigit(static_cast<unsigned char>(c))) return false;
  return true;
}

}  // namespace

const Partition& PartitionForRegion(std::string_view region) {
  for (const auto& row : kRows) {
    if (Matches(region, row.prefix)) return row.partition;
  }
  return kDefault;
}

std::string DefaultEndpoint(std::string_view service, std::string_view region) {
  const Partition& p = PartitionForRegion(region);
  std::string out = "https://";
  out.append(service).append(".").append(region).append(".").append(p.dns_suffix).append("/");
  return out;
}

}  // namespace prov::cloud::aws
