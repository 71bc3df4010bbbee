// libFuzzer target: the iCalendar reader of the Nextcloud connector (events come from any
// calendar app through CalDAV). Any input must give a value or a typed error.
#include "connectors/nextcloud/event_ics.hpp"

#include <cstddef>
#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto ev = coopsync::nextcloud::parse_ics(text, "fuzz", "Europe/Paris");
  if (ev.ok()) {
    // What we read must be writable again.
    auto back = coopsync::nextcloud::build_ics(ev->uid, ev->fields, "Europe/Paris");
    (void)back.ok();
  }
  return 0;
}
