// A create whose UID the calendar already holds under another name (a person's client
// renamed or copied the object, or it was written under a name coopsync no longer
// derives): Nextcloud refuses it with 400 (61), Radicale with 409 <C:no-uid-conflict/>.
// The connector finds the holder by a calendar-query on the UID and adopts it, never a
// second object and never a retried refusal; the update that follows goes to the holder's
// href with If-Match. Also: a disabled CalDAV account (Nextcloud's DAV 503) is kAuth.
#include "tests/integration/nextcloud/nc_env.hpp"
#include "tests/support/result_text.hpp"

using coopsync::testing::error_text;

using namespace coopsync;
using namespace coopsync::testing::nc;

namespace {

const http::Headers kIcsContentType{{"Content-Type", "text/calendar; charset=utf-8"}};

std::string unquoted_etag_of(const http::Response& r) {
  std::string e = r.header("ETag");
  if (e.size() >= 2 && e.front() == '"' && e.back() == '"') e = e.substr(1, e.size() - 2);
  return e;
}

void uid_conflict_scenario(Connector& conn, CalBackend& be) {
  auto group = apply_one(conn, make_write(EntityKind::kGroup, WriteOp::kCreate,
                                          Fields{{"name", "Lyon"}, {"slug", "lyon"}}, "", "g-lyon"));
  REQUIRE_MESSAGE(!group.error.has_value(), error_text(group.error));
  // The holder of "evt-7" under a name of the person's client, and a decoy whose UID merely
  // contains it (the server's text-match is a substring match).
  REQUIRE(be.raw("PUT", "by-hand.ics", outside_event("evt-7", "Fair (by hand)"), kIcsContentType).status / 100 == 2);
  REQUIRE(be.raw("PUT", "decoy.ics", outside_event("evt-7-copy", "Other"), kIcsContentType).status / 100 == 2);
  const std::string holder_etag = unquoted_etag_of(be.raw("GET", "by-hand.ics"));
  REQUIRE_FALSE(holder_etag.empty());

  const Fields fair{{"title", "Fair"}, {"start", "2026-03-28"}, {"end", "2026-03-29"},
                    {"all_day", true}, {"timezone", "Europe/Paris"}, {"group", "lyon"}};
  auto adopted = apply_one(conn, make_write(EntityKind::kEvent, WriteOp::kCreate, fair, "", "evt-7"));
  REQUIRE_MESSAGE(!adopted.error.has_value(), error_text(adopted.error));
  CHECK(adopted.adopted);
  CHECK(adopted.external_id == "lyon/by-hand.ics");
  CHECK(adopted.version == holder_etag);
  CHECK(adopted.matched_key == "uid");
  CHECK(adopted.matched_value == "evt-7");
  CHECK(be.raw("GET", "evt-7.ics").status == 404);  // no second object
  CHECK(be.raw("GET", "by-hand.ics").body.find("SUMMARY:Fair (by hand)") != std::string::npos);

  // The same create again (its answer lost) adopts the same object once more.
  auto again = apply_one(conn, make_write(EntityKind::kEvent, WriteOp::kCreate, fair, "", "evt-7"));
  REQUIRE_MESSAGE(!again.error.has_value(), error_text(again.error));
  CHECK(again.external_id == "lyon/by-hand.ics");

  // The engine's next write: an update through the adopted href, with If-Match.
  auto updated = apply_one(conn, make_write(EntityKind::kEvent, WriteOp::kUpdate, fair, adopted.external_id,
                                            "evt-7", adopted.version));
  REQUIRE_MESSAGE(!updated.error.has_value(), error_text(updated.error));
  CHECK(updated.external_id == "lyon/by-hand.ics");
  CHECK(updated.version != holder_etag);
  const auto now = be.raw("GET", "by-hand.ics");
  CHECK(now.body.find("SUMMARY:Fair\r\n") != std::string::npos);
  CHECK(now.body.find("UID:evt-7\r\n") != std::string::npos);
  CHECK(be.raw("GET", "evt-7.ics").status == 404);
  CHECK(be.raw("GET", "decoy.ics").body.find("SUMMARY:Other") != std::string::npos);
  // A stale If-Match (the holder's ETag from before the update) is refused as ever.
  auto stale = apply_one(conn, make_write(EntityKind::kEvent, WriteOp::kUpdate, fair, adopted.external_id,
                                          "evt-7", holder_etag));
  REQUIRE(stale.error.has_value());
  CHECK(stale.error->kind == ErrorKind::kConflict);
  CHECK(stale.error->http_status == 412);
}

}  // namespace

TEST_CASE("a create whose UID is held under another name adopts the holder (Radicale 409)") {
  on_radicale_calendar([](Connector& conn, CalBackend& be) {
    // What this Radicale answers, asserted so that the test notices if that ever changes.
    REQUIRE(apply_one(conn, make_write(EntityKind::kGroup, WriteOp::kCreate,
                                       Fields{{"name", "Lyon"}, {"slug", "lyon"}}, "", "g-lyon"))
                .error == std::nullopt);
    REQUIRE(be.raw("PUT", "probe-a.ics", outside_event("probe", "A"), kIcsContentType).status / 100 == 2);
    const auto refused = be.raw("PUT", "probe-b.ics", outside_event("probe", "B"),
                                {{"Content-Type", "text/calendar; charset=utf-8"}, {"If-None-Match", "*"}});
    CHECK(refused.status == 409);
    CHECK(refused.body.find("no-uid-conflict") != std::string::npos);
    REQUIRE(be.raw("DELETE", "probe-a.ics").status / 100 == 2);
    uid_conflict_scenario(conn, be);
  });
}

TEST_CASE("a create whose UID is held under another name adopts the holder (Nextcloud 400, 61)") {
  SimEnv env;
  auto conn = env.connector(env.settings());
  auto be = CalBackend::simulator(env);
  uid_conflict_scenario(*conn, be);
}

TEST_CASE("a disabled CalDAV account (DAV 503 LoginException) is kAuth, one request a call") {
  SimEnv env(nlohmann::json::array({{{"id", "caldav"}, {"password", "caldav-login-password"},
                                     {"app_passwords", {"caldav-app-password-000000"}}}}));
  auto s = env.settings();
  s.caldav_username = "caldav";
  s.caldav_password = "caldav-app-password-000000";
  auto conn = env.connector(s);
  REQUIRE(conn->check().ok());
  env.ocs("PUT", "/cloud/users/caldav/disable");
  const auto before = conn->requests_made();
  auto page = conn->changes(EntityKind::kEvent, "", std::chrono::milliseconds(0));
  REQUIRE_FALSE(page.ok());
  CHECK(page.error().kind == ErrorKind::kAuth);
  CHECK(page.error().http_status == 503);
  CHECK_FALSE(page.error().retryable());
  CHECK(page.error().message.find("caldav-app-password") == std::string::npos);
  CHECK(conn->requests_made() == before + 1);  // no retry inside the call
  CHECK(env.state()["failed_logins"] == 0);   // Nextcloud counts no failed login for it
  // Enabled again, the same connector goes on: the refusal did not poison its session.
  env.ocs("PUT", "/cloud/users/caldav/enable");
  auto back = conn->changes(EntityKind::kEvent, "", std::chrono::milliseconds(0));
  REQUIRE_MESSAGE(back.ok(), error_text(back));
}
