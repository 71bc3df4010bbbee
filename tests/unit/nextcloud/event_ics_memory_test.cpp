// Reading an event leaves no memory behind. libical's non-_r *_as_ical_string functions
// return a buffer from a per-thread ring that stays allocated until 2,500 later calls push
// it out; the reader used one for every SUMMARY, DESCRIPTION, LOCATION and URL. Harmless in
// size, but every parse then ended with more allocations than frees, and libFuzzer answers
// that with a full leak scan of the heap: the nextcloud_ical target fell from ~6,000 to
// ~150 executions a second. Measured with glibc's own count of bytes in use (mallinfo2),
// which these tests read in the plain (not sanitized) build.
#include "connectors/nextcloud/event_ics.hpp"

#include <doctest/doctest.h>
#include <libical/ical.h>
#include <malloc.h>

#include <string>

using namespace coopsync::nextcloud;

namespace {

const char* kEvent =
    "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//hand//EN\r\nBEGIN:VEVENT\r\nUID:mem-1\r\n"
    "DTSTAMP:20261101T100000Z\r\nDTSTART:20261210T170000Z\r\nDTEND:20261210T183000Z\r\n"
    "SUMMARY:Board meeting\r\nDESCRIPTION:Budget\\, then questions\r\nLOCATION:Coop hall\r\n"
    "URL:https://events.coop.example/e/1\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";

std::size_t bytes_in_use() { return mallinfo2().uordblks; }

// Under AddressSanitizer (or another replacement allocator) glibc's counters see nothing.
#if defined(__SANITIZE_ADDRESS__)
constexpr bool kGlibcAllocator = false;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(memory_sanitizer)
constexpr bool kGlibcAllocator = false;
#else
constexpr bool kGlibcAllocator = true;
#endif
#else
constexpr bool kGlibcAllocator = true;
#endif

// Bytes still allocated after `n` calls of `f`, once a few calls have warmed every cache.
template <typename F>
long long growth_after(int n, F&& f) {
  for (int i = 0; i < 5; ++i) f();
  const std::size_t before = bytes_in_use();
  for (int i = 0; i < n; ++i) f();
  return static_cast<long long>(bytes_in_use()) - static_cast<long long>(before);
}

}  // namespace

TEST_CASE("the measure sees what libical's buffer ring keeps" * doctest::skip(!kGlibcAllocator)) {
  // The way the reader used to read a property: this must show up, or the next test
  // would pass whatever the reader does.
  icalcomponent* cal = icalparser_parse_string(kEvent);
  REQUIRE(cal != nullptr);
  icalcomponent* ev = icalcomponent_get_first_component(cal, ICAL_VEVENT_COMPONENT);
  icalproperty* summary = icalcomponent_get_first_property(ev, ICAL_SUMMARY_PROPERTY);
  REQUIRE(summary != nullptr);
  const long long kept = growth_after(200, [&] {
    (void)icalvalue_as_ical_string(icalproperty_get_value(summary));
  });
  CHECK_MESSAGE(kept >= 200 * 8, kept);
  icalcomponent_free(cal);
}

TEST_CASE("parsing an event and writing it back keeps nothing allocated" *
          doctest::skip(!kGlibcAllocator)) {
  bool ok = true;
  const long long kept = growth_after(500, [&] {
    auto ev = parse_ics(kEvent, "memory test", "Europe/Paris");
    ok = ok && ev.ok() && ev->fields["title"] == "Board meeting" &&
         ev->fields["description"] == "Budget, then questions" &&
         ev->fields["online_url"] == "https://events.coop.example/e/1";
    if (ev.ok()) ok = ok && build_ics(ev->uid, ev->fields, "Europe/Paris").ok();
  });
  CHECK(ok);
  CHECK_MESSAGE(kept < 1024, kept);  // 500 parses; the ring kept at least 4 buffers each before
}
