// Two answers no ordinary status mapping reads right:
// - a PUT refused because the calendar holds the UID under another name: Nextcloud's 400
//   (61) and Radicale's 409 <C:no-uid-conflict/> (RFC 4791 §5.3.2.1, captured from Radicale
//   3.1.8) are a "UID taken" answer that the connector adopts from, while Radicale's other
//   409 (no calendar there) stays an error;
// - DAV 503 for a disabled account (Nextcloud's Auth plugin wraps completeLogin()'s
//   LoginException as ServiceUnavailable; no fixture captures it, the body is Sabre's error
//   document with that message): kAuth, sent once, while maintenance mode's 503 stays
//   transient.
#include "connectors/nextcloud/dav_client.hpp"
#include "tests/contract/nextcloud/fixture_file.hpp"
#include "tests/support/fake_http.hpp"

#include <doctest/doctest.h>

#include <algorithm>

using namespace coopsync;
using namespace coopsync::nextcloud;
namespace nc = coopsync::testing::nc;

namespace {

const char* kCoopEvents = "/remote.php/dav/calendars/admin/coop-events/";

// A DavClient whose requests all get `answer`.
struct CannedDav {
  http::Response answer;
  testing::FakeHttpClient http{[this](const http::Request&) -> Result<http::Response> { return answer; }};
  Session session{&http, "admin", "not-a-real-password", "test"};
  DavClient dav{&session, "http://127.0.0.1:8080/remote.php/dav/"};
};

std::string sabre_error_doc(const std::string& exception, const std::string& message) {
  return "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<d:error xmlns:d=\"DAV:\" "
         "xmlns:s=\"http://sabredav.org/ns\">\n  <s:exception>" + exception +
         "</s:exception>\n  <s:message>" + message + "</s:message>\n</d:error>\n";
}

}  // namespace

TEST_CASE("a UID held under another name is an answer, not an error (61, Radicale 409)") {
  testing::skip_without_fixtures("nextcloud");
  CannedDav nextcloud{nc::load("61-caldav-put-event-duplicate-uid").response};
  auto taken = nextcloud.dav.put_object(std::string(kCoopEvents) + "other-name.ics", "ics", "", true);
  REQUIRE(taken.ok());
  CHECK(taken->uid_taken);
  CHECK(taken->status == 400);
  CHECK(taken->etag.empty());
  auto as_error = nextcloud.dav.put(std::string(kCoopEvents) + "other-name.ics", "ics", "", true);
  REQUIRE_FALSE(as_error.ok());
  CHECK(as_error.error().kind == ErrorKind::kConflict);
  CHECK(as_error.error().http_status == 400);

  CannedDav radicale{testing::respond(409,
                                   "<?xml version='1.0' encoding='utf-8'?>\n<error xmlns=\"DAV:\" "
                                   "xmlns:C=\"urn:ietf:params:xml:ns:caldav\"><C:no-uid-conflict />"
                                   "</error>",
                                   {{"Content-Type", "text/xml; charset=utf-8"}})};
  auto rad = radicale.dav.put_object("/coop/group-lyon/b.ics", "ics", "", true);
  REQUIRE(rad.ok());
  CHECK(rad->uid_taken);
  CHECK(rad->status == 409);

  // Radicale's 409 for a PUT into a calendar that is not there: an error, as before.
  CannedDav missing{testing::respond(409, "Conflict", {{"Content-Type", "text/plain"}})};
  auto no_cal = missing.dav.put_object("/coop/group-none/b.ics", "ics", "", true);
  REQUIRE_FALSE(no_cal.ok());
  CHECK(no_cal.error().kind == ErrorKind::kConflict);
  CHECK(no_cal.error().http_status == 409);
  // A fresh create is an ETag, no "taken".
  CannedDav created{nc::load("59-caldav-put-event-create").response};
  auto fresh = created.dav.put_object(std::string(kCoopEvents) + "coop-evt-0001.ics", "ics", "", true);
  REQUIRE(fresh.ok());
  CHECK_FALSE(fresh->uid_taken);
  CHECK(fresh->etag == "fd07d97c5a102ab103c94fe27e6fc7ba");
}

TEST_CASE("the calendar-query body is the captured one (72) with its filter swapped") {
  testing::skip_without_fixtures("nextcloud");
  CHECK(dav_body::calendar_query("<c:time-range start=\"20261201T000000Z\" end=\"20270101T000000Z\"/>") ==
        nc::load("72-caldav-calendar-query-timerange").request_body);
  CHECK(dav_body::uid_filter("a<b&c") ==
        "<c:prop-filter name=\"UID\"><c:text-match collation=\"i;octet\">a&lt;b&amp;c</c:text-match>"
        "</c:prop-filter>");
}

TEST_CASE("find_by_uid keeps only the objects whose UID is exactly the one asked for") {
  // text-match is a substring match: the server may list "evt-1" and "evt-10" for "evt-1".
  auto object = [](const std::string& name, const std::string& uid) {
    return "<d:response><d:href>/remote.php/dav/calendars/admin/coop-events/" + name +
           "</d:href><d:propstat><d:prop><d:getetag>&quot;etag-" + name +
           "&quot;</d:getetag><cal:calendar-data>BEGIN:VCALENDAR\nVERSION:2.0\nBEGIN:VEVENT\n"
           "UID:" + uid + "\nDTSTART:20261205T180000Z\nEND:VEVENT\nEND:VCALENDAR\n"
           "</cal:calendar-data></d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat>"
           "</d:response>";
  };
  CannedDav c{testing::respond(207, "<?xml version=\"1.0\"?>\n<d:multistatus xmlns:d=\"DAV:\" "
                                 "xmlns:cal=\"urn:ietf:params:xml:ns:caldav\">" +
                                     object("ten.ics", "evt-10") + object("one.ics", "evt-1") +
                                     "</d:multistatus>")};
  auto found = c.dav.find_by_uid(kCoopEvents, "evt-1");
  REQUIRE(found.ok());
  REQUIRE(found->size() == 1);
  CHECK((*found)[0].href == std::string(kCoopEvents) + "one.ics");
  CHECK((*found)[0].etag == "etag-one.ics");
  const auto& sent = c.http.requests().back();
  CHECK(sent.method == "REPORT");
  CHECK(std::count(sent.headers.begin(), sent.headers.end(), http::Headers::value_type{"Depth", "1"}) == 1);
  CHECK(sent.body == dav_body::calendar_query(dav_body::uid_filter("evt-1")));
  CHECK(sent.body.find("<c:text-match collation=\"i;octet\">evt-1</c:text-match>") != std::string::npos);
}

TEST_CASE("DAV 503 for a disabled account is kAuth and sent once; maintenance stays transient") {
  CannedDav disabled{testing::respond(
      503, sabre_error_doc("Sabre\\DAV\\Exception\\ServiceUnavailable", "OC\\User\\LoginException: User disabled"),
      {{"Content-Type", "application/xml; charset=utf-8"}})};
  auto refused = disabled.dav.propfind(kCoopEvents, 0, "");
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.error().kind == ErrorKind::kAuth);
  CHECK(refused.error().http_status == 503);
  CHECK_FALSE(refused.error().retryable());
  CHECK_FALSE(refused.error().retry_after.has_value());
  CHECK(refused.error().message.find("not-a-real-password") == std::string::npos);
  CHECK(disabled.http.requests().size() == 1);
  // No failed login was counted by the server, so the session is not poisoned: the next pass
  // asks once more and goes on by itself once the account is enabled again.
  CHECK_FALSE(disabled.session.poisoned());
  // The message is translated ("Benutzer deaktiviert"); the exception class is not.
  CHECK(login_refused(sabre_error_doc("Sabre\\DAV\\Exception\\ServiceUnavailable",
                                  "OC\\User\\LoginException: Benutzer deaktiviert")));
  CHECK(login_refused(sabre_error_doc("Sabre\\DAV\\Exception\\ServiceUnavailable",
                                  "OC\\User\\LoginException: Login canceled by app")));

  CannedDav maintenance{testing::respond(
      503, sabre_error_doc("Sabre\\DAV\\Exception\\ServiceUnavailable", "System is in maintenance mode."),
      {{"Content-Type", "application/xml; charset=utf-8"}, {"Retry-After", "120"}})};
  auto down = maintenance.dav.propfind(kCoopEvents, 0, "");
  REQUIRE_FALSE(down.ok());
  CHECK(down.error().kind == ErrorKind::kTransient);
  CHECK(down.error().retryable());
  REQUIRE(down.error().retry_after.has_value());
  CHECK(down.error().retry_after->count() == 120000);
  CHECK_FALSE(login_refused(maintenance.answer.body));
}
