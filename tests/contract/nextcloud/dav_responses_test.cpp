// Every captured multistatus parses, and the CalDAV/WebDAV clients read what the capture
// says from it: principals, calendar home, calendars, sync-tokens, changes and deletions
// (status before href, 70), ETags unquoted, calendar-data.
#include "connectors/nextcloud/dav_client.hpp"
#include "connectors/nextcloud/multistatus.hpp"
#include "tests/contract/nextcloud/fixture_file.hpp"
#include "tests/support/fake_http.hpp"

#include <doctest/doctest.h>

using namespace coopsync;
using namespace coopsync::nextcloud;
namespace nc = coopsync::testing::nc;

namespace {
Multistatus ms_of(const char* name) {
  auto r = parse_multistatus(nc::load(name).response.body, name);
  REQUIRE(r.ok());
  return *r;
}

// A DavClient whose every request is answered by one fixture's response.
struct Replay {
  std::vector<std::string> answers;
  std::size_t next = 0;
  testing::FakeHttpClient http{[this](const http::Request&) -> Result<http::Response> {
    REQUIRE(next < answers.size());
    return nc::load(answers[next++]).response;
  }};
  Session session{&http, "admin", "not-a-real-password", "test"};
  DavClient dav{&session, "http://127.0.0.1:8080/remote.php/dav/"};
};
}  // namespace

TEST_CASE("every 207 fixture is a readable multistatus") {
  testing::skip_without_fixtures("nextcloud");
  int n = 0;
  for (const auto& name : nc::names()) {
    const auto ex = nc::load(name);
    if (ex.response.status != 207) continue;
    CAPTURE(name);
    auto ms = parse_multistatus(ex.response.body, name);
    CHECK(ms.ok());
    ++n;
  }
  CHECK(n == 14);
}

TEST_CASE("files PROPFIND: etags, fileids, permissions, sharees (50, 51, 52)") {
  testing::skip_without_fixtures("nextcloud");
  const auto admin = ms_of("50-webdav-propfind-admin-depth1");
  REQUIRE(admin.responses.size() == 3);
  const auto& folder = admin.responses[1];
  CHECK(percent_decode(folder.href) == "/remote.php/dav/files/admin/Coop Shared/");
  CHECK(unquote_etag(folder.text(kDavNs, "getetag")) == "6b01865489b85");
  CHECK(folder.text(kOwncloudNs, "fileid") == "34");
  CHECK(folder.prop(kDavNs, "getcontentlength") == nullptr);  // in the 404 propstat
  const XmlNode* sharees = folder.prop(kNextcloudNs, "sharees");
  REQUIRE(sharees != nullptr);
  CHECK(sharees->all(kNextcloudNs, "sharee").size() == 2);
  CHECK(ms_of("51-webdav-propfind-alice-depth1").responses[2].text(kOwncloudNs, "permissions") ==
        "SGDNVCK");
  const auto other = ms_of("52-webdav-propfind-other-user-home");
  REQUIRE(other.responses.size() == 1);
  CHECK(other.responses[0].prop(kDavNs, "resourcetype") != nullptr);
  CHECK(other.responses[0].prop(kDavNs, "getetag") == nullptr);
}

TEST_CASE("CalDAV discovery and calendar listing through the client (53, 54, 55)") {
  testing::skip_without_fixtures("nextcloud");
  Replay r;
  r.answers = {"53-caldav-propfind-current-user-principal", "54-caldav-propfind-calendar-home-set",
               "55-caldav-propfind-calendar-home-depth1"};
  auto cals = r.dav.list_calendars();
  REQUIRE(cals.ok());
  CHECK(*r.dav.calendar_home() == "/remote.php/dav/calendars/admin/");
  REQUIRE(cals->size() == 1);  // inbox, outbox and trashbin are not calendars
  CHECK((*cals)[0].name == "personal");
  CHECK((*cals)[0].displayname == "Personal");
  CHECK((*cals)[0].sync_token == "http://sabre.io/ns/sync/1");
  const auto& reqs = r.http.requests();
  REQUIRE(reqs.size() == 3);
  CHECK(nc::target_of(reqs[0].url) == "/remote.php/dav/");
  CHECK(nc::target_of(reqs[1].url) == "/remote.php/dav/principals/users/admin/");
  CHECK(nc::target_of(reqs[2].url) == "/remote.php/dav/calendars/admin/");
}

TEST_CASE("sync-collection: initial, changes, deletion, unknown token (58, 66, 70, 71)") {
  testing::skip_without_fixtures("nextcloud");
  Replay r;
  r.answers = {"58-caldav-sync-collection-initial", "66-caldav-sync-collection-after-change",
               "70-caldav-sync-collection-after-delete", "71-caldav-sync-collection-bad-token"};
  const std::string cal = "/remote.php/dav/calendars/admin/coop-events/";
  auto initial = r.dav.sync(cal, "");
  REQUIRE(initial.ok());
  CHECK(initial->token == "http://sabre.io/ns/sync/1");
  CHECK(initial->changed.empty());
  auto changed = r.dav.sync(cal, "http://sabre.io/ns/sync/1");
  REQUIRE(changed.ok());
  CHECK(changed->token == "http://sabre.io/ns/sync/4");
  REQUIRE(changed->changed.size() == 2);
  CHECK(changed->changed[0].first == cal + "coop-evt-0001.ics");
  CHECK(changed->changed[0].second == "b8c533699cfca83b5e96eceb2105506d");
  auto deleted = r.dav.sync(cal, "http://sabre.io/ns/sync/4");
  REQUIRE(deleted.ok());
  CHECK(deleted->changed.empty());
  CHECK(deleted->deleted == std::vector<std::string>{cal + "coop-evt-0002.ics"});
  CHECK(deleted->token == "http://sabre.io/ns/sync/5");
  // Nextcloud's quirk: an unknown but well-formed token is "no changes", not an error.
  auto unknown = r.dav.sync(cal, "http://sabre.io/ns/sync/999999");
  REQUIRE(unknown.ok());
  CHECK_FALSE(unknown->token_rejected);
  CHECK(unknown->changed.empty());
}

TEST_CASE("a rejected sync-token (403 valid-sync-token) asks for a full resync") {
  testing::FakeHttpClient http([](const http::Request&) -> Result<http::Response> {
    return testing::respond(403, "<?xml version=\"1.0\"?><error xmlns=\"DAV:\"><valid-sync-token/></error>");
  });
  Session s(&http, "u", "p", "test");
  DavClient dav(&s, "http://127.0.0.1:1/");
  auto r = dav.sync("/u/cal/", "garbage-token");
  REQUIRE(r.ok());
  CHECK(r->token_rejected);
}

TEST_CASE("multiget and calendar-query carry calendar-data; deleted hrefs are left out (72, 73)") {
  testing::skip_without_fixtures("nextcloud");
  Replay r;
  r.answers = {"73-caldav-calendar-multiget"};
  const std::string cal = "/remote.php/dav/calendars/admin/coop-events/";
  auto objs = r.dav.multiget(cal, {cal + "coop-evt-0001.ics", cal + "coop-evt-0002.ics"});
  REQUIRE(objs.ok());
  REQUIRE(objs->size() == 1);
  CHECK((*objs)[0].etag == "b8c533699cfca83b5e96eceb2105506d");
  CHECK((*objs)[0].data.find("SUMMARY:General assembly (moved)") != std::string::npos);
  const auto q = ms_of("72-caldav-calendar-query-timerange");
  REQUIRE(q.responses.size() == 1);
  CHECK(q.responses[0].prop(kCalDavNs, "calendar-data") != nullptr);
  const auto depth0 = ms_of("74-caldav-propfind-calendar-depth0");
  CHECK(depth0.responses[0].text(kDavNs, "sync-token") == "http://sabre.io/ns/sync/5");
  CHECK(depth0.responses[0].text(kCalServerNs, "getctag") == "http://sabre.io/ns/sync/5");
}

TEST_CASE("PUT, GET and DELETE outcomes map to the right results (59-69)") {
  testing::skip_without_fixtures("nextcloud");
  Replay r;
  r.answers = {"59-caldav-put-event-create", "60-caldav-put-event-create-again",
               "61-caldav-put-event-duplicate-uid", "63-caldav-get-event",
               "64-caldav-put-event-if-match", "65-caldav-put-event-if-match-stale",
               "68-caldav-delete-event", "69-caldav-delete-event-missing",
               "57-caldav-mkcalendar-exists", "43-webdav-mkcol-exists", "42-webdav-mkcol"};
  const std::string href = "/remote.php/dav/calendars/admin/coop-events/coop-evt-0001.ics";
  auto created = r.dav.put(href, "ics", "", true);
  REQUIRE(created.ok());
  CHECK(*created == "fd07d97c5a102ab103c94fe27e6fc7ba");
  auto again = r.dav.put(href, "ics", "", true);
  REQUIRE_FALSE(again.ok());
  CHECK(again.error().kind == ErrorKind::kConflict);
  CHECK(again.error().http_status == 412);
  auto dup = r.dav.put(href, "ics", "", true);
  REQUIRE_FALSE(dup.ok());
  CHECK(dup.error().kind == ErrorKind::kConflict);
  CHECK(dup.error().http_status == 400);
  auto got = r.dav.get(href);
  REQUIRE(got.ok());
  CHECK(got->etag == "fd07d97c5a102ab103c94fe27e6fc7ba");
  CHECK(got->data.rfind("BEGIN:VCALENDAR\r\n", 0) == 0);
  auto updated = r.dav.put(href, "ics", "fd07d97c5a102ab103c94fe27e6fc7ba", false);
  REQUIRE(updated.ok());
  CHECK(*updated == "b8c533699cfca83b5e96eceb2105506d");
  auto stale = r.dav.put(href, "ics", "fd07d97c5a102ab103c94fe27e6fc7ba", false);
  REQUIRE_FALSE(stale.ok());
  CHECK(stale.error().kind == ErrorKind::kConflict);
  CHECK(r.dav.remove(href, "1d82087bbe9093b793088a9b550c23e7").ok());
  auto missing = r.dav.remove(href, "");
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.error().kind == ErrorKind::kNotFound);
  auto cal_exists = r.dav.mkcalendar("/remote.php/dav/calendars/admin/coop-events/", "Coop Events", "#0082C9");
  REQUIRE(cal_exists.ok());
  CHECK_FALSE(*cal_exists);
  auto folder_exists = r.dav.mkcol("/remote.php/dav/files/admin/Coop%20Shared");
  REQUIRE(folder_exists.ok());
  CHECK_FALSE(*folder_exists);
  auto folder_new = r.dav.mkcol("/remote.php/dav/files/admin/Coop%20Shared");
  REQUIRE(folder_new.ok());
  CHECK(*folder_new);
}

TEST_CASE("401 poisons the session and 429 is rate limiting (80, 86, 87)") {
  testing::skip_without_fixtures("nextcloud");
  Replay r;
  r.answers = {"86-caldav-propfind-wrong-password"};
  auto first = r.dav.propfind("/remote.php/dav/calendars/admin/", 0, "");
  REQUIRE_FALSE(first.ok());
  CHECK(first.error().kind == ErrorKind::kAuth);
  CHECK(first.error().message.find("not-a-real-password") == std::string::npos);
  auto second = r.dav.propfind("/remote.php/dav/calendars/admin/", 0, "");
  REQUIRE_FALSE(second.ok());
  CHECK(second.error().kind == ErrorKind::kAuth);
  CHECK(r.http.requests().size() == 1);  // never sent again
  Replay t;
  t.answers = {"87-caldav-good-login-after-failures"};
  auto throttled = t.dav.propfind("/remote.php/dav/files/admin/", 0, "");
  REQUIRE_FALSE(throttled.ok());
  CHECK(throttled.error().kind == ErrorKind::kRateLimited);
  CHECK_FALSE(t.session.poisoned());
}

TEST_CASE("Radicale's default-namespace answers parse the same way") {
  const std::string body =
      "<?xml version='1.0' encoding='utf-8'?>\n<multistatus xmlns=\"DAV:\"><response><href>/alice/cal1/evt-2.ics</href>"
      "<status>HTTP/1.1 404 Not Found</status></response><response><href>/alice/cal1/evt-1.ics</href>"
      "<propstat><prop><getetag>\"abc\"</getetag></prop><status>HTTP/1.1 200 OK</status></propstat>"
      "</response><sync-token>http://radicale.org/ns/sync/deadbeef</sync-token></multistatus>";
  auto ms = parse_multistatus(body, "radicale");
  REQUIRE(ms.ok());
  REQUIRE(ms->responses.size() == 2);
  CHECK(ms->responses[0].gone());
  CHECK(unquote_etag(ms->responses[1].text(kDavNs, "getetag")) == "abc");
  CHECK(ms->sync_token == "http://radicale.org/ns/sync/deadbeef");
}

TEST_CASE("hostile multistatus documents are typed errors") {
  std::string deep;
  for (int i = 0; i < 100; ++i) deep += "<a>";
  for (const std::string& body :
       {std::string(""), std::string("<"), std::string("<x/>"), deep,
        std::string("<?xml version=\"1.0\"?><!DOCTYPE d [<!ENTITY a \"aaaa\">]><d:multistatus xmlns:d=\"DAV:\">&a;</d:multistatus>"),
        std::string("<d:multistatus xmlns:d=\"DAV:\"><d:response><d:propstat/></d:response></d:multistatus>"),
        std::string("<multistatus xmlns=\"DAV:\"></wrong>")}) {
    CAPTURE(body.substr(0, 60));
    auto ms = parse_multistatus(body, "test");
    CHECK_FALSE(ms.ok());
    if (!ms.ok()) CHECK(ms.error().kind == ErrorKind::kInvalidInput);
  }
}
