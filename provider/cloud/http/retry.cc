// Retry loop: capped exponential back-off with full jitter (delay drawn uniformly from
// [0, min(max_delay, base * 2^(n-1))]), a server-requested Retry-After taking precedence
// when longer, and a total time budget that counts both call time and sleep time (so a
// fake sleep in tests consumes budget just like a real one).
#include "provider/cloud/http/retry.h"

#include <algorithm>
#include <cctype>
#include <ctime>
#include <random>
#include <thread>

#include "provider/base/cancel.h"
#include "provider/base/log.h"

namespace prov::cloud::http {
namespace {

using std::chrono::milliseconds;

void CancellableSleep(milliseconds d, const std::atomic<bool>* cancel) {
  auto until = std::chrono::steady_clock::now() + d;
  constexpr milliseconds kSlice{20};
  while (true) {
    if (cancel::Requested(cancel)) return;
    auto now = std::chrono::steady_clock::now();
    if (now >= until) return;
    auto left = std::chrono::duration_cast<milliseconds>(until - now);
    std::this_thread::sleep_for(std::min(left, kSlice));
  }
}

milliseconds FullJitter(const RetryPolicy& p, int retry_number) {
  // retry_number 1 = first retry. Shift capped to avoid overflow on large attempt counts.
  int shift = std::min(retry_number - 1, 30);
  int64_t cap = p.base_delay.count() * (int64_t{1} << shift);
  cap = std::min<int64_t>(cap, p.max_delay.count());
  if (cap <= 0) return milliseconds(0);
  thread_local std::mt19937_64 rng{std::random_device{}()};
  std::uniform_int_distribution<int64_t> dist(0, cap);
  return milliseconds(dist(rng));
}

bool AllDigits(const std::string& s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isdigit(c); });
}

}  // namespace

std::optional<milliseconds> ParseRetryAfter(const Response& r) {
  for (const char* ms_header : {"x-ms-retry-after-ms", "retry-after-ms", "x-amz-retry-after"}) {
    std::string v = r.Header(ms_header);
    if (AllDigits(v) && v.size() < 12) return milliseconds(std::stoll(v));
  }
  std::string v = r.Header("retry-after");
  if (v.empty()) return std::nullopt;
  if (AllDigits(v)) {
    if (v.size() > 9) return std::nullopt;  // absurd; ignore rather than overflow
    return milliseconds(std::stoll(v) * 1000);
  }
  // HTTP-date (IMF-fixdate): "Wed, 21 Oct 2015 07:28:00 GMT".
  std::tm tm{};
  const char* end = strptime(v.c_str(), "%a, %d %b %Y %H:%M:%S GMT", &tm);
  if (end == nullptr) return std::nullopt;
  time_t when = timegm(&tm);
  time_t now = std::time(nullptr);
  return milliseconds(std::max<int64_t>(0, static_cast<int64_t>(when - now)) * 1000);
}

Result<Response> WithRetry(const RetryPolicy& policy, const std::function<Result<Response>()>& call,
                           const std::function<Attempt(const Result<Response>&)>& classify,
                           const std::atomic<bool>* cancel, int* attempts_out, SleepFn sleep) {
  const int max_attempts = std::max(1, policy.max_attempts);
  milliseconds spent{0};
  int attempt = 0;
  if (attempts_out != nullptr) *attempts_out = 0;
  while (true) {
    if (cancel::Requested(cancel)) {
      return MakeError(ErrorCode::kCancelled, "request cancelled");
    }
    ++attempt;
    if (attempts_out != nullptr) *attempts_out = attempt;
    auto started = std::chrono::steady_clock::now();
    Result<Response> result = call();
    spent += std::chrono::duration_cast<milliseconds>(std::chrono::steady_clock::now() - started);
    // A cancelled transfer is never retried, whatever the adapter thinks of the error.
    // Neither is a TLS verification failure or a proxy refusing its credentials
    // (kPermissionDenied from the transport): no retry can change their outcome.
    if (!result.ok() && (result.error().code == ErrorCode::kCancelled ||
                         result.error().code == ErrorCode::kPermissionDenied)) {
      return result;
    }
    Attempt verdict = classify(result);
    if (verdict.verdict != Verdict::kRetry) return result;
    if (attempt >= max_attempts) return result;

    milliseconds delay = FullJitter(policy, attempt);
    if (verdict.retry_after.has_value()) delay = std::max(delay, *verdict.retry_after);
    if (spent + delay > policy.max_total) {
      log::Debug("retry budget exhausted", {{"attempts", std::to_string(attempt)},
                                            {"spent_ms", std::to_string(spent.count())}});
      return result;
    }
    log::Debug("retrying request",
               {{"attempt", std::to_string(attempt)},
                {"delay_ms", std::to_string(delay.count())},
                {"last", result.ok() ? std::to_string(result->status) : result.error().message}});
    if (sleep) {
      sleep(delay);
    } else {
      CancellableSleep(delay, cancel);
    }
    spent += delay;
  }
}

}  // namespace prov::cloud::http
