// Default endpoints per AWS partition (provider/cloud/aws/endpoints.h): the table's facts
// against botocore's partition data, and that the EC2 client and the STS resolver use it.
#include <gtest/gtest.h>

#include <map>
#include <optional>

#include "provider/cloud/aws/credentials.h"
#include "provider/cloud/aws/ec2_client.h"
#include "provider/cloud/aws/endpoints.h"

namespace prov::cloud::aws {
namespace {

struct Case {
  const char* region;
  const char* partition;
  const char* ec2;
};

// One or more regions of every partition in botocore 1.43.11's partitions.json.
const Case kCases[] = {
    {"us-east-1", "aws", "https://ec2.us-east-1.amazonaws.com/"},
    {"eu-central-2", "aws", "https://ec2.eu-central-2.amazonaws.com/"},
    {"ap-southeast-7", "aws", "https://ec2.ap-southeast-7.amazonaws.com/"},
    {"mx-central-1", "aws", "https://ec2.mx-central-1.amazonaws.com/"},
    {"il-central-1", "aws", "https://ec2.il-central-1.amazonaws.com/"},
    {"cn-north-1", "aws-cn", "https://ec2.cn-north-1.amazonaws.com.cn/"},
    {"cn-northwest-1", "aws-cn", "https://ec2.cn-northwest-1.amazonaws.com.cn/"},
    {"us-gov-west-1", "aws-us-gov", "https://ec2.us-gov-west-1.amazonaws.com/"},
    {"us-gov-east-1", "aws-us-gov", "https://ec2.us-gov-east-1.amazonaws.com/"},
    {"us-iso-east-1", "aws-iso", "https://ec2.us-iso-east-1.c2s.ic.gov/"},
    {"us-isob-east-1", "aws-iso-b", "https://ec2.us-isob-east-1.sc2s.sgov.gov/"},
    {"eu-isoe-west-1", "aws-iso-e", "https://ec2.eu-isoe-west-1.cloud.adc-e.uk/"},
    {"us-isof-south-1", "aws-iso-f", "https://ec2.us-isof-south-1.csp.hci.ic.gov/"},
    {"eusc-de-east-1", "aws-eusc", "https://ec2.eusc-de-east-1.amazonaws.eu/"},
};

TEST(AwsEndpointsTest, EveryPartitionHasItsDnsSuffix) {
  for (const auto& c : kCases) {
    EXPECT_EQ(PartitionForRegion(c.region).id, c.partition) << c.region;
    EXPECT_EQ(DefaultEndpoint("ec2", c.region), c.ec2) << c.region;
  }
}

TEST(AwsEndpointsTest, UnknownShapesFallBackToTheAwsPartition) {
  for (const char* r : {"", "local", "us-east", "cn-north", "xx-east-1", "us-gov-west-x"}) {
    EXPECT_EQ(PartitionForRegion(r).id, "aws") << r;
  }
  // A future region of a known pattern lands in its partition.
  EXPECT_EQ(PartitionForRegion("cn-south-3").id, "aws-cn");
  EXPECT_EQ(PartitionForRegion("us-isob-west-2").id, "aws-iso-b");
}

std::optional<std::string> NoEnv(const std::string&) { return std::nullopt; }

TEST(AwsEndpointsTest, Ec2ClientDefaultsToThePartitionEndpoint) {
  for (const auto& c : kCases) {
    Ec2Config cfg;
    cfg.region = c.region;
    cfg.getenv = NoEnv;
    EXPECT_EQ(Ec2Client(cfg).endpoint(), c.ec2) << c.region;
  }
}

TEST(AwsEndpointsTest, StsDefaultsToThePartitionEndpoint) {
  const std::map<std::string, std::string> want = {
      {"cn-north-1", "https://sts.cn-north-1.amazonaws.com.cn/"},
      {"us-gov-west-1", "https://sts.us-gov-west-1.amazonaws.com/"},
      {"us-iso-east-1", "https://sts.us-iso-east-1.c2s.ic.gov/"},
      {"eusc-de-east-1", "https://sts.eusc-de-east-1.amazonaws.eu/"},
      {"eu-west-1", "https://sts.eu-west-1.amazonaws.com/"},
  };
  for (const auto& [region, url] : want) {
    CredentialsConfig cfg;
    cfg.region = region;
    EXPECT_EQ(StsEndpoint(cfg, NoEnv), url) << region;
  }
}

}  // namespace
}  // namespace prov::cloud::aws
