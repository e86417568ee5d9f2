// AWS partitions and default service endpoints, as facts taken from the partition data
// botocore publishes (botocore/data/partitions.json and endpoints.json, botocore 1.43.11):
// which partition a region belongs to (by its name pattern) and that partition's DNS
// suffix. The default endpoint of a regional service is then
// https://{service}.{region}.{dnsSuffix}/ — the hostname template every partition uses
// for EC2 and STS in that data.
//
//   partition    regions (pattern)              DNS suffix
//   aws          us-*, eu-*, ap-*, sa-*, ca-*,   amazonaws.com
//                me-*, af-*, il-*, mx-*
//   aws-cn       cn-*                           amazonaws.com.cn
//   aws-us-gov   us-gov-*                       amazonaws.com
//   aws-iso      us-iso-*                       c2s.ic.gov
//   aws-iso-b    us-isob-*                      sc2s.sgov.gov
//   aws-iso-e    eu-isoe-*                      cloud.adc-e.uk
//   aws-iso-f    us-isof-*                      csp.hci.ic.gov
//   aws-eusc     eusc-de-*                      amazonaws.eu  (European Sovereign Cloud)
//
// A region matching no pattern falls back to the "aws" partition, as the SDKs do.
#pragma once

#include <string>
#include <string_view>

namespace prov::cloud::aws {

struct Partition {
  std::string_view id;          // "aws", "aws-cn", …
  std::string_view dns_suffix;  // "amazonaws.com", …
};

// The partition of `region` (never fails: unknown shapes map to "aws").
const Partition& PartitionForRegion(std::string_view region);

// "https://{service}.{region}.{dnsSuffix}/".
std::string DefaultEndpoint(std::string_view service, std::string_view region);

}  // namespace prov::cloud::aws
