// ics_uid: the UID the connector compares after a calendar-query on UID (whose text-match
// is a substring match), read from calendar-data as Nextcloud (LF, in XML) and Radicale or
// a GET (CRLF) deliver it.
#include "connectors/nextcloud/dav_client.hpp"

#include <doctest/doctest.h>

using namespace coopsync::nextcloud;

TEST_CASE("ics_uid reads the first VEVENT's UID, unfolded, with or without parameters") {
  CHECK(ics_uid("BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:evt-1\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n") ==
        "evt-1");
  CHECK(ics_uid("BEGIN:VCALENDAR\nBEGIN:VEVENT\nSUMMARY:x\nUID:evt-1\nEND:VEVENT\nEND:VCALENDAR\n") ==
        "evt-1");
  // Folded over two lines (RFC 5545 §3.1), CRLF and LF, space and tab.
  CHECK(ics_uid("BEGIN:VEVENT\r\nUID:0f3c9a2e-long-uid\r\n -continued\r\nEND:VEVENT\r\n") ==
        "0f3c9a2e-long-uid-continued");
  CHECK(ics_uid("BEGIN:VEVENT\nUID:a\n\tb\nEND:VEVENT\n") == "ab");
  CHECK(ics_uid("BEGIN:VEVENT\nUID;X-CLIENT=thunderbird:abc@host\nEND:VEVENT\n") == "abc@host");
  // A VTIMEZONE's or another component's lines are not the event's; UIDX is not UID.
  CHECK(ics_uid("BEGIN:VCALENDAR\nUID:calendar-level\nBEGIN:VEVENT\nUIDX:no\nUID:yes\n"
                "END:VEVENT\nEND:VCALENDAR\n") == "yes");
  CHECK(ics_uid("BEGIN:VCALENDAR\nBEGIN:VTODO\nUID:todo\nEND:VTODO\nEND:VCALENDAR\n").empty());
  CHECK(ics_uid("BEGIN:VEVENT\nSUMMARY:no uid\nEND:VEVENT\nBEGIN:VEVENT\nUID:second\nEND:VEVENT\n")
            .empty());
  CHECK(ics_uid("").empty());
  CHECK(ics_uid("BEGIN:VEVENT\nUID").empty());
}
