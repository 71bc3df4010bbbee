#pragma once
// Errors as values at every boundary: a connector, the store and the HTTP layer return
// Result<T>; the engine decides what to do from the error's kind, never from its text.
#include <chrono>
#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace coopsync {

enum class ErrorKind {
  kAuth,         // 401/403, bad credentials, expired token that cannot be refreshed: stop using them
  kNotFound,     // the record is gone remotely
  kConflict,     // version/ETag mismatch, unique violation: re-read and re-plan
  kRateLimited,  // 429 and friends: wait `retry_after` then retry
  kTransient,    // 5xx, timeouts, dropped connections: retry with backoff
  kPermanent,    // the remote rejected our data (validation, 4xx): park, report, no retry
  kInvalidInput, // malformed config, hostile or truncated response, bad CLI usage
  kCancelled,    // shutdown in progress
  kInternal,     // broken invariant: log loudly, fail the job, keep the daemon up
};

const char* to_string(ErrorKind kind);

struct Error {
  ErrorKind kind = ErrorKind::kInternal;
  std::string message;  // human text naming what and where; never contains a secret
  std::optional<int> http_status;
  std::optional<std::chrono::milliseconds> retry_after;

  bool retryable() const {
    return kind == ErrorKind::kRateLimited || kind == ErrorKind::kTransient ||
           kind == ErrorKind::kConflict;
  }
  std::string describe() const;  // "transient (HTTP 503): message"
};

inline Error make_error(ErrorKind kind, std::string message,
                        std::optional<int> http_status = std::nullopt,
                        std::optional<std::chrono::milliseconds> retry_after = std::nullopt) {
  return Error{kind, std::move(message), http_status, retry_after};
}

// A value or an Error. Small on purpose: std::expected arrives with C++23.
template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}            // NOLINT: implicit by design
  Result(Error error) : v_(std::move(error)) {}        // NOLINT: implicit by design

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  const Error& error() const& { return std::get<1>(v_); }
  Error&& error() && { return std::get<1>(std::move(v_)); }

 private:
  std::variant<T, Error> v_;
};

struct Ok {};
using Status = Result<Ok>;
inline Status ok_status() { return Ok{}; }

}  // namespace coopsync
