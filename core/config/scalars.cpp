#include "core/config/scalars.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <limits>

namespace coopsync::config {
namespace {

std::string lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Optimal string alignment distance: insertions, deletions, substitutions and swaps of
// two neighbours ("emial" -> "email") each cost one, which is how people mistype.
std::size_t edit_distance(std::string_view a, std::string_view b) {
  const std::size_t n = a.size();
  const std::size_t m = b.size();
  std::vector<std::vector<std::size_t>> d(n + 1, std::vector<std::size_t>(m + 1));
  for (std::size_t i = 0; i <= n; ++i) d[i][0] = i;
  for (std::size_t j = 0; j <= m; ++j) d[0][j] = j;
  for (std::size_t i = 1; i <= n; ++i) {
    for (std::size_t j = 1; j <= m; ++j) {
      const std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
  }
  return d[n][m];
}

std::string squash(std::string_view text) {
  std::string out;
  for (char c : lower(text)) {
    if (c != '_' && c != '-') out.push_back(c);
  }
  return out;
}

}  // namespace

std::optional<long long> parse_integer(std::string_view text) {
  if (text.empty()) return std::nullopt;
  std::string_view digits = text;
  if (digits.front() == '+') digits.remove_prefix(1);
  long long value = 0;
  const char* end = digits.data() + digits.size();
  auto [ptr, ec] = std::from_chars(digits.data(), end, value);
  if (ec != std::errc() || ptr != end) return std::nullopt;
  if (digits.front() == '-' && text.front() == '+') return std::nullopt;  // "+-1"
  return value;
}

std::optional<bool> parse_boolean(std::string_view text) {
  const std::string l = lower(text);
  if (l == "true" || l == "yes" || l == "on") return true;
  if (l == "false" || l == "no" || l == "off") return false;
  return std::nullopt;
}

std::optional<std::chrono::milliseconds> parse_duration_text(std::string_view text) {
  constexpr long long kMaxMillis = 366LL * 24 * 3600 * 1000;
  if (text.empty() || text.size() > 64) return std::nullopt;
  if (auto seconds = parse_integer(text)) {
    if (*seconds < 0 || *seconds > kMaxMillis / 1000) return std::nullopt;
    return std::chrono::milliseconds(*seconds * 1000);
  }
  struct Unit {
    std::string_view suffix;
    long long millis;
  };
  // "ms" before "m" so that "250ms" is not read as 250 minutes followed by junk.
  static constexpr Unit kUnits[] = {
      {"ms", 1}, {"d", 86400000}, {"h", 3600000}, {"m", 60000}, {"s", 1000}};
  long long total = 0;
  long long previous_unit = std::numeric_limits<long long>::max();
  std::size_t i = 0;
  while (i < text.size()) {
    std::size_t start = i;
    while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) ++i;
    if (i == start || i - start > 12) return std::nullopt;
    long long number = 0;
    std::from_chars(text.data() + start, text.data() + i, number);
    const Unit* unit = nullptr;
    for (const auto& u : kUnits) {
      if (text.substr(i, u.suffix.size()) == u.suffix) {
        unit = &u;
        break;
      }
    }
    if (unit == nullptr || unit->millis >= previous_unit) return std::nullopt;
    previous_unit = unit->millis;
    i += unit->suffix.size();
    if (number > kMaxMillis / unit->millis) return std::nullopt;
    total += number * unit->millis;
    if (total > kMaxMillis) return std::nullopt;
  }
  return std::chrono::milliseconds(total);
}

std::string describe_node(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Null:
    case YAML::NodeType::Undefined:
      return "null";
    case YAML::NodeType::Sequence:
      return "sequence";
    case YAML::NodeType::Map:
      return "mapping";
    case YAML::NodeType::Scalar:
      break;
  }
  constexpr std::size_t kMaxShown = 40;
  const std::string& text = node.Scalar();
  std::string shown;
  for (std::size_t i = 0; i < text.size() && i < kMaxShown; ++i) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    if (c < 0x20 || c == 0x7F) {
      static constexpr char kHex[] = "0123456789abcdef";
      shown += "\\x";
      shown.push_back(kHex[c >> 4]);
      shown.push_back(kHex[c & 0x0F]);
    } else {
      shown.push_back(static_cast<char>(c));
    }
  }
  if (text.size() > kMaxShown) shown += "...";
  return "string '" + shown + "'";
}

std::string closest_match(std::string_view word, const std::vector<std::string>& candidates) {
  if (word.size() > 64) return {};  // a pasted blob is not a typo (and keeps this cheap)
  const std::string squashed = squash(word);
  std::string best;
  std::size_t best_distance = std::numeric_limits<std::size_t>::max();
  for (const auto& candidate : candidates) {
    if (squash(candidate) == squashed) return candidate;
    const std::size_t d = edit_distance(lower(word), lower(candidate));
    if (d < best_distance) {
      best_distance = d;
      best = candidate;
    }
  }
  // A typo, not a different word: at most 2 edits, and fewer than a third of the length.
  const std::size_t limit = std::min<std::size_t>(2, std::max<std::size_t>(1, word.size() / 3));
  return best_distance <= limit ? best : std::string();
}

std::string join(const std::vector<std::string>& items, std::string_view separator) {
  std::string out;
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i) out += separator;
    out += items[i];
  }
  return out;
}

}  // namespace coopsync::config
