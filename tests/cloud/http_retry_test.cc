// WithRetry with an injected sleep: attempts, back-off bounds, Retry-After, budget, cancel.
#include <gtest/gtest.h>

#include <thread>
#include <vector>

#include "provider/cloud/http/retry.h"

namespace prov::cloud::http {
namespace {

using std::chrono::milliseconds;

Attempt RetryOn503(const Result<Response>& r) {
  Attempt a;
  if (!r.ok()) {
    a.verdict = Verdict::kRetry;
  } else if (r->status == 503) {
    a.verdict = Verdict::kRetry;
    a.retry_after = ParseRetryAfter(*r);
  } else if (r->status >= 400) {
    a.verdict = Verdict::kFail;
  }
  return a;
}

TEST(RetryTest, RetriesUntilSuccess) {
  int calls = 0;
  std::vector<milliseconds> sleeps;
  RetryPolicy p;
  p.base_delay = milliseconds(100);
  p.max_delay = milliseconds(1000);
  int attempts = 0;
  auto r = WithRetry(
      p,
      [&]() -> Result<Response> {
        ++calls;
        Response resp;
        resp.status = calls < 4 ? 503 : 200;
        return resp;
      },
      RetryOn503, nullptr, &attempts, [&](milliseconds d) { sleeps.push_back(d); });
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(calls, 4);
  EXPECT_EQ(attempts, 4);
  ASSERT_EQ(sleeps.size(), 3u);
  // Full jitter: each delay within [0, min(max, base*2^(n-1))].
  EXPECT_LE(sleeps[0], milliseconds(100));
  EXPECT_LE(sleeps[1], milliseconds(200));
  EXPECT_LE(sleeps[2], milliseconds(400));
}

TEST(RetryTest, JitterIsCappedAndVaries) {
  RetryPolicy p;
  p.max_attempts = 40;
  p.base_delay = milliseconds(100);
  p.max_delay = milliseconds(500);
  p.max_total = std::chrono::hours(1);
  std::vector<milliseconds> sleeps;
  auto r = WithRetry(
      p, []() -> Result<Response> { return Response{503, {}, ""}; }, RetryOn503, nullptr, nullptr,
      [&](milliseconds d) { sleeps.push_back(d); });
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 503);  // last response returned when attempts run out
  ASSERT_EQ(sleeps.size(), 39u);
  milliseconds lo = milliseconds::max(), hi{0};
  for (auto d : sleeps) {
    EXPECT_LE(d, milliseconds(500));
    lo = std::min(lo, d);
    hi = std::max(hi, d);
  }
  EXPECT_LT(lo, hi);  // not a constant delay
}

TEST(RetryTest, FailVerdictStopsImmediately) {
  int calls = 0;
  auto r = WithRetry(
      RetryPolicy{}, [&]() -> Result<Response> { ++calls; return Response{400, {}, "bad"}; }, RetryOn503,
      nullptr, nullptr, [](milliseconds) { FAIL() << "must not sleep"; });
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 400);
  EXPECT_EQ(calls, 1);
}

TEST(RetryTest, HonoursRetryAfterSeconds) {
  int calls = 0;
  std::vector<milliseconds> sleeps;
  RetryPolicy p;
  p.base_delay = milliseconds(10);
  auto r = WithRetry(
      p,
      [&]() -> Result<Response> {
        ++calls;
        if (calls == 1) return Response{503, {{"retry-after", "3"}}, ""};
        return Response{200, {}, ""};
      },
      RetryOn503, nullptr, nullptr, [&](milliseconds d) { sleeps.push_back(d); });
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(sleeps.size(), 1u);
  EXPECT_EQ(sleeps[0], milliseconds(3000));
}

TEST(RetryTest, StopsWhenTotalBudgetWouldBeExceeded) {
  RetryPolicy p;
  p.max_attempts = 100;
  p.max_total = milliseconds(5000);
  int calls = 0;
  milliseconds slept{0};
  auto r = WithRetry(
      p, [&]() -> Result<Response> { ++calls; return Response{503, {{"retry-after", "2"}}, ""}; },
      RetryOn503, nullptr, nullptr, [&](milliseconds d) { slept += d; });
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(calls, 3);  // sleeps 2s + 2s; a third sleep would pass 5s
  EXPECT_EQ(slept, milliseconds(4000));
}

TEST(RetryTest, TransportErrorsAreRetriedAndLastErrorReturned) {
  RetryPolicy p;
  p.max_attempts = 3;
  int calls = 0;
  auto r = WithRetry(
      p, [&]() -> Result<Response> { ++calls; return MakeError(ErrorCode::kUnavailable, "reset"); },
      RetryOn503, nullptr, nullptr, [](milliseconds) {});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(calls, 3);
}

TEST(RetryTest, CancelFromAnotherThreadInterruptsSleep) {
  std::atomic<bool> cancel{false};
  RetryPolicy p;
  int calls = 0;
  std::thread canceller([&] {
    std::this_thread::sleep_for(milliseconds(100));
    cancel = true;
  });
  auto started = std::chrono::steady_clock::now();
  auto r = WithRetry(
      p, [&]() -> Result<Response> { ++calls; return Response{503, {{"retry-after", "30"}}, ""}; },
      RetryOn503, &cancel, nullptr, nullptr);
  canceller.join();
  auto took = std::chrono::steady_clock::now() - started;
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kCancelled);
  EXPECT_EQ(calls, 1);
  EXPECT_LT(took, std::chrono::seconds(2));
}

TEST(RetryTest, ParsesRetryAfterForms) {
  EXPECT_EQ(ParseRetryAfter(Response{429, {{"retry-after", "7"}}, ""}), milliseconds(7000));
  EXPECT_EQ(ParseRetryAfter(Response{429, {{"x-ms-retry-after-ms", "250"}, {"retry-after", "7"}}, ""}),
            milliseconds(250));
  EXPECT_EQ(ParseRetryAfter(Response{429, {{"retry-after", "Wed, 21 Oct 2015 07:28:00 GMT"}}, ""}),
            milliseconds(0));  // in the past
  EXPECT_EQ(ParseRetryAfter(Response{429, {{"retry-after", "soon"}}, ""}), std::nullopt);
  EXPECT_EQ(ParseRetryAfter(Response{429, {}, ""}), std::nullopt);
}

}  // namespace
}  // namespace prov::cloud::http
