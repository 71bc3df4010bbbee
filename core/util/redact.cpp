#include "core/util/redact.hpp"

#include <algorithm>
#include <mutex>
#include <nlohmann/json.hpp>
#include <shared_mutex>
#include <vector>

namespace coopsync::util {
namespace {

struct Registry {
  std::shared_mutex mutex;
  std::vector<std::string> secrets;  // kept sorted by length, longest first
};

Registry& registry() {
  static Registry r;
  return r;
}

std::string percent_encode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size() * 3);
  for (unsigned char c : text) {
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
        c == '_' || c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 0x0F]);
    }
  }
  return out;
}

std::string json_escape(std::string_view text) {
  // dump() of a string gives "..."; the secret appears inside the quotes. Invalid UTF-8
  // is replaced rather than thrown on: the escaped form only has to match what a JSON
  // writer would produce for valid text.
  const std::string quoted = nlohmann::json(std::string(text))
                                 .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return quoted.substr(1, quoted.size() - 2);
}

void add_locked(Registry& r, std::string value) {
  if (value.size() < kMinSecretLength) return;
  if (std::find(r.secrets.begin(), r.secrets.end(), value) != r.secrets.end()) return;
  auto pos = std::find_if(r.secrets.begin(), r.secrets.end(),
                          [&](const std::string& s) { return s.size() < value.size(); });
  r.secrets.insert(pos, std::move(value));
}

}  // namespace

void register_secret(std::string_view value) {
  if (value.size() < kMinSecretLength) return;
  std::string escaped = json_escape(value);
  std::string encoded = percent_encode(value);
  Registry& r = registry();
  std::unique_lock lock(r.mutex);
  add_locked(r, std::string(value));
  add_locked(r, std::move(escaped));
  add_locked(r, std::move(encoded));
}

std::string redact(std::string_view text) {
  Registry& r = registry();
  std::shared_lock lock(r.mutex);
  std::string out(text);
  if (r.secrets.empty()) return out;
  for (const auto& secret : r.secrets) {
    std::size_t pos = out.find(secret);
    while (pos != std::string::npos) {
      out.replace(pos, secret.size(), "***");
      pos = out.find(secret, pos + 3);
    }
  }
  return out;
}

bool contains_secret(std::string_view text) {
  Registry& r = registry();
  std::shared_lock lock(r.mutex);
  for (const auto& secret : r.secrets) {
    if (text.find(secret) != std::string_view::npos) return true;
  }
  return false;
}

std::size_t registered_secret_count() {
  Registry& r = registry();
  std::shared_lock lock(r.mutex);
  return r.secrets.size();
}

void clear_secrets_for_test() {
  Registry& r = registry();
  std::unique_lock lock(r.mutex);
  r.secrets.clear();
}

}  // namespace coopsync::util
