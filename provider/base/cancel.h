// Per-thread cancellation of the call being served.
//
// The gRPC server installs a cancel::Scope on the handler thread for the duration of each
// RPC: it knows the process-wide stop flag (StopProvider, SIGTERM) and how to ask gRPC
// whether the client hung up or the deadline passed. Code far below (the HTTP transport's
// wait loop, retry back-off sleeps) calls cancel::Requested() without any parameter being
// threaded through every cloud adapter. Nothing here knows about gRPC or curl.
#pragma once

#include <atomic>
#include <functional>

namespace prov::cancel {

class Scope {
 public:
  // `flag`: set when the whole provider stops (may be null). `poll`: asked (on this thread
  // only) whether this particular call was abandoned (may be empty).
  Scope(const std::atomic<bool>* flag, std::function<bool()> poll);
  ~Scope();
  Scope(const Scope&) = delete;
  Scope& operator=(const Scope&) = delete;

  bool Requested() const;

 private:
  const std::atomic<bool>* flag_;
  std::function<bool()> poll_;
  mutable bool latched_ = false;
  Scope* outer_;
};

// True when `extra` is set or any Scope installed on this thread says the call is
// cancelled. Cheap enough to call every few milliseconds.
bool Requested(const std::atomic<bool>* extra = nullptr);

}  // namespace prov::cancel
