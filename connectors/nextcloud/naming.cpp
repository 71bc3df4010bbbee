#include "connectors/nextcloud/naming.hpp"

#include "core/http/http_client.hpp"

#include <cctype>
#include <cstdint>
#include <cstdio>

namespace coopsync::nextcloud {
namespace {

// Two-byte UTF-8 Latin-1 supplement letters (U+00C0..U+00FF) to ASCII.
char fold_latin1(unsigned code) {
  static const char* map =
      "AAAAAAACEEEEIIII"   // C0-CF
      "DNOOOOO*OUUUUYTs"   // D0-DF
      "aaaaaaaceeeeiiii"   // E0-EF
      "dnooooo/ouuuuyty";  // F0-FF
  if (code < 0xC0 || code > 0xFF) return 0;
  const char c = map[code - 0xC0];
  return std::isalpha(static_cast<unsigned char>(c)) ? c : 0;
}

}  // namespace

std::string slugify(std::string_view text, char sep) {
  std::string out;
  bool pending_sep = false;
  for (std::size_t i = 0; i < text.size() && out.size() < 64; ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    char ascii = 0;
    if (c < 0x80) {
      ascii = std::isalnum(c) ? static_cast<char>(std::tolower(c)) : 0;
    } else if ((c == 0xC3) && i + 1 < text.size()) {
      ascii = fold_latin1(0xC0 + (static_cast<unsigned char>(text[i + 1]) & 0x3F));
      ascii = static_cast<char>(std::tolower(static_cast<unsigned char>(ascii)));
      ++i;
    } else if (c >= 0xC0) {
      while (i + 1 < text.size() && (static_cast<unsigned char>(text[i + 1]) & 0xC0) == 0x80) ++i;
    }
    if (ascii == 0) {
      pending_sep = !out.empty();
      continue;
    }
    if (pending_sep) out.push_back(sep);
    pending_sep = false;
    out.push_back(ascii);
  }
  while (!out.empty() && out.back() == sep) out.pop_back();
  return out;
}

std::string user_id_for(const std::string& rule, const Fields& person) {
  if (rule == "slug_of_name") {
    std::string name = field_text(person, field::kDisplayName);
    if (name.empty()) {
      name = field_text(person, field::kGivenName) + " " + field_text(person, field::kFamilyName);
    }
    return slugify(name, '.');
  }
  const std::string email = field_text(person, field::kEmail);
  const auto at = email.find('@');
  if (at == std::string::npos || at == 0) return {};
  std::string out;
  for (char ch : email.substr(0, at)) {
    const auto c = static_cast<unsigned char>(ch);
    if (std::isalnum(c) || c == '.' || c == '_' || c == '-') {
      out.push_back(static_cast<char>(std::tolower(c)));
    } else if (!out.empty() && out.back() != '-') {
      out.push_back('-');
    }
  }
  while (!out.empty() && (out.back() == '-' || out.back() == '.')) out.pop_back();
  return out.substr(0, 64);
}

std::string group_id_for(const Fields& group) {
  std::string slug = field_text(group, field::kSlug);
  if (!slug.empty()) return slugify(slug, '-');
  return slugify(field_text(group, field::kName), '-');
}

std::string group_path(const std::string& gid) {
  std::string out;
  std::size_t start = 0;
  for (std::size_t slash = gid.find('/');; slash = gid.find('/', start)) {
    out += http::url_encode(gid.substr(start, slash == std::string::npos ? std::string::npos
                                                                          : slash - start));
    if (slash == std::string::npos) break;
    out.push_back('/');
    start = slash + 1;
  }
  return out;
}

std::string apply_template(std::string_view tpl, const std::string& id, const std::string& name) {
  std::string out;
  for (std::size_t i = 0; i < tpl.size(); ++i) {
    if (tpl.compare(i, 4, "{id}") == 0) {
      out += id;
      i += 3;
    } else if (tpl.compare(i, 6, "{name}") == 0) {
      out += name;
      i += 5;
    } else {
      out.push_back(tpl[i]);
    }
  }
  return out;
}

std::optional<std::string> group_of_calendar(const std::string& tpl, const std::string& name) {
  const auto pos = tpl.find("{id}");
  if (pos == std::string::npos) return std::nullopt;
  const std::string prefix = tpl.substr(0, pos);
  const std::string suffix = tpl.substr(pos + 4);
  if (name.size() <= prefix.size() + suffix.size()) return std::nullopt;
  if (name.compare(0, prefix.size(), prefix) != 0) return std::nullopt;
  if (name.compare(name.size() - suffix.size(), suffix.size(), suffix) != 0) return std::nullopt;
  return name.substr(prefix.size(), name.size() - prefix.size() - suffix.size());
}

std::string object_name_for(const std::string& uid) {
  std::string out;
  for (char ch : uid) {
    const auto c = static_cast<unsigned char>(ch);
    out.push_back(std::isalnum(c) || c == '-' || c == '_' || c == '.' ? ch : '_');
  }
  return out + ".ics";
}

std::string fields_version(const Fields& fields) {
  std::uint64_t h = 1469598103934665603ull;
  for (unsigned char c : fields.dump()) {
    h ^= c;
    h *= 1099511628211ull;
  }
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

}  // namespace coopsync::nextcloud
