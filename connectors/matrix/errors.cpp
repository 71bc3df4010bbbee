#include "connectors/matrix/errors.hpp"

#include "connectors/matrix/json_util.hpp"

#include <algorithm>

namespace coopsync::matrix {

namespace {
constexpr long long kMaxRetryAfterMs = 3600LL * 1000;  // a bogus hint must not park us for days
constexpr std::size_t kMaxErrorText = 300;

std::string clip(std::string text) {
  if (text.size() > kMaxErrorText) text = text.substr(0, kMaxErrorText) + "...";
  for (char& c : text) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  return text;
}
}  // namespace

Failure to_failure(const http::Response& response, const std::string& what, Forbidden forbidden) {
  const int status = response.status;
  std::string errcode;
  std::string text;
  std::optional<long long> retry_ms;
  if (auto body = parse_json(response.body, what); body.ok() && body->is_object()) {
    errcode = string_or(*body, "errcode");
    text = string_or(*body, "error");
    retry_ms = int_or_none(*body, "retry_after_ms");
  }
  std::string message = "matrix: " + what + ": HTTP " + std::to_string(status);
  if (!errcode.empty()) message += " " + clip(errcode);
  if (!text.empty()) message += ": " + clip(text);

  auto kind_of = [&]() -> ErrorKind {
    if (errcode == "M_LIMIT_EXCEEDED" || status == 429) return ErrorKind::kRateLimited;
    if (errcode == "M_UNKNOWN_TOKEN" || errcode == "M_MISSING_TOKEN" ||
        errcode == "M_USER_DEACTIVATED" || status == 401) {
      return ErrorKind::kAuth;
    }
    if (errcode == "M_FORBIDDEN" || status == 403) {
      return forbidden == Forbidden::kAuth ? ErrorKind::kAuth : ErrorKind::kPermanent;
    }
    if (errcode == "M_UNRECOGNIZED") return ErrorKind::kPermanent;
    if (errcode == "M_NOT_FOUND" || status == 404) return ErrorKind::kNotFound;
    if (errcode == "M_USER_IN_USE" || errcode == "M_ROOM_IN_USE" || status == 409) {
      return ErrorKind::kConflict;
    }
    if (status == 408 || status >= 500) return ErrorKind::kTransient;
    return ErrorKind::kPermanent;
  };
  Error error = make_error(kind_of(), std::move(message), status);
  if (error.kind == ErrorKind::kRateLimited) {
    long long ms = 5000;
    if (retry_ms) {
      ms = std::clamp(*retry_ms, 0LL, kMaxRetryAfterMs);
    } else if (auto header = http::parse_retry_after(response.header("Retry-After"))) {
      ms = std::min<long long>(header->count(), kMaxRetryAfterMs);
    }
    error.retry_after = std::chrono::milliseconds(ms);
  } else if (error.kind == ErrorKind::kTransient) {
    error.retry_after = http::parse_retry_after(response.header("Retry-After"));
  }
  return Failure{std::move(error), std::move(errcode)};
}

}  // namespace coopsync::matrix
