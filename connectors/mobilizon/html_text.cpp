#include "connectors/mobilizon/html_text.hpp"
#include "core/util/ascii_case.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <cstring>
#include <vector>

namespace coopsync::mobilizon {

namespace {

void append_utf8(std::string& out, unsigned long cp) {
  if (cp == 0 || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) cp = 0xFFFD;
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

// Decodes the entity starting at text[i] == '&'; returns characters consumed (0 = none).
std::size_t decode_entity(std::string_view text, std::size_t i, std::string& out) {
  // Entities are short: look no further than that (keeps decoding linear).
  const auto semi = text.substr(0, std::min(text.size(), i + 12)).find(';', i);
  if (semi == std::string_view::npos) return 0;
  const std::string_view name = text.substr(i + 1, semi - i - 1);
  static const std::pair<const char*, const char*> named[] = {
      {"amp", "&"}, {"lt", "<"}, {"gt", ">"}, {"quot", "\""}, {"apos", "'"}, {"nbsp", "\xC2\xA0"}};
  for (const auto& [n, v] : named) {
    if (name == n) {
      out += v;
      return semi - i + 1;
    }
  }
  if (name.size() >= 2 && name[0] == '#') {
    unsigned long cp = 0;
    const bool hex = name[1] == 'x' || name[1] == 'X';
    const std::string_view digits = name.substr(hex ? 2 : 1);
    if (digits.empty()) return 0;
    for (char c : digits) {
      const int d = std::isdigit(static_cast<unsigned char>(c)) ? c - '0'
                    : hex && std::isxdigit(static_cast<unsigned char>(c)) ? std::tolower(c) - 'a' + 10
                                                                         : -1;
      if (d < 0) return 0;
      cp = cp * (hex ? 16 : 10) + static_cast<unsigned long>(d);
      if (cp > 0x10FFFF) return 0;
    }
    append_utf8(out, cp);
    return semi - i + 1;
  }
  return 0;
}

std::string decode_entities(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '&') {
      if (auto n = decode_entity(text, i, out); n > 0) {
        i += n - 1;
        continue;
      }
    }
    out.push_back(text[i]);
  }
  return out;
}

std::string attribute(std::string_view tag, std::string_view name) {
  const std::string low = util::ascii_lower(tag);
  auto pos = low.find(std::string(name) + "=");
  if (pos == std::string::npos) return "";
  pos += name.size() + 1;
  if (pos >= tag.size()) return "";
  const char quote = tag[pos];
  if (quote == '"' || quote == '\'') {
    const auto end = tag.find(quote, pos + 1);
    if (end == std::string_view::npos) return "";
    return decode_entities(tag.substr(pos + 1, end - pos - 1));
  }
  auto end = tag.find_first_of(" >", pos);
  return decode_entities(tag.substr(pos, end == std::string_view::npos ? std::string_view::npos : end - pos));
}

// The next position at or after a point holding one of a few bytes (s.size() when none), for
// points that only grow along s. The scans below copy runs of ordinary characters at once
// instead of one push_back each (that per-character cost dominated long descriptions), and
// find the runs' ends with memchr: vectorised, and outside the fuzzer's instrumentation. Each
// byte's last answer is kept while it lies ahead, so one string costs O(length) per byte.
class NextOf {
 public:
  // bytes: at most four.
  NextOf(std::string_view s, std::string_view bytes)
      : s_(s), bytes_(bytes.substr(0, std::min(bytes.size(), kMaxBytes))) {}

  std::size_t from(std::size_t pos) {
    if (pos < last_) known_.fill(false);  // not expected: search again rather than answer wrong
    last_ = pos;
    std::size_t best = s_.size();
    for (std::size_t k = 0; k < bytes_.size(); ++k) {
      if (!known_[k] || at_[k] < pos) {
        const auto* hit = static_cast<const char*>(
            pos < s_.size() ? std::memchr(s_.data() + pos, bytes_[k], s_.size() - pos) : nullptr);
        at_[k] = hit == nullptr ? s_.size() : static_cast<std::size_t>(hit - s_.data());
        known_[k] = true;
      }
      best = std::min(best, at_[k]);
    }
    return best;
  }

 private:
  static constexpr std::size_t kMaxBytes = 4;
  std::string_view s_;
  std::string_view bytes_;
  std::array<std::size_t, kMaxBytes> at_{};
  std::array<bool, kMaxBytes> known_{};
  std::size_t last_ = 0;
};

bool line_space(char c) { return c == ' ' || c == '\t' || c == '\r'; }

// Collapses runs of spaces inside lines, trims lines, keeps at most one blank line between
// paragraphs and none around them. Lines are written straight into the result (one buffer
// for the whole text: under AddressSanitizer every large temporary costs fresh pages).
std::string tidy(std::string_view raw) {
  std::string out;
  out.reserve(raw.size());
  bool any_line = false;
  bool blank_since = false;  // a blank line since the last line written
  std::size_t pos = 0;
  while (pos <= raw.size()) {
    auto nl = raw.find('\n', pos);
    if (nl == std::string_view::npos) nl = raw.size();
    const std::string_view src = raw.substr(pos, nl - pos);
    pos = nl + 1;
    const std::size_t mark = out.size();
    if (any_line) out += blank_since ? "\n\n" : "\n";
    const std::size_t start = out.size();
    NextOf spaces(src, " \t\r");
    for (std::size_t k = 0; k < src.size();) {
      if (line_space(src[k])) {
        if (out.size() > start && out.back() != ' ') out.push_back(' ');
        ++k;
        continue;
      }
      const std::size_t e = spaces.from(k + 1);
      out.append(src.substr(k, e - k));
      k = e;
    }
    if (out.size() > start && out.back() == ' ') out.pop_back();
    if (out.size() == start) {  // a blank line: no separator yet
      out.resize(mark);
      blank_since = any_line;
      continue;
    }
    any_line = true;
    blank_since = false;
  }
  return out;
}

void escape_into(std::string& out, std::string_view s) {
  NextOf special(s, "&<>\"");
  for (std::size_t k = 0; k < s.size();) {
    const std::size_t e = special.from(k);
    out.append(s.substr(k, e - k));
    if (e == s.size()) break;
    switch (s[e]) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      default: out += "&quot;"; break;
    }
    k = e + 1;
  }
}

// Markers must close within this many characters of where the search starts.
constexpr std::size_t kInlineWindow = 2048;

// The first occurrence of a marker at or after a position, for positions that only grow along
// one line: a search starts where the previous answer no longer holds, so the scans of a line
// cover it about once per marker, whatever the text (a window search from every '[' used to
// examine up to 2,048 characters each time).
class NextMarker {
 public:
  NextMarker(std::string_view s, std::string_view what, MarkdownScan* scan)
      : s_(s), what_(what), scan_(scan) {}

  // As s.substr(0, from + kInlineWindow).find(what, from): npos unless the marker ends in the
  // window.
  std::size_t near(std::size_t from) {
    const std::size_t at = first_from(from);
    return at != std::string_view::npos && at + what_.size() <= from + kInlineWindow
               ? at
               : std::string_view::npos;
  }

  std::size_t first_from(std::size_t from) {
    // The answer for an earlier start still holds when it lies at or after this one.
    if (!searched_ || from < last_from_ || (found_ != std::string_view::npos && found_ < from)) {
      found_ = s_.find(what_, from);
      if (scan_ != nullptr && from < s_.size()) {
        scan_->chars_examined +=
            found_ == std::string_view::npos ? s_.size() - from : found_ + what_.size() - from;
      }
      searched_ = true;
    }
    last_from_ = from;
    return found_;
  }

 private:
  std::string_view s_;
  std::string_view what_;
  MarkdownScan* scan_;
  bool searched_ = false;
  std::size_t last_from_ = 0;
  std::size_t found_ = std::string_view::npos;
};

// Inline Markdown of one line: [t](u), **b**, *i*; the rest escaped.
void inline_html(std::string& out, std::string_view s, MarkdownScan* scan) {
  NextMarker open(s, "[", scan);
  NextMarker label_end(s, "](", scan);
  NextMarker url_end(s, ")", scan);
  NextMarker strong(s, "**", scan);
  NextMarker em(s, "*", scan);
  NextOf marker_start(s, "[*");
  std::size_t i = 0;
  while (i < s.size()) {
    if (s[i] != '[' && s[i] != '*') {
      const std::size_t e = marker_start.from(i + 1);
      escape_into(out, s.substr(i, e - i));
      i = e;
      continue;
    }
    if (s[i] == '[') {
      const auto close = label_end.near(i);
      const auto end = close == std::string_view::npos ? close : url_end.near(close + 2);
      if (close != std::string_view::npos && end != std::string_view::npos &&
          open.first_from(i + 1) >= close) {
        const auto url = s.substr(close + 2, end - close - 2);
        if (url.rfind("http://", 0) == 0 || url.rfind("https://", 0) == 0 ||
            url.rfind("mailto:", 0) == 0) {
          out += "<a href=\"";
          escape_into(out, url);
          out += "\">";
          escape_into(out, s.substr(i + 1, close - i - 1));
          out += "</a>";
          i = end + 1;
          continue;
        }
      }
      out += '[';
      ++i;
      continue;
    }
    if (i + 1 < s.size() && s[i + 1] == '*') {
      const auto end = strong.near(i + 2);
      if (end != std::string_view::npos && end > i + 2) {
        out += "<strong>";
        escape_into(out, s.substr(i + 2, end - i - 2));
        out += "</strong>";
        i = end + 2;
        continue;
      }
    }
    if (i + 1 < s.size() && s[i + 1] != ' ') {
      const auto end = em.near(i + 1);
      if (end != std::string_view::npos && end > i + 1) {
        out += "<em>";
        escape_into(out, s.substr(i + 1, end - i - 1));
        out += "</em>";
        i = end + 1;
        continue;
      }
    }
    out += '*';
    ++i;
  }
}

}  // namespace

std::string html_to_text(std::string_view html) {
  std::string raw;
  raw.reserve(html.size());
  std::string link_href;
  std::size_t link_start = 0;
  bool in_link = false;
  bool skip = false;  // inside <script>/<style>
  NextOf special(html, "<&\n");
  std::size_t i = 0;
  while (i < html.size()) {
    const char c = html[i];
    if (c == '<') {
      const auto end = html.find('>', i);
      if (end == std::string_view::npos) break;  // truncated tag: drop the rest
      const std::string_view tag = html.substr(i + 1, end - i - 1);
      i = end + 1;
      const bool closing = !tag.empty() && tag[0] == '/';
      std::size_t n = closing ? 1 : 0;
      std::size_t e = n;
      while (e < tag.size() && std::isalnum(static_cast<unsigned char>(tag[e]))) ++e;
      const std::string name = util::ascii_lower(tag.substr(n, e - n));
      if (name == "script" || name == "style") {
        skip = !closing;
        continue;
      }
      if (skip) continue;
      if (name == "br") {
        raw += "\n";
      } else if (name == "p" || name == "div" || name == "blockquote" || name == "ul" || name == "ol" ||
                 (name.size() == 2 && name[0] == 'h' && name[1] >= '1' && name[1] <= '6')) {
        raw += "\n\n";
        if (!closing && name.size() == 2 && name[0] == 'h') raw += std::string(static_cast<std::size_t>(name[1] - '0'), '#') + " ";
      } else if (name == "li") {
        if (!closing) raw += "\n- ";
      } else if (name == "strong" || name == "b") {
        raw += "**";
      } else if (name == "em" || name == "i") {
        raw += "*";
      } else if (name == "a") {
        if (!closing) {
          in_link = true;
          link_href = attribute(tag, "href");
          link_start = raw.size();
        } else if (in_link) {
          in_link = false;
          const std::string label = raw.substr(link_start);
          // The server's own linkification (#hashtags, bare URLs, @mentions) reads as its label.
          const bool automatic = link_href.empty() || label == link_href || (!label.empty() && (label[0] == '#' || label[0] == '@')) ||
                                 (label.rfind("http", 0) == 0);
          if (!automatic) {
            raw.resize(link_start);
            raw += "[" + label + "](" + link_href + ")";
          }
        }
      }
      continue;
    }
    if (skip) {  // nothing but the next tag matters
      const auto next = html.find('<', i);
      i = next == std::string_view::npos ? html.size() : next;
      continue;
    }
    if (c == '&') {
      if (auto n = decode_entity(html, i, raw); n > 0) {
        i += n;
        continue;
      }
    }
    if (c == '\n') {
      raw.push_back(' ');
      ++i;
      continue;
    }
    // A run of ordinary text (starting with a '&' that was no entity, perhaps).
    const std::size_t e = special.from(i + 1);
    raw.append(html.substr(i, e - i));
    i = e;
  }
  // Non-breaking spaces read as spaces.
  static constexpr std::string_view kNbsp = "\xC2\xA0";
  auto at = raw.find(kNbsp);
  if (at == std::string::npos) return tidy(raw);
  std::string spaced;
  spaced.reserve(raw.size());
  std::size_t k = 0;
  for (; at != std::string::npos; at = raw.find(kNbsp, k)) {
    spaced.append(raw, k, at - k);
    spaced.push_back(' ');
    k = at + kNbsp.size();
  }
  spaced.append(raw, k);
  return tidy(spaced);
}

std::string text_to_html(std::string_view text, MarkdownScan* scan) {
  std::string out;
  out.reserve(text.size() + text.size() / 8 + 16);
  std::vector<std::string_view> paragraph;
  auto flush = [&]() {
    if (paragraph.empty()) return;
    const bool list = std::all_of(paragraph.begin(), paragraph.end(),
                                  [](std::string_view l) { return l.rfind("- ", 0) == 0; });
    if (list) {
      out += "<ul>";
      for (const auto l : paragraph) {
        out += "<li>";
        inline_html(out, l.substr(2), scan);
        out += "</li>";
      }
      out += "</ul>";
    } else {
      out += "<p>";
      for (std::size_t k = 0; k < paragraph.size(); ++k) {
        if (k > 0) out += "<br/>";
        inline_html(out, paragraph[k], scan);
      }
      out += "</p>";
    }
    paragraph.clear();
  };
  std::size_t pos = 0;
  while (pos <= text.size()) {
    auto nl = text.find('\n', pos);
    if (nl == std::string_view::npos) nl = text.size();
    std::string_view line = text.substr(pos, nl - pos);
    pos = nl + 1;
    while (!line.empty() && (line.back() == ' ' || line.back() == '\r' || line.back() == '\t')) {
      line.remove_suffix(1);
    }
    while (!line.empty() && (line.front() == ' ' || line.front() == '\t')) line.remove_prefix(1);
    if (line.empty()) {
      flush();
    } else {
      paragraph.push_back(line);
    }
  }
  flush();
  return out;
}

}  // namespace coopsync::mobilizon
