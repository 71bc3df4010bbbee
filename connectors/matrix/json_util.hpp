#pragma once
// Bounded JSON parsing for answers from a homeserver: a hostile or broken server must
// produce a typed Error naming what and where, never a crash, a deep recursion or an
// exception escaping the connector.
#include "core/result.hpp"

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace coopsync::matrix {

using nlohmann::json;

inline constexpr int kMaxJsonDepth = 64;

// Parses `body`; kInvalidInput naming `what` when it is not JSON or nests deeper than
// kMaxJsonDepth (checked before parsing, so the parser's recursion stays bounded).
Result<json> parse_json(std::string_view body, const std::string& what);

// Typed field access; `where` names the answer for the error message.
Result<std::string> get_string(const json& obj, const char* key, const std::string& where);
std::string string_or(const json& obj, const char* key, std::string fallback = {});
std::optional<long long> int_or_none(const json& obj, const char* key);

}  // namespace coopsync::matrix
