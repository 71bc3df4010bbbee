#include "core/config/secrets.hpp"

#include <sys/stat.h>

#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>

namespace coopsync::config {
namespace {

bool is_name_start(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_'; }
bool is_name_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

constexpr std::size_t kMaxSecretFileBytes = 64 * 1024;

}  // namespace

EnvLookup process_env() {
  return [](const std::string& name) -> std::optional<std::string> {
    const char* value = std::getenv(name.c_str());
    if (value == nullptr) return std::nullopt;
    return std::string(value);
  };
}

Expansion expand_env(std::string_view text, const EnvLookup& env) {
  Expansion out;
  std::size_t i = 0;
  std::size_t references = 0;
  while (i < text.size()) {
    if (text.compare(i, 3, "$${") == 0) {
      out.value += "${";
      i += 3;
      continue;
    }
    if (text.compare(i, 2, "${") != 0) {
      out.value.push_back(text[i++]);
      continue;
    }
    const std::size_t close = text.find('}', i + 2);
    if (close == std::string_view::npos) {
      out.malformed = "unterminated '${' (write '$${' for a literal '${')";
      return out;
    }
    std::string_view inner = text.substr(i + 2, close - i - 2);
    std::optional<std::string_view> fallback;
    if (auto sep = inner.find(":-"); sep != std::string_view::npos) {
      fallback = inner.substr(sep + 2);
      inner = inner.substr(0, sep);
    }
    bool valid = !inner.empty() && is_name_start(inner.front());
    for (char c : inner) valid = valid && is_name_char(c);
    if (!valid) {
      out.malformed = "'${" + std::string(inner.substr(0, 40)) +
                      "}' is not a variable reference (names are letters, digits and _)";
      return out;
    }
    out.has_reference = true;
    ++references;
    const std::string name(inner);
    std::optional<std::string> value = env(name);
    if ((!value || value->empty()) && fallback) value = std::string(*fallback);
    if (!value) {
      out.missing.push_back(name);
    } else {
      out.inserted.push_back(*value);
      out.value += *value;
    }
    if (i == 0 && close == text.size() - 1 && references == 1) out.whole_reference = true;
    i = close + 1;
  }
  return out;
}

Result<SecretFile> read_secret_file(const std::string& path) {
  auto fail = [&](const std::string& why) {
    return make_error(ErrorKind::kInvalidInput, "cannot read secret file '" + path + "': " + why);
  };
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0) return fail(std::strerror(errno));
  if (!S_ISREG(info.st_mode)) return fail("not a regular file");
  if (static_cast<std::size_t>(info.st_size) > kMaxSecretFileBytes) {
    return fail("larger than 64 KiB, not a secret");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return fail(std::strerror(errno));
  std::string content;
  content.reserve(static_cast<std::size_t>(info.st_size));
  char buffer[4096];
  while (in.read(buffer, sizeof buffer) || in.gcount() > 0) {
    content.append(buffer, static_cast<std::size_t>(in.gcount()));
    if (content.size() > kMaxSecretFileBytes) return fail("larger than 64 KiB, not a secret");
  }
  if (in.bad()) return fail("read error");
  while (!content.empty() && (content.back() == '\n' || content.back() == '\r')) {
    content.pop_back();
  }
  if (content.empty()) return fail("the file is empty");
  SecretFile out;
  out.value = std::move(content);
  out.others_readable = (info.st_mode & (S_IRGRP | S_IROTH)) != 0;
  return out;
}

}  // namespace coopsync::config
