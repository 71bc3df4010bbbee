#include "core/result.hpp"

namespace coopsync {

const char* to_string(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::kAuth: return "auth";
    case ErrorKind::kNotFound: return "not_found";
    case ErrorKind::kConflict: return "conflict";
    case ErrorKind::kRateLimited: return "rate_limited";
    case ErrorKind::kTransient: return "transient";
    case ErrorKind::kPermanent: return "permanent";
    case ErrorKind::kInvalidInput: return "invalid_input";
    case ErrorKind::kCancelled: return "cancelled";
    case ErrorKind::kInternal: return "internal";
  }
  return "unknown";
}

std::string Error::describe() const {
  std::string out = to_string(kind);
  if (http_status) out += " (HTTP " + std::to_string(*http_status) + ")";
  if (retry_after) out += " [retry after " + std::to_string(retry_after->count()) + " ms]";
  out += ": " + message;
  return out;
}

}  // namespace coopsync
