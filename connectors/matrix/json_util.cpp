#include "connectors/matrix/json_util.hpp"

#include <algorithm>

namespace coopsync::matrix {

namespace {
// Depth of brackets outside strings; -1 past the limit.
int nesting_depth(std::string_view text) {
  int depth = 0;
  int deepest = 0;
  bool in_string = false;
  bool escaped = false;
  for (char c : text) {
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      if (++depth > kMaxJsonDepth) return -1;
      deepest = std::max(deepest, depth);
    } else if (c == '}' || c == ']') {
      --depth;
    }
  }
  return deepest;
}
}  // namespace

Result<json> parse_json(std::string_view body, const std::string& what) {
  if (nesting_depth(body) < 0) {
    return make_error(ErrorKind::kInvalidInput,
                      what + ": JSON nested deeper than " + std::to_string(kMaxJsonDepth));
  }
  json value = json::parse(body.begin(), body.end(), nullptr, /*allow_exceptions=*/false);
  if (value.is_discarded()) {
    return make_error(ErrorKind::kInvalidInput,
                      what + ": answer is not JSON (" + std::to_string(body.size()) + " bytes)");
  }
  return value;
}

Result<std::string> get_string(const json& obj, const char* key, const std::string& where) {
  if (!obj.is_object()) {
    return make_error(ErrorKind::kInvalidInput, where + ": expected a JSON object");
  }
  auto it = obj.find(key);
  if (it == obj.end() || !it->is_string()) {
    return make_error(ErrorKind::kInvalidInput,
                      where + ": missing or non-string \"" + std::string(key) + "\"");
  }
  return it->get<std::string>();
}

std::string string_or(const json& obj, const char* key, std::string fallback) {
  if (!obj.is_object()) return fallback;
  auto it = obj.find(key);
  return (it != obj.end() && it->is_string()) ? it->get<std::string>() : fallback;
}

std::optional<long long> int_or_none(const json& obj, const char* key) {
  if (!obj.is_object()) return std::nullopt;
  auto it = obj.find(key);
  if (it == obj.end() || !it->is_number()) return std::nullopt;
  if (it->is_number_float()) {
    const double d = it->get<double>();
    if (!(d > -9e18 && d < 9e18)) return std::nullopt;  // NaN or out of range
    return static_cast<long long>(d);
  }
  return it->get<long long>();
}

}  // namespace coopsync::matrix
