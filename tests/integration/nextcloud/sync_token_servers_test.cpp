// Sync-tokens the server does not know, on both servers (issue 4: "if a Radicale behaviour
// differs from the captured Nextcloud traffic, test both"). Nextcloud answers an unknown but
// well-formed token (http://sabre.io/ns/sync/N) with 207 and no changes, and a malformed one
// with 403 valid-sync-token (fixtures 71, and the simulator). Radicale refuses any token it
// did not issue with 403 valid-sync-token, well-formed or not. A refusal restarts a full
// listing (full_listing = true, so the engine can tell what is gone); Nextcloud's silence
// cannot be detected from the token and yields an empty page.
#include "tests/integration/nextcloud/nc_env.hpp"
#include "tests/support/radicale.hpp"
#include "tests/support/result_text.hpp"

using coopsync::testing::error_text;

using namespace coopsync;
using namespace coopsync::testing::nc;

namespace {

ChangePage changes(Connector& c, const std::string& cursor) {
  auto page = c.changes(EntityKind::kEvent, cursor, std::chrono::milliseconds(0));
  REQUIRE_MESSAGE(page.ok(), error_text(page));
  return *page;
}

// A group calendar with one event; returns the cursor after reading it.
std::string one_event(Connector& conn) {
  REQUIRE_FALSE(apply_one(conn, make_write(EntityKind::kGroup, WriteOp::kCreate,
                                           Fields{{"name", "Lyon"}, {"slug", "lyon"}}, "", "g-lyon"))
                    .error.has_value());
  auto made = apply_one(conn, make_write(EntityKind::kEvent, WriteOp::kCreate,
                                         Fields{{"title", "Assembly"}, {"start", "2027-03-02T17:00:00Z"},
                                                {"end", "2027-03-02T19:00:00Z"},
                                                {"timezone", "Europe/Paris"}, {"group", "lyon"}},
                                         "", "evt-1"));
  REQUIRE_MESSAGE(!made.error.has_value(), error_text(made.error));
  auto first = changes(conn, "");
  CHECK(first.full_listing);
  CHECK(first.records.size() == 1);
  return first.cursor;
}

std::string cursor_with(const std::string& token) {
  return nlohmann::json{{"calendars", {{"group-lyon", token}}}}.dump();
}

}  // namespace

TEST_CASE("Nextcloud: a well-formed unknown token is no changes, a malformed one a full listing") {
  SimEnv env;
  auto conn = env.connector(env.settings());
  one_event(*conn);
  // The simulator answers it as Nextcloud does (71): no changes. A token ahead of the
  // calendar's current one (a calendar made again, a restored server) is seen in the
  // calendar listing, and the connector reads the calendar whole.
  auto ahead = changes(*conn, cursor_with("http://sabre.io/ns/sync/999999"));
  CHECK_FALSE(ahead.full_listing);
  REQUIRE(ahead.records.size() == 1);
  CHECK(ahead.records[0].external_id == "lyon/evt-1.ics");
  auto malformed = changes(*conn, cursor_with("not-a-token"));
  CHECK(malformed.full_listing);
  REQUIRE(malformed.records.size() == 1);
  CHECK(malformed.records[0].external_id == "lyon/evt-1.ics");
}

TEST_CASE("Radicale: any token it did not issue is refused, and the listing starts over") {
  auto rad = testing::RadicaleServer::available()
                 ? std::make_unique<testing::RadicaleServer>(
                       std::map<std::string, std::string>{{"coop", "coop-caldav-secret"}})
                 : nullptr;
  if (!rad) {
    MESSAGE("radicale is not installed: skipped");
    return;
  }
  SimEnv env;
  auto s = env.settings();
  s.caldav_url = rad->base_url() + "/";
  s.caldav_username = "coop";
  s.caldav_password = "coop-caldav-secret";
  auto conn = env.connector(s);
  const std::string cursor = one_event(*conn);
  const auto issued = nlohmann::json::parse(cursor)["calendars"]["group-lyon"].get<std::string>();
  CHECK(issued.rfind("http://radicale.org/ns/sync/", 0) == 0);
  CHECK(changes(*conn, cursor).records.empty());  // its own token: nothing new
  for (const std::string& token :
       {std::string("http://radicale.org/ns/sync/") + std::string(64, '0'), std::string("not-a-token")}) {
    CAPTURE(token);
    auto page = changes(*conn, cursor_with(token));
    CHECK(page.full_listing);
    std::size_t alive = 0;
    for (const auto& r : page.records) alive += r.deleted ? 0 : 1;
    CHECK(alive == 1);
  }
}
