// iCalendar writing and reading: wall-clock kept across DST, all-day DATE values,
// VTIMEZONE present, fixture bodies readable, hostile input refused.
#include "connectors/nextcloud/event_ics.hpp"

#include <doctest/doctest.h>

using namespace coopsync;
using namespace coopsync::nextcloud;

TEST_CASE("a summer Europe/Paris event keeps 10:00 local and round-trips") {
  // 2026-07-05 10:00 in Paris is 08:00Z (CEST, +02:00), whatever the date of writing.
  Fields f{{"title", "Summer assembly"}, {"start", "2026-07-05T08:00:00Z"}, {"end", "2026-07-05T10:00:00Z"},
           {"timezone", "Europe/Paris"}, {"all_day", false}, {"location", "Coop hall"}, {"status", "confirmed"}};
  auto ics = build_ics("uid-1@coopsync", f, "Europe/Paris");
  REQUIRE(ics.ok());
  CHECK(ics->find("DTSTART;TZID=Europe/Paris:20260705T100000") != std::string::npos);
  CHECK(ics->find("DTEND;TZID=Europe/Paris:20260705T120000") != std::string::npos);
  CHECK(ics->find("BEGIN:VTIMEZONE") != std::string::npos);
  CHECK(ics->find("TZID:Europe/Paris") != std::string::npos);
  CHECK(ics->find("BEGIN:VTIMEZONE") < ics->find("BEGIN:VEVENT"));
  CHECK(ics->find("\r\n") != std::string::npos);
  auto back = parse_ics(*ics, "test", "Europe/Paris");
  REQUIRE(back.ok());
  CHECK(back->uid == "uid-1@coopsync");
  CHECK(back->fields["start"] == "2026-07-05T08:00:00Z");
  CHECK(back->fields["end"] == "2026-07-05T10:00:00Z");
  CHECK(back->fields["timezone"] == "Europe/Paris");
  CHECK(back->fields["title"] == "Summer assembly");
  CHECK(back->fields["location"] == "Coop hall");
  CHECK(back->fields["all_day"] == false);
}

TEST_CASE("winter and summer instants of one wall-clock differ by the DST hour") {
  Fields winter{{"title", "w"}, {"start", "2026-01-10T09:00:00Z"}, {"end", "2026-01-10T10:00:00Z"},
                {"timezone", "Europe/Paris"}};
  auto ics = build_ics("w", winter, "UTC");
  REQUIRE(ics.ok());
  CHECK(ics->find("DTSTART;TZID=Europe/Paris:20260110T100000") != std::string::npos);
}

TEST_CASE("all-day events are DATE values with an exclusive DTEND on the wire") {
  Fields f{{"title", "Fair"}, {"start", "2026-03-28"}, {"end", "2026-03-29"}, {"all_day", true}};
  auto ics = build_ics("fair", f, "Europe/Paris");
  REQUIRE(ics.ok());
  CHECK(ics->find("DTSTART;VALUE=DATE:20260328") != std::string::npos);
  CHECK(ics->find("DTEND;VALUE=DATE:20260330") != std::string::npos);
  CHECK(ics->find("BEGIN:VTIMEZONE") == std::string::npos);
  auto back = parse_ics(*ics, "test", "Europe/Paris");
  REQUIRE(back.ok());
  CHECK(back->fields["all_day"] == true);
  CHECK(back->fields["start"] == "2026-03-28");
  CHECK(back->fields["end"] == "2026-03-29");
  CHECK(back->fields["timezone"].is_null());
}

TEST_CASE("UTC events, cancelled status, escaped text") {
  Fields f{{"title", "A, B; C"}, {"start", "2026-12-05T18:00:00Z"}, {"end", "2026-12-05T20:00:00Z"},
           {"timezone", "UTC"}, {"status", "cancelled"}, {"description", "line1\nline2"}};
  auto ics = build_ics("u", f, "Europe/Paris");
  REQUIRE(ics.ok());
  CHECK(ics->find("DTSTART:20261205T180000Z") != std::string::npos);
  auto back = parse_ics(*ics, "test", "Europe/Paris");
  REQUIRE(back.ok());
  CHECK(back->fields["title"] == "A, B; C");
  CHECK(back->fields["description"] == "line1\nline2");
  CHECK(back->fields["status"] == "cancelled");
}

TEST_CASE("LAST-MODIFIED is when a person changed the event (newest wins); ours carry none") {
  const std::string body =
      "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//hand//EN\r\nBEGIN:VEVENT\r\nUID:e1\r\n"
      "DTSTAMP:20261101T100000Z\r\nLAST-MODIFIED:20261202T091530Z\r\n"
      "DTSTART:20261205T180000Z\r\nSUMMARY:Edited by hand\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
  auto ev = parse_ics(body, "hand", "Europe/Paris");
  REQUIRE(ev.ok());
  CHECK(ev->last_modified == "2026-12-02T09:15:30Z");
  auto ours = build_ics("e2", Fields{{"title", "x"}, {"start", "2026-12-05T18:00:00Z"},
                                     {"end", "2026-12-05T19:00:00Z"}, {"timezone", "UTC"}},
                        "Europe/Paris");
  REQUIRE(ours.ok());
  auto back = parse_ics(*ours, "ours", "Europe/Paris");
  REQUIRE(back.ok());
  CHECK(back->last_modified.empty());
}

TEST_CASE("the captured VEVENT (59) parses") {
  const std::string body =
      "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//coop-sync//acceptance//EN\r\nBEGIN:VEVENT\r\n"
      "UID:coop-evt-0001@coop.example\r\nDTSTAMP:20261101T100000Z\r\nDTSTART:20261205T180000Z\r\n"
      "DTEND:20261205T200000Z\r\nSUMMARY:General assembly\r\nLOCATION:Coop hall\r\n"
      "DESCRIPTION:Annual general assembly\\, agenda attached.\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
  auto ev = parse_ics(body, "59", "Europe/Paris");
  REQUIRE(ev.ok());
  CHECK(ev->uid == "coop-evt-0001@coop.example");
  CHECK(ev->fields["start"] == "2026-12-05T18:00:00Z");
  CHECK(ev->fields["description"] == "Annual general assembly, agenda attached.");
}

TEST_CASE("floating times use the default zone; unknown zones are refused") {
  const std::string floating =
      "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:f\r\nDTSTART:20260705T100000\r\n"
      "END:VEVENT\r\nEND:VCALENDAR\r\n";
  auto ev = parse_ics(floating, "f", "Europe/Paris");
  REQUIRE(ev.ok());
  CHECK(ev->fields["start"] == "2026-07-05T08:00:00Z");
  const std::string unknown =
      "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:f\r\nDTSTART;TZID=Mars/Olympus:20260705T100000\r\n"
      "END:VEVENT\r\nEND:VCALENDAR\r\n";
  auto bad = parse_ics(unknown, "u", "Europe/Paris");
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().kind == ErrorKind::kInvalidInput);
  Fields f{{"start", "2026-07-05T08:00:00Z"}, {"timezone", "Mars/Olympus"}};
  CHECK_FALSE(build_ics("x", f, "UTC").ok());
}

TEST_CASE("hostile iCalendar input is a typed error") {
  for (const std::string& body :
       {std::string(""), std::string("garbage"), std::string("BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n"),
        std::string("BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nDTSTART:20260101T000000Z\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"),
        std::string("BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:x\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"),
        std::string("BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:x\r\nDTSTART:2026ZZ\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"),
        std::string(kMaxIcsBytes + 1, 'A')}) {
    CAPTURE(body.substr(0, 40));
    auto ev = parse_ics(body, "hostile", "Europe/Paris");
    CHECK_FALSE(ev.ok());
    if (!ev.ok()) CHECK(ev.error().kind == ErrorKind::kInvalidInput);
  }
}

TEST_CASE("the group an event is written for travels with it as X-COOPSYNC-GROUP") {
  // A person's client keeps X- properties when it copies the event into another calendar:
  // that is how a copy is told from an event of the calendar's own group (events.cpp).
  Fields f{{"title", "Fair"}, {"start", "2026-03-28"}, {"end", "2026-03-28"}, {"all_day", true},
           {"group", "lyon"}};
  auto ics = build_ics("evt-7", f, "Europe/Paris");
  REQUIRE(ics.ok());
  CHECK(ics->find("X-COOPSYNC-GROUP:lyon\r\n") != std::string::npos);
  auto back = parse_ics(*ics, "test", "Europe/Paris");
  REQUIRE(back.ok());
  CHECK(back->written_for_group == "lyon");
  CHECK_FALSE(back->fields.contains("group"));  // the calendar says the group, not the object
  f.erase("group");
  auto plain = build_ics("evt-8", f, "Europe/Paris");
  REQUIRE(plain.ok());
  CHECK(plain->find("X-COOPSYNC") == std::string::npos);
  const std::string by_hand =
      "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//hand//EN\r\nBEGIN:VEVENT\r\nUID:h-1\r\n"
      "DTSTART;VALUE=DATE:20260328\r\nX-OTHER:x\r\nX-COOPSYNC-GROUP:nantes\r\nEND:VEVENT\r\n"
      "END:VCALENDAR\r\n";
  auto hand = parse_ics(by_hand, "test", "Europe/Paris");
  REQUIRE(hand.ok());
  CHECK(hand->written_for_group == "nantes");
  const std::string unstamped_ics =
      by_hand.substr(0, by_hand.find("X-COOPSYNC")) + "END:VEVENT\r\nEND:VCALENDAR\r\n";
  auto unstamped = parse_ics(unstamped_ics, "test", "Europe/Paris");
  REQUIRE(unstamped.ok());
  CHECK(unstamped->written_for_group.empty());
}
