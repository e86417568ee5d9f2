// Result<T>: the one error-carrying return type used below resources/.
//
// An Error has a machine-readable code (an enum for our own failures plus an optional
// remote code string such as an AWS error code or an ARM/GCE reason), a human message,
// and an optional location (a JSON pointer for catalog errors, an attribute path string
// for configuration errors). Diagnostics are made from Errors only in resources/ and
// protocol/server/.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace prov {

enum class ErrorCode {
  kInvalidArgument,   // bad user input (configuration, catalog file, CLI flags)
  kNotFound,          // remote object (or file) does not exist
  kAlreadyExists,     // remote object already exists (idempotent create)
  kConflict,          // optimistic-lock / concurrent-modification / busy
  kPermissionDenied,  // authn/authz failures
  kResourceExhausted, // quotas and limits
  kUnavailable,       // network failures, throttling after retries ran out, 5xx
  kDeadlineExceeded,  // timeouts
  kCancelled,         // StopProvider / signal
  kDataLoss,          // malformed remote data (truncated XML, bad JSON)
  kInternal,          // bugs
};

const char* ErrorCodeName(ErrorCode code);

struct Error {
  ErrorCode code = ErrorCode::kInternal;
  std::string message;
  // Remote error code as the API spells it ("InvalidPermission.Duplicate",
  // "AnotherOperationInProgress", "rateLimitExceeded"); empty for local errors.
  std::string remote_code;
  // JSON pointer ("/services/3/rows/2/ports/0") or attribute path ("target.group_ids[1]").
  std::string where;
  int http_status = 0;

  std::string ToString() const;  // "<where>: <message> (<remote_code>)"
};

inline Error MakeError(ErrorCode code, std::string message, std::string where = {}) {
  Error e;
  e.code = code;
  e.message = std::move(message);
  e.where = std::move(where);
  return e;
}

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}          // NOLINT: implicit by design
  Result(Error error) : v_(std::move(error)) {}      // NOLINT: implicit by design

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  const Error& error() const { return std::get<1>(v_); }
  Error& error() { return std::get<1>(v_); }

 private:
  std::variant<T, Error> v_;
};

// Result<void> equivalent.
class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(Error error) : error_(std::move(error)) {}  // NOLINT: implicit by design
  static Status Ok() { return Status(); }
  bool ok() const { return !error_.has_value(); }
  explicit operator bool() const { return ok(); }
  const Error& error() const { return *error_; }

 private:
  std::optional<Error> error_;
};

}  // namespace prov

// PROV_ASSIGN_OR_RETURN(lhs, expr): evaluate a Result, return its Error on failure.
#define PROV_CONCAT_INNER_(a, b) a##b
#define PROV_CONCAT_(a, b) PROV_CONCAT_INNER_(a, b)
#define PROV_ASSIGN_OR_RETURN(lhs, expr)                      \
  auto PROV_CONCAT_(prov_r_, __LINE__) = (expr);              \
  if (!PROV_CONCAT_(prov_r_, __LINE__).ok())                  \
    return PROV_CONCAT_(prov_r_, __LINE__).error();           \
  lhs = std::move(PROV_CONCAT_(prov_r_, __LINE__)).value()
#define PROV_RETURN_IF_ERROR(expr)                            \
  do {                                                        \
    auto prov_s_ = (expr);                                    \
    if (!prov_s_.ok()) return prov_s_.error();                \
  } while (0)
