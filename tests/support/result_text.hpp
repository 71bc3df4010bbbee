#pragma once
// The text of a Result's error for an assertion message, or "" when it holds a value.
//
// doctest evaluates a REQUIRE_MESSAGE/CHECK_MESSAGE/INFO message lazily, but it does
// evaluate it for passing assertions when success reporting is on (-s): a message written
// as `r.error().describe()` then reads the error of a Result that holds a value and throws
// std::bad_variant_access, aborting the whole test binary (and `w.error->describe()` on a
// WriteResult without error dereferences an empty optional). Write
// `REQUIRE_MESSAGE(r.ok(), error_text(r))` / `REQUIRE_MESSAGE(!w.error, error_text(w.error))`.
#include "core/result.hpp"

#include <optional>
#include <string>

namespace coopsync::testing {

template <class T>
std::string error_text(const Result<T>& r) {
  return r.ok() ? std::string() : r.error().describe();
}

inline std::string error_text(const std::optional<Error>& e) { return e ? e->describe() : std::string(); }

}  // namespace coopsync::testing
