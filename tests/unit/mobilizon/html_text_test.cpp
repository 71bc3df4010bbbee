#include "connectors/mobilizon/html_text.hpp"

#include <doctest/doctest.h>

#include <string>

using coopsync::mobilizon::html_to_text;
using coopsync::mobilizon::MarkdownScan;
using coopsync::mobilizon::text_to_html;

TEST_CASE("Mobilizon HTML descriptions read as plain text with light Markdown") {
  CHECK(html_to_text("<p>Ordre du jour : bilan, budget, élections du CA.</p><p>Salle B, 1er étage.</p>") ==
        "Ordre du jour : bilan, budget, élections du CA.\n\nSalle B, 1er étage.");
  CHECK(html_to_text("<p>a<br>b<br/>c</p>") == "a\nb\nc");
  CHECK(html_to_text("<p><strong>Gras</strong> et <em>italique</em></p>") == "**Gras** et *italique*");
  CHECK(html_to_text("<ul><li>un</li><li>deux</li></ul>") == "- un\n- deux");
  CHECK(html_to_text("<p>&lt;tag&gt; &amp; &quot;q&quot; &#233;t&#xE9;&nbsp;!</p>") == "<tag> & \"q\" été !");
  CHECK(html_to_text("<p>Voir <a href=\"https://ex.coop/doc\">le document</a></p>") ==
        "Voir [le document](https://ex.coop/doc)");
}

TEST_CASE("the server's own linkification reads back as the original text") {
  // Mobilizon turns #hashtags and bare URLs into links on write (PITFALLS.md 13).
  CHECK(html_to_text("<p>Venez <a href=\"https://m.example/tag/compost\">#compost</a></p>") == "Venez #compost");
  CHECK(html_to_text("<p><a href=\"https://ex.coop\">https://ex.coop</a></p>") == "https://ex.coop");
}

TEST_CASE("unsafe or broken HTML does not leak markup or crash") {
  CHECK(html_to_text("<p>ok</p><script>alert(1)</script><style>p{}</style>") == "ok");
  CHECK(html_to_text("<p>truncated <b") == "truncated");
  CHECK(html_to_text("&#xFFFFFFFF; &#; &unknown;") == "&#xFFFFFFFF; &#; &unknown;");
  CHECK(html_to_text("").empty());
  std::string deep;
  for (int i = 0; i < 10000; ++i) deep += "<div>";
  CHECK(html_to_text(deep + "x").find('x') != std::string::npos);
}

TEST_CASE("plain text becomes simple HTML, escaped") {
  CHECK(text_to_html("Bonjour\nà tous\n\nSecond paragraphe") == "<p>Bonjour<br/>à tous</p><p>Second paragraphe</p>");
  CHECK(text_to_html("a < b & c") == "<p>a &lt; b &amp; c</p>");
  CHECK(text_to_html("- un\n- deux") == "<ul><li>un</li><li>deux</li></ul>");
  CHECK(text_to_html("[doc](https://ex.coop/d) **fort**") == "<p><a href=\"https://ex.coop/d\">doc</a> <strong>fort</strong></p>");
  CHECK(text_to_html("[x](javascript:alert(1))") == "<p>[x](javascript:alert(1))</p>");
  CHECK(text_to_html("").empty());
}

TEST_CASE("text -> HTML -> text is stable, so descriptions do not ping-pong") {
  for (const std::string text : {"Simple", "Deux\n\nparagraphes", "Ligne\ncoupée", "- a\n- b",
                                 "**fort** et *léger*", "[lien](https://ex.coop/x)", "a < b && c > d"}) {
    CHECK(html_to_text(text_to_html(text)) == text);
  }
}

TEST_CASE("hostile Markdown costs work in proportion to its length, not to a search window") {
  // A description is untrusted user text. Each '[' used to look up to 2,048 characters ahead for
  // "](" and then for ")", so "[][][]..." examined ~2,000 characters per character written.
  for (const std::string unit : {"[]", "[](", "[*]", "- [](", "[]**"}) {
    std::string hostile;
    while (hostile.size() < 40000) hostile += unit;
    MarkdownScan scan;
    const std::string html = text_to_html(hostile, &scan);
    CHECK(html_to_text(html) == hostile);
    INFO("unit " << unit << ": " << scan.chars_examined << " characters examined for "
                 << hostile.size());
    CHECK(scan.chars_examined > 0);  // the count is live
    CHECK(scan.chars_examined <= 12 * hostile.size());
  }
}

TEST_CASE("Markdown markers still close within their window, as before") {
  const std::string far(3000, 'x');
  CHECK(text_to_html("**" + far + "**") == "<p>**" + far + "**</p>");
  CHECK(text_to_html("*a* [l](https://e.x/" + far + ")") ==
        "<p><em>a</em> [l](https://e.x/" + far + ")</p>");
  CHECK(text_to_html("[a[b](https://e.x) [c](https://e.x)") ==
        "<p>[a<a href=\"https://e.x\">b</a> <a href=\"https://e.x\">c</a></p>");
  CHECK(text_to_html("[a](b [c](https://e.x)") == "<p>[a](b <a href=\"https://e.x\">c</a></p>");
}
