// Cancellation of in-flight HTTP and of retry back-off: a hung endpoint must not hold a
// call (or its thread) once the provider stops or the client abandons the call.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "provider/base/cancel.h"
#include "provider/cloud/http/retry.h"
#include "provider/cloud/http/transport.h"
#include "tests/fakes/aws/loopback_server.h"

namespace prov::cloud::http {
namespace {

using prov::testing::LoopbackServer;
using prov::testing::ServerReply;
using prov::testing::ServerRequest;
using Clock = std::chrono::steady_clock;

// A server that accepts the request and never answers until the test ends.
struct HungServer {
  std::atomic<bool> release{false};
  std::atomic<int> arrived{0};
  LoopbackServer server{[this](const ServerRequest&) {
    ++arrived;
    while (!release.load()) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    return ServerReply{200, {}, "late"};
  }};
  ~HungServer() { release = true; }
};

long MsSince(Clock::time_point t) {
  return static_cast<long>(std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t).count());
}

TEST(HttpCancelTest, RequestFlagStopsAHungTransferWithinASecond) {
  HungServer hung;
  auto t = NewCurlTransport();
  std::atomic<bool> cancel{false};
  Request req;
  req.url = hung.server.url() + "/never";
  req.timeout = std::chrono::seconds(60);
  req.cancel = &cancel;
  std::thread stopper([&] {
    while (hung.arrived.load() == 0) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    cancel = true;
  });
  auto started = Clock::now();
  auto r = t->Do(req);
  auto flipped_at = MsSince(started);
  stopper.join();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kCancelled) << r.error().ToString();
  EXPECT_LT(flipped_at, 1200) << "the transfer outlived the cancel by more than a second";
  EXPECT_GE(flipped_at, 200);
}

TEST(HttpCancelTest, ThreadScopePollStopsATransferWithoutAnyParameter) {
  // What the RPC server installs: the call's own "client hung up" check.
  HungServer hung;
  auto t = NewCurlTransport();
  std::atomic<bool> client_gone{false};
  std::thread hangup([&] {
    while (hung.arrived.load() == 0) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    client_gone = true;
  });
  auto started = Clock::now();
  Result<Response> r = MakeError(ErrorCode::kInternal, "not run");
  {
    cancel::Scope scope(nullptr, [&] { return client_gone.load(); });
    Request req;
    req.url = hung.server.url() + "/never";
    req.timeout = std::chrono::seconds(60);
    r = t->Do(req);
  }
  long ms = MsSince(started);
  hangup.join();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kCancelled);
  EXPECT_LT(ms, 1100);
  // Outside the scope the same transport works normally again.
  LoopbackServer ok([](const ServerRequest&) { return ServerReply{200, {}, "fine"}; });
  Request req;
  req.url = ok.url() + "/";
  auto again = t->Do(req);
  ASSERT_TRUE(again.ok()) << again.error().ToString();
  EXPECT_EQ(again->body, "fine");
}

TEST(HttpCancelTest, AnAnswerArrivingWithinTheGraceIsKept) {
  // A write whose answer is on its way when the call is cancelled: the answer wins.
  std::atomic<bool> cancel{false};
  LoopbackServer server([&](const ServerRequest&) {
    cancel = true;  // cancelled while the request is being served
    ServerReply r{200, {}, "created"};
    r.delay = std::chrono::milliseconds(100);
    return r;
  });
  Request req;
  req.method = "POST";
  req.url = server.url() + "/authorize";
  req.cancel = &cancel;
  auto r = NewCurlTransport()->Do(req);
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_EQ(r->body, "created");
}

TEST(HttpCancelTest, StopFlagOfTheScopeCancelsBeforeSending) {
  std::atomic<bool> stop{true};
  std::atomic<int> seen{0};
  LoopbackServer server([&](const ServerRequest&) {
    ++seen;
    return ServerReply{200, {}, ""};
  });
  cancel::Scope scope(&stop, nullptr);
  Request req;
  req.url = server.url() + "/";
  auto r = NewCurlTransport()->Do(req);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kCancelled);
  EXPECT_EQ(seen.load(), 0);
}

TEST(HttpCancelTest, RetryBackoffSleepWakesOnTheScope) {
  // Real sleeps (no injected SleepFn): a 20 s Retry-After must not hold the call.
  std::atomic<bool> stop{false};
  cancel::Scope scope(&stop, nullptr);
  RetryPolicy p;
  p.max_attempts = 5;
  int calls = 0;
  std::thread stopper([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(150));
    stop = true;
  });
  auto started = Clock::now();
  auto r = WithRetry(
      p,
      [&]() -> Result<Response> {
        ++calls;
        Response resp;
        resp.status = 503;
        return resp;
      },
      [](const Result<Response>&) {
        return Attempt{Verdict::kRetry, std::chrono::milliseconds(20000)};
      });
  long ms = MsSince(started);
  stopper.join();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kCancelled);
  EXPECT_EQ(calls, 1);
  EXPECT_LT(ms, 1000);
}

TEST(HttpCancelTest, CancelledTransferIsNotRetried) {
  HungServer hung;
  auto t = NewCurlTransport();
  std::atomic<bool> cancel{false};
  std::thread stopper([&] {
    while (hung.arrived.load() == 0) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    cancel = true;
  });
  int attempts = 0;
  auto r = WithRetry(
      RetryPolicy{},
      [&] {
        Request req;
        req.url = hung.server.url() + "/";
        req.cancel = &cancel;
        return t->Do(req);
      },
      [](const Result<Response>&) { return Attempt{Verdict::kRetry, std::nullopt}; }, nullptr,
      &attempts, [](std::chrono::milliseconds) {});
  stopper.join();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kCancelled);
  EXPECT_EQ(attempts, 1);
}

}  // namespace
}  // namespace prov::cloud::http
