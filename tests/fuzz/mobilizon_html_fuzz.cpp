// libFuzzer target: Mobilizon descriptions (server HTML) and plain text from other systems
// must convert both ways without crash, UB or hang, and the text -> HTML -> text round trip
// must be stable after one pass (so descriptions cannot ping-pong between systems).
#include "connectors/mobilizon/html_text.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > (1u << 16)) return 0;
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const std::string text = coopsync::mobilizon::html_to_text(input);
  const std::string html = coopsync::mobilizon::text_to_html(text);
  const std::string once = coopsync::mobilizon::html_to_text(html);
  const std::string twice = coopsync::mobilizon::html_to_text(coopsync::mobilizon::text_to_html(once));
  if (once != twice) __builtin_trap();
  return 0;
}
