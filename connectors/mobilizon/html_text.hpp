#pragma once
// Mobilizon descriptions are HTML, sanitised and linkified by the server (PITFALLS.md 13);
// the other systems hold plain text with light Markdown. These conversions are stable on
// their own output: text -> HTML -> (server linkifies #tags and URLs) -> text gives the
// same text back, so an event does not ping-pong between systems.
#include <cstddef>
#include <string>
#include <string_view>

namespace coopsync::mobilizon {

// <p> and headings -> paragraphs separated by a blank line, <br> -> newline, <li> -> "- ",
// <strong>/<b> -> **x**, <em>/<i> -> *x*, <a href=u>t</a> -> [t](u) (or t when the link is
// the server's own linkification of a URL or #hashtag), entities decoded, other tags dropped.
std::string html_to_text(std::string_view html);

// Paragraphs (blank-line separated) -> <p>, single newlines -> <br>, **x** -> <strong>,
// *x* -> <em>, [t](u) -> <a href="u">t</a>, "- " lines -> <ul><li>; everything else escaped.
// scan, when given, adds the characters examined by the Markdown marker searches (tests bound it).
struct MarkdownScan {
  std::size_t chars_examined = 0;
};
std::string text_to_html(std::string_view text, MarkdownScan* scan = nullptr);

}  // namespace coopsync::mobilizon
