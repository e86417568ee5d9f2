// Retry policy shared by every cloud adapter: capped exponential back-off with full
// jitter, honouring Retry-After, bounded attempts, cancellable. The adapter classifies
// each outcome (it knows its API's throttling codes); this file decides when and how long.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <optional>
#include <string>

#include "provider/base/result.h"
#include "provider/cloud/http/transport.h"

namespace prov::cloud::http {

struct RetryPolicy {
  int max_attempts = 8;  // total tries, including the first
  std::chrono::milliseconds base_delay{200};
  std::chrono::milliseconds max_delay{20000};
  std::chrono::milliseconds max_total{std::chrono::minutes(5)};
};

enum class Verdict { kDone, kRetry, kFail };

struct Attempt {
  Verdict verdict = Verdict::kDone;
  // Server-requested wait (Retry-After) if any.
  std::optional<std::chrono::milliseconds> retry_after;
};

// Sleeps are injectable for tests (default: real sleep that wakes early on cancel).
using SleepFn = std::function<void(std::chrono::milliseconds)>;

// Runs `call` until `classify` says done or fail, or the policy runs out. Returns the last
// Response (a transport Error when the last try got no response). `attempts_out` counts
// tries. `on_retry` is called before each sleep (for logging).
Result<Response> WithRetry(const RetryPolicy& policy,
                           const std::function<Result<Response>()>& call,
                           const std::function<Attempt(const Result<Response>&)>& classify,
                           const std::atomic<bool>* cancel = nullptr,
                           int* attempts_out = nullptr, SleepFn sleep = nullptr);

// Parses Retry-After (seconds or HTTP-date) and x-ms-retry-after-ms.
std::optional<std::chrono::milliseconds> ParseRetryAfter(const Response& r);

}  // namespace prov::cloud::http
