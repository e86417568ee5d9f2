#include "provider/cloud/ownership_marker.h"

#include <gtest/gtest.h>

namespace prov::cloud {
namespace {

TEST(OwnershipMarkerTest, ReadsOwnerAndIdOrTheOwnerOnlyFormat) {
  std::string owner, id;
  ASSERT_TRUE(ParseOwnershipMarker("Office@Hand video.media [oah:team1:k3x9ab2c]", &owner, &id));
  EXPECT_EQ(owner, "team1");
  EXPECT_EQ(id, "k3x9ab2c");
  ASSERT_TRUE(ParseOwnershipMarker("[oah:default] first [oah:other:zz]", &owner, &id));
  EXPECT_EQ(owner, "default");
  EXPECT_EQ(id, "");
  EXPECT_FALSE(ParseOwnershipMarker("edited by hand", &owner, &id));
  EXPECT_FALSE(ParseOwnershipMarker("[oah:unterminated", &owner, &id));
  EXPECT_FALSE(ParseOwnershipMarker("[oah::id]", &owner, &id));
}

TEST(OwnershipMarkerTest, OnlyUnansweredOrServerFailedWritesHaveAnUnknownOutcome) {
  Error lost = MakeError(ErrorCode::kUnavailable, "connection reset");
  EXPECT_TRUE(WriteOutcomeUnknown(lost));
  Error server = MakeError(ErrorCode::kUnavailable, "internal error");
  server.http_status = 500;
  EXPECT_TRUE(WriteOutcomeUnknown(server));
  EXPECT_TRUE(WriteOutcomeUnknown(MakeError(ErrorCode::kDeadlineExceeded, "timeout")));
  EXPECT_TRUE(WriteOutcomeUnknown(MakeError(ErrorCode::kCancelled, "cancelled")));
  Error throttled = MakeError(ErrorCode::kUnavailable, "throttled");
  throttled.http_status = 429;
  EXPECT_FALSE(WriteOutcomeUnknown(throttled));
  Error busy = MakeError(ErrorCode::kUnavailable, "busy");
  busy.http_status = 503;
  EXPECT_FALSE(WriteOutcomeUnknown(busy));
  EXPECT_FALSE(WriteOutcomeUnknown(MakeError(ErrorCode::kInvalidArgument, "bad")));
}

}  // namespace
}  // namespace prov::cloud
