// The requests we send equal the captured ones: method, path and query, the headers that
// matter (OCS-APIRequest, Content-Type, Depth, If-Match / If-None-Match) and the body.
#include "connectors/nextcloud/dav_client.hpp"
#include "connectors/nextcloud/nextcloud_connector.hpp"
#include "connectors/nextcloud/ocs_client.hpp"
#include "tests/contract/nextcloud/fixture_file.hpp"
#include "tests/support/fake_http.hpp"

#include <doctest/doctest.h>

#include <map>

using namespace coopsync;
using namespace coopsync::nextcloud;
namespace nc = coopsync::testing::nc;

namespace {

std::multimap<std::string, std::string> form_of(const std::string& body) {
  std::multimap<std::string, std::string> out;
  std::size_t i = 0;
  while (i < body.size()) {
    auto amp = body.find('&', i);
    if (amp == std::string::npos) amp = body.size();
    const std::string pair = body.substr(i, amp - i);
    const auto eq = pair.find('=');
    out.emplace(percent_decode(pair.substr(0, eq)), eq == std::string::npos ? "" : percent_decode(pair.substr(eq + 1)));
    i = amp + 1;
  }
  return out;
}

std::string header_of(const http::Request& r, std::string_view name) {
  http::Response tmp;
  tmp.headers = r.headers;
  return tmp.header(name);
}

// Our request against a captured one. `body_subset`: the captured form is a superset.
void same_request(const http::Request& ours, const std::string& fixture, bool exact_body = true) {
  const auto ex = nc::load(fixture);
  CAPTURE(fixture);
  CHECK(ours.method == ex.method);
  CHECK(nc::target_of(ours.url) == ex.target);
  for (const char* h : {"OCS-APIRequest", "Depth", "If-Match", "If-None-Match"}) {
    CAPTURE(h);
    CHECK(header_of(ours, h) == ex.request_header(h));
  }
  if (!ex.request_body.empty()) CHECK(header_of(ours, "Content-Type") == ex.request_header("Content-Type"));
  if (exact_body) {
    CHECK(ours.body == ex.request_body);
  } else {
    const auto theirs = form_of(ex.request_body);
    for (const auto& [k, v] : form_of(ours.body)) {
      CAPTURE(k);
      if (k == "password") continue;
      auto it = theirs.find(k);
      REQUIRE(it != theirs.end());
      CHECK(it->second == v);
    }
  }
}

}  // namespace

TEST_CASE("OCS requests are built like the captured ones") {
  testing::skip_without_fixtures("nextcloud");
  testing::FakeHttpClient http([](const http::Request&) -> Result<http::Response> { return testing::respond(200, ""); });
  Session session(&http, "admin", "x", "test");
  OcsClient ocs(&session, "http://127.0.0.1:8080/");
  same_request(ocs.build("POST", "/cloud/groups", {}, {{"groupid", "members"}}), "04-ocs-v2-group-create-json");
  same_request(ocs.build("POST", "/cloud/users", {},
                         {{"userid", "alice"}, {"password", "Alice-Passw0rd-1234"},
                          {"displayName", "Alice Martin"}, {"email", "alice@coop.example"},
                          {"groups[]", "members"}, {"language", "fr"}, {"quota", "1 GB"}}),
               "07-ocs-v2-user-create-json");
  same_request(ocs.build("GET", "/cloud/users", {{"search", "a"}, {"limit", "2"}, {"offset", "0"}}, {}),
               "12-ocs-v2-users-list-search-json");
  same_request(ocs.build("GET", "/cloud/users/details", {{"search", "bo"}, {"limit", "10"}, {"offset", "0"}}, {}),
               "15-ocs-v2-users-details-json");
  same_request(ocs.build("PUT", "/cloud/users/alice", {}, {{"key", "email"}, {"value", "alice.martin@coop.example"}}),
               "20-ocs-v2-user-edit-email-json");
  same_request(ocs.build("PUT", "/cloud/users/alice", {}, {{"key", "displayname"}, {"value", "Alice Martin-Lef\xc3\xa8vre"}}),
               "21-ocs-v2-user-edit-displayname-json");
  same_request(ocs.build("PUT", "/cloud/users/alice/disable", {}, {}), "23-ocs-v2-user-disable-json");
  same_request(ocs.build("POST", "/cloud/users/alice/groups", {}, {{"groupid", "board"}}),
               "27-ocs-v2-user-add-to-group-json");
  same_request(ocs.build("DELETE", "/cloud/users/alice/groups", {{"groupid", "board"}}, {}),
               "33-ocs-v2-user-remove-from-group-query-json");
  same_request(ocs.build("DELETE", "/cloud/users/tmpuser", {}, {}), "36-ocs-v2-user-delete-json");
  same_request(ocs.build("POST", "/apps/files_sharing/api/v1/shares", {},
                         {{"path", "/Coop Shared"}, {"shareType", "1"}, {"shareWith", "members"}, {"permissions", "31"}}),
               "45-ocs-v2-share-create-group-json");
  same_request(ocs.build("GET", "/apps/files_sharing/api/v1/shares", {{"path", "/Coop Shared"}, {"reshares", "true"}}, {}),
               "48-ocs-v2-shares-list-path-json");
  same_request(ocs.build("PUT", "/apps/files_sharing/api/v1/shares/1", {}, {{"permissions", "15"}}),
               "49-ocs-v2-share-update-json");
}

TEST_CASE("DAV requests are built like the captured ones") {
  testing::skip_without_fixtures("nextcloud");
  testing::FakeHttpClient http([](const http::Request& r) -> Result<http::Response> {
    if (r.method == "PROPFIND" || r.method == "REPORT") {
      return testing::respond(207, "<d:multistatus xmlns:d=\"DAV:\"><d:sync-token>t</d:sync-token></d:multistatus>");
    }
    return testing::respond(r.method == "DELETE" ? 204 : 201, "");
  });
  Session session(&http, "admin", "x", "test");
  DavClient dav(&session, "http://127.0.0.1:8080/remote.php/dav/");
  const std::string cal = "/remote.php/dav/calendars/admin/coop-events/";
  auto last = [&]() { return http.requests().back(); };
  (void)dav.mkcol("/remote.php/dav/files/admin/Coop%20Shared");
  same_request(last(), "42-webdav-mkcol");
  (void)dav.propfind("/remote.php/dav/files/admin/", 1, dav_body::files_propfind());
  same_request(last(), "50-webdav-propfind-admin-depth1");
  (void)dav.propfind("/remote.php/dav/", 0, dav_body::current_user_principal());
  same_request(last(), "53-caldav-propfind-current-user-principal");
  (void)dav.propfind("/remote.php/dav/principals/users/admin/", 0, dav_body::calendar_home_set());
  same_request(last(), "54-caldav-propfind-calendar-home-set");
  (void)dav.propfind("/remote.php/dav/calendars/admin/", 1, dav_body::calendar_list());
  same_request(last(), "55-caldav-propfind-calendar-home-depth1");
  (void)dav.mkcalendar(cal, "Coop Events", "#0082C9");
  same_request(last(), "56-caldav-mkcalendar");
  (void)dav.sync(cal, "");
  same_request(last(), "58-caldav-sync-collection-initial");
  (void)dav.sync(cal, "http://sabre.io/ns/sync/1");
  same_request(last(), "66-caldav-sync-collection-after-change");
  const auto put = nc::load("59-caldav-put-event-create");
  (void)dav.put(cal + "coop-evt-0001.ics", put.request_body, "", true);
  same_request(last(), "59-caldav-put-event-create");
  const auto upd = nc::load("64-caldav-put-event-if-match");
  (void)dav.put(cal + "coop-evt-0001.ics", upd.request_body, "fd07d97c5a102ab103c94fe27e6fc7ba", false);
  same_request(last(), "64-caldav-put-event-if-match");
  (void)dav.remove(cal + "coop-evt-0002.ics", "1d82087bbe9093b793088a9b550c23e7");
  same_request(last(), "68-caldav-delete-event");
  (void)dav.multiget(cal, {cal + "coop-evt-0001.ics", cal + "coop-evt-0002.ics"});
  same_request(last(), "73-caldav-calendar-multiget");
}

TEST_CASE("the connector's group creation sends the captured requests, in order") {
  testing::skip_without_fixtures("nextcloud");
  // POST group -> 04, MKCOL -> 42, list shares -> 48 (already shared with 31): no POST.
  std::vector<std::string> answers = {"04-ocs-v2-group-create-json", "42-webdav-mkcol",
                                      "48-ocs-v2-shares-list-path-json"};
  std::size_t next = 0;
  auto owned = std::make_unique<testing::FakeHttpClient>([&](const http::Request&) -> Result<http::Response> {
    REQUIRE(next < answers.size());
    return nc::load(answers[next++]).response;
  });
  auto* http = owned.get();
  Settings s = nc::capture_settings();
  s.folder_template = "Coop Shared";
  s.share_permissions = 31;
  NextcloudConnector conn(s, std::move(owned), nullptr);
  Write w;
  w.kind = EntityKind::kGroup;
  w.op = WriteOp::kCreate;
  w.fields = Fields{{"name", "members"}, {"slug", "members"}};
  auto results = conn.apply({w});
  REQUIRE(results.size() == 1);
  CHECK_FALSE(results[0].error.has_value());
  CHECK(results[0].external_id == "members");
  REQUIRE(http->requests().size() == 3);
  same_request(http->requests()[0], "04-ocs-v2-group-create-json", false);
  same_request(http->requests()[1], "42-webdav-mkcol");
  same_request(http->requests()[2], "48-ocs-v2-shares-list-path-json");
  CHECK(http->requests()[0].basic_user == "admin");
}
