#pragma once
// Event <-> iCalendar (RFC 5545) with libical. Written events carry their IANA zone as
// TZID with a VTIMEZONE, so a Europe/Paris event created in winter for a summer date keeps
// its wall-clock time; all-day events are DATE values (DTEND exclusive on the wire, the
// canonical `end` being the last day, inclusive). Parsing is bounded and returns typed
// errors for anything that is not one readable VEVENT.
#include "core/model/entity.hpp"
#include "core/result.hpp"

#include <string>
#include <string_view>

namespace coopsync::nextcloud {

inline constexpr std::size_t kMaxIcsBytes = 1u << 20;

struct ParsedEvent {
  std::string uid;
  Fields fields = Fields::object();  // title, description, start, end, timezone, all_day,
                                     // location, status, online_url
  // LAST-MODIFIED as ISO UTC ("" when absent): when a person's client last changed it, for
  // the engine's "newest wins" policy. coopsync writes none, so an echo of its own write
  // carries none either.
  std::string last_modified;
  // X-COOPSYNC-GROUP: the group whose calendar coopsync wrote this object for ("" when
  // coopsync did not write it). A person's client keeps it when copying the event into
  // another calendar, so a copy says where it came from (events.cpp).
  std::string written_for_group;
};

inline constexpr const char* kGroupProperty = "X-COOPSYNC-GROUP";

// `default_zone` applies to events without a zone in `fields` ("timezone" absent or null).
// A "group" in `fields` is written as X-COOPSYNC-GROUP.
Result<std::string> build_ics(const std::string& uid, const Fields& fields,
                              const std::string& default_zone);

// `default_zone` interprets floating times (no TZID, no Z).
Result<ParsedEvent> parse_ics(std::string_view ics, const std::string& what,
                              const std::string& default_zone);

}  // namespace coopsync::nextcloud
