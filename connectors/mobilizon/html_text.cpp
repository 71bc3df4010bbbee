#include "connectors/mobilizon/html_text.hpp"
#include "core/util/ascii_case.hpp"

#include <algorithm>
#include <cctype>
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

// Collapses runs of spaces inside lines, trims lines, keeps at most one blank line.
std::string tidy(const std::string& raw) {
  std::vector<std::string> lines;
  std::string line;
  auto flush = [&]() {
    while (!line.empty() && line.back() == ' ') line.pop_back();
    std::size_t start = 0;
    while (start < line.size() && line[start] == ' ') ++start;
    lines.push_back(line.substr(start));
    line.clear();
  };
  for (char c : raw) {
    if (c == '\n') {
      flush();
    } else if (c == ' ' || c == '\t' || c == '\r') {
      if (!line.empty() && line.back() != ' ') line.push_back(' ');
    } else {
      line.push_back(c);
    }
  }
  flush();
  std::string out;
  bool blank = true;  // drops leading blank lines
  for (const auto& l : lines) {
    if (l.empty()) {
      if (!blank) out += "\n";
      blank = true;
      continue;
    }
    if (!out.empty() && out.back() != '\n') out += "\n";
    out += l;
    out += "\n";
    blank = false;
  }
  // Now each paragraph ends with "\n" and paragraphs are separated by "\n".
  while (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

std::string escape(std::string_view s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out.push_back(c);
    }
  }
  return out;
}

// Markers must close within this many characters: keeps inline_html linear on hostile input.
constexpr std::size_t kInlineWindow = 2048;

std::size_t find_near(std::string_view s, std::string_view what, std::size_t from) {
  const auto window = s.substr(0, std::min(s.size(), from + kInlineWindow));
  return window.find(what, from);
}

// Inline Markdown of one line: [t](u), **b**, *i*; the rest escaped.
std::string inline_html(std::string_view s) {
  std::string out;
  std::size_t i = 0;
  while (i < s.size()) {
    if (s[i] == '[') {
      const auto close = find_near(s, "](", i);
      const auto end = close == std::string_view::npos ? close : find_near(s, ")", close + 2);
      if (close != std::string_view::npos && end != std::string_view::npos &&
          s.substr(i + 1, close - i - 1).find('[') == std::string_view::npos) {
        const auto url = s.substr(close + 2, end - close - 2);
        if (url.rfind("http://", 0) == 0 || url.rfind("https://", 0) == 0 || url.rfind("mailto:", 0) == 0) {
          out += "<a href=\"" + escape(url) + "\">" + escape(s.substr(i + 1, close - i - 1)) + "</a>";
          i = end + 1;
          continue;
        }
      }
    }
    if (s.substr(i, 2) == "**") {
      const auto end = find_near(s, "**", i + 2);
      if (end != std::string_view::npos && end > i + 2) {
        out += "<strong>" + escape(s.substr(i + 2, end - i - 2)) + "</strong>";
        i = end + 2;
        continue;
      }
    }
    if (s[i] == '*' && i + 1 < s.size() && s[i + 1] != ' ') {
      const auto end = find_near(s, "*", i + 1);
      if (end != std::string_view::npos && end > i + 1) {
        out += "<em>" + escape(s.substr(i + 1, end - i - 1)) + "</em>";
        i = end + 1;
        continue;
      }
    }
    out += escape(s.substr(i, 1));
    ++i;
  }
  return out;
}

}  // namespace

std::string html_to_text(std::string_view html) {
  std::string raw;
  std::string link_href;
  std::size_t link_start = 0;
  bool in_link = false;
  bool skip = false;  // inside <script>/<style>
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
    if (skip) {
      ++i;
      continue;
    }
    if (c == '&') {
      if (auto n = decode_entity(html, i, raw); n > 0) {
        i += n;
        continue;
      }
    }
    raw.push_back(c == '\n' ? ' ' : c);
    ++i;
  }
  // Non-breaking spaces read as spaces.
  std::string spaced;
  for (std::size_t k = 0; k < raw.size(); ++k) {
    if (raw.compare(k, 2, "\xC2\xA0") == 0) {
      spaced.push_back(' ');
      ++k;
    } else {
      spaced.push_back(raw[k]);
    }
  }
  return tidy(spaced);
}

std::string text_to_html(std::string_view text) {
  std::string out;
  std::vector<std::string> paragraph;
  auto flush = [&]() {
    if (paragraph.empty()) return;
    const bool list = std::all_of(paragraph.begin(), paragraph.end(),
                                  [](const std::string& l) { return l.rfind("- ", 0) == 0; });
    if (list) {
      out += "<ul>";
      for (const auto& l : paragraph) out += "<li>" + inline_html(std::string_view(l).substr(2)) + "</li>";
      out += "</ul>";
    } else {
      out += "<p>";
      for (std::size_t k = 0; k < paragraph.size(); ++k) {
        if (k > 0) out += "<br/>";
        out += inline_html(paragraph[k]);
      }
      out += "</p>";
    }
    paragraph.clear();
  };
  std::string line;
  auto end_line = [&]() {
    while (!line.empty() && (line.back() == ' ' || line.back() == '\r' || line.back() == '\t')) line.pop_back();
    std::size_t start = 0;
    while (start < line.size() && (line[start] == ' ' || line[start] == '\t')) ++start;
    line = line.substr(start);
    if (line.empty()) flush();
    else paragraph.push_back(line);
    line.clear();
  };
  for (char c : text) {
    if (c == '\n') end_line();
    else line.push_back(c);
  }
  end_line();
  flush();
  return out;
}

}  // namespace coopsync::mobilizon
