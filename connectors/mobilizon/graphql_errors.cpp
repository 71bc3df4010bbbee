#include "connectors/mobilizon/graphql_errors.hpp"
#include "core/util/ascii_case.hpp"

#include <algorithm>
#include <chrono>

namespace coopsync::mobilizon {

namespace {
std::string text_of(const nlohmann::json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_array()) {
    std::string out;
    for (const auto& item : v) {
      if (!out.empty()) out += "; ";
      out += item.is_string() ? item.get<std::string>() : item.dump();
    }
    return out;
  }
  return v.is_null() ? std::string() : v.dump();
}

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// Bounded so that a hostile server cannot fill our logs through an error message.
std::string clip(std::string s) {
  constexpr std::size_t kMax = 500;
  if (s.size() > kMax) s = s.substr(0, kMax) + "...";
  return s;
}
}  // namespace

std::string error_message(const nlohmann::json& error) {
  if (!error.is_object() || !error.contains("message")) return "(no message)";
  return clip(text_of(error["message"]));
}

bool is_unauthenticated(const nlohmann::json& errors) {
  if (!errors.is_array()) return false;
  return std::any_of(errors.begin(), errors.end(), [](const nlohmann::json& e) {
    return e.is_object() && e.value("code", nlohmann::json()).is_string() &&
           e["code"].get<std::string>() == "unauthenticated";
  });
}

Error map_graphql_errors(const nlohmann::json& errors, const std::string& what) {
  if (!errors.is_array() || errors.empty() || !errors[0].is_object()) {
    return make_error(ErrorKind::kInvalidInput, "mobilizon " + what + ": malformed errors array");
  }
  const auto& e = errors[0];
  const std::string message = error_message(e);
  const std::string code = e.contains("code") && e["code"].is_string() ? e["code"].get<std::string>() : "";
  std::string text = "mobilizon " + what + ": " + message;
  if (e.contains("field") && e["field"].is_string()) text += " (field " + e["field"].get<std::string>() + ")";
  if (errors.size() > 1) text += " (+" + std::to_string(errors.size() - 1) + " more)";
  const std::string msg = util::ascii_lower(message);

  if (code.empty()) {
    // A document or variable error: our request is wrong, retrying cannot help.
    return make_error(ErrorKind::kPermanent, text + " [document error]");
  }
  if (code == "unauthenticated" || code == "user_not_found" || code == "incorrect_password" ||
      msg.find("impossible to authenticate") != std::string::npos ||
      msg.find("has been disabled") != std::string::npos) {
    return make_error(ErrorKind::kAuth, text);
  }
  if (msg == "too many requests") {
    // Rajska's limiter counts per minute.
    return make_error(ErrorKind::kRateLimited, text, std::nullopt, std::chrono::milliseconds(60000));
  }
  if (ends_with(code, "not_found") || msg.find("not found") != std::string::npos ||
      msg.find("doesn't exist") != std::string::npos || msg.find("does not exist") != std::string::npos) {
    return make_error(ErrorKind::kNotFound, text);
  }
  if (code == "unknown") return make_error(ErrorKind::kTransient, text);
  return make_error(ErrorKind::kPermanent, text);
}

}  // namespace coopsync::mobilizon
