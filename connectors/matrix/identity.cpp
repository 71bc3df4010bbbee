#include "connectors/matrix/identity.hpp"

#include <array>
#include <cctype>

namespace coopsync::matrix {

namespace {
// Two-byte UTF-8 Latin-1 letters (U+00C0..U+00FF) folded to ASCII; 0 = no letter.
char fold_latin1(unsigned char lead, unsigned char cont) {
  static constexpr std::array<char, 64> table = {
      'a', 'a', 'a', 'a', 'a', 'a', 'a', 'c', 'e', 'e', 'e', 'e', 'i', 'i', 'i', 'i',
      'd', 'n', 'o', 'o', 'o', 'o', 'o', 0,   'o', 'u', 'u', 'u', 'u', 'y', 0,   's',
      'a', 'a', 'a', 'a', 'a', 'a', 'a', 'c', 'e', 'e', 'e', 'e', 'i', 'i', 'i', 'i',
      'd', 'n', 'o', 'o', 'o', 'o', 'o', 0,   'o', 'u', 'u', 'u', 'u', 'y', 0,   'y'};
  const unsigned cp = ((lead & 0x1Fu) << 6) | (cont & 0x3Fu);
  if (cp < 0xC0 || cp > 0xFF) return 0;
  return table[cp - 0xC0];
}

// Walks UTF-8 text, handing each character to `emit` as an ASCII char or 0 (other).
template <class Emit>
void fold(std::string_view text, Emit emit) {
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) {
      emit(static_cast<char>(std::tolower(c)));
    } else if ((c & 0xE0) == 0xC0 && i + 1 < text.size()) {
      emit(fold_latin1(c, static_cast<unsigned char>(text[i + 1])));
      ++i;
    } else {
      // Longer sequences: skip the continuation bytes, count one "other" character.
      while (i + 1 < text.size() && (static_cast<unsigned char>(text[i + 1]) & 0xC0) == 0x80) ++i;
      emit(0);
    }
  }
}
}  // namespace

std::string slugify(std::string_view text) {
  std::string out;
  bool dash = false;
  fold(text, [&](char c) {
    if (std::isalnum(static_cast<unsigned char>(c))) {
      if (dash && !out.empty()) out.push_back('-');
      dash = false;
      if (out.size() < 64) out.push_back(c);
    } else {
      dash = true;
    }
  });
  while (!out.empty() && out.back() == '-') out.pop_back();
  return out;
}

std::string localpart_of(std::string_view text) {
  std::string out;
  fold(text, [&](char c) {
    const bool allowed = std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' ||
                         c == '=' || c == '-' || c == '/' || c == '+';
    if (out.size() < 200) out.push_back(allowed ? c : '_');
  });
  return out;
}

Result<std::string> person_user_id(const Settings& settings, const Fields& person) {
  auto text = [&](const char* key) -> std::string {
    auto it = person.find(key);
    return (it != person.end() && it->is_string()) ? it->get<std::string>() : std::string();
  };
  const std::string rule = settings.person_id;
  std::vector<std::pair<std::string, std::string>> vars = {
      {"prefix", settings.namespace_prefix}, {"server", settings.server_name}};
  struct Need {
    const char* placeholder;
    std::string value;
    const char* field;
  };
  const std::string email = text(field::kEmail);
  const Need needs[] = {
      {"email_local", localpart_of(email.substr(0, email.find('@'))), field::kEmail},
      {"given", localpart_of(text(field::kGivenName)), field::kGivenName},
      {"family", localpart_of(text(field::kFamilyName)), field::kFamilyName}};
  for (const auto& n : needs) {
    if (rule.find(std::string("{") + n.placeholder + "}") == std::string::npos) continue;
    if (n.value.empty()) {
      return make_error(ErrorKind::kPermanent, std::string("matrix: person_id rule needs ") +
                                                   n.field + ", which the person lacks");
    }
    vars.emplace_back(n.placeholder, n.value);
  }
  std::string id = expand(rule, vars);
  if (id.size() < 4 || id[0] != '@' || id.find(':') == std::string::npos) {
    return make_error(ErrorKind::kInvalidInput, "matrix: person_id rule gives no user id: " + id);
  }
  return id;
}

std::string room_alias_for(const Settings& settings, const std::string& slug) {
  return expand(settings.room_alias,
                {{"prefix", settings.namespace_prefix}, {"server", settings.server_name},
                 {"slug", slug}});
}

std::string slug_from_alias(const Settings& settings, const std::string& alias) {
  const std::string pattern = expand(settings.room_alias, {{"prefix", settings.namespace_prefix},
                                                           {"server", settings.server_name}});
  const auto at = pattern.find("{slug}");
  if (at == std::string::npos) return {};
  const std::string head = pattern.substr(0, at);
  const std::string tail = pattern.substr(at + 6);
  if (alias.size() <= head.size() + tail.size() || alias.compare(0, head.size(), head) != 0 ||
      alias.compare(alias.size() - tail.size(), tail.size(), tail) != 0) {
    return {};
  }
  return alias.substr(head.size(), alias.size() - head.size() - tail.size());
}

std::string alias_localpart(const std::string& alias) {
  const auto colon = alias.find(':');
  return alias.substr(1, colon == std::string::npos ? std::string::npos : colon - 1);
}

}  // namespace coopsync::matrix
