// A calendar whose sync-token went back (deleted and made again, or the server restored
// from a backup) cannot be followed from the token coopsync stored: Nextcloud answers any
// well-formed token with "no changes" and its current token (fixture 71), so the events of
// the new calendar before that token would never be read. Sabre's tokens are
// http://sabre.io/ns/sync/<N>, N the calendar's change counter (INDEX.md), and the calendar
// listing (55) carries the current one: a stored N above it means the calendar restarted.
#include "connectors/nextcloud/dav_client.hpp"
#include "connectors/nextcloud/nextcloud_connector.hpp"
#include "tests/contract/nextcloud/fixture_file.hpp"
#include "tests/support/fake_http.hpp"

#include <doctest/doctest.h>

using namespace coopsync;
using namespace coopsync::nextcloud;
namespace nc = coopsync::testing::nc;

namespace {

// Discovery and listing as captured (53, 54, 55: calendar "personal" at sync/1), and a
// sync-collection answered as 58 (an empty calendar at sync/1). The REPORT bodies sent
// are kept.
struct CalendarRig {
  std::vector<std::string> reports;
  std::unique_ptr<NextcloudConnector> conn;

  CalendarRig() {
    auto http = std::make_unique<testing::FakeHttpClient>(
        [this](const http::Request& r) -> Result<http::Response> {
          const std::string target = nc::target_of(r.url);
          if (r.method == "REPORT") {
            reports.push_back(r.body);
            return nc::load("58-caldav-sync-collection-initial").response;
          }
          if (r.method == "PROPFIND" && target == "/remote.php/dav/") {
            return nc::load("53-caldav-propfind-current-user-principal").response;
          }
          if (r.method == "PROPFIND" && target == "/remote.php/dav/principals/users/admin/") {
            return nc::load("54-caldav-propfind-calendar-home-set").response;
          }
          if (r.method == "PROPFIND" && target == "/remote.php/dav/calendars/admin/") {
            return nc::load("55-caldav-propfind-calendar-home-depth1").response;
          }
          FAIL("unexpected " << r.method << " " << target);
          return testing::respond(500, "");
        });
    Settings s = nc::capture_settings();
    s.calendar_template = "{id}";
    conn = std::make_unique<NextcloudConnector>(s, std::move(http), nullptr);
  }

  Result<ChangePage> changes_since(const std::string& token) {
    const std::string cursor =
        nlohmann::json{{"calendars", {{"personal", token}}}}.dump();
    return conn->changes(EntityKind::kEvent, cursor, std::chrono::milliseconds(0));
  }
};

}  // namespace

TEST_CASE("a stored sync-token above the calendar's current one reads the calendar whole") {
  testing::skip_without_fixtures("nextcloud");
  CalendarRig rig;
  auto page = rig.changes_since("http://sabre.io/ns/sync/9");
  REQUIRE_MESSAGE(page.ok(), (page.ok() ? "" : page.error().describe()));
  REQUIRE(rig.reports.size() == 1);
  CHECK(rig.reports[0] == dav_body::sync_collection(""));
  CHECK(page->cursor == R"({"calendars":{"personal":"http://sabre.io/ns/sync/1"}})");
}

TEST_CASE("a stored sync-token at or below the current one is followed as usual") {
  testing::skip_without_fixtures("nextcloud");
  for (const char* token : {"http://sabre.io/ns/sync/1", "http://sabre.io/ns/sync/0",
                            "opaque-token-of-another-server"}) {
    CAPTURE(token);
    CalendarRig rig;
    auto page = rig.changes_since(token);
    REQUIRE_MESSAGE(page.ok(), (page.ok() ? "" : page.error().describe()));
    REQUIRE(rig.reports.size() == 1);
    CHECK(rig.reports[0] == dav_body::sync_collection(token));
  }
}
