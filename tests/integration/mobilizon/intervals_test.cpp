// Both change-detection intervals are configurable and honoured: the activity stream is
// polled no more often than activity_poll_interval, and the full reconciliation of the
// group's events runs again once full_sync_interval has passed, not before. The connector's
// clock is stepped by the test (no sleeping); the simulator is the real one.
#include "tests/integration/mobilizon/sim_harness.hpp"

using namespace coopsync;
using namespace coopsync::testing::mobilizon;

namespace {
long long requests_of(const nlohmann::json& stats, const std::string& op) {
  return stats.value("op:" + op, 0LL);
}
}  // namespace

TEST_CASE("activity poll and full reconciliation each run at their configured interval") {
  Harness h(nlohmann::json{{"activity_poll_interval", 60000}, {"full_sync_interval", 600000}, {"page_size", 2}});
  auto t = std::chrono::sys_seconds(std::chrono::seconds(2'000'000'000));
  auto c = h.connector([&t] { return t; });
  std::string cursor;
  bool full = false;
  CHECK(h.drain(*c, EntityKind::kEvent, cursor, &full).size() == 4);
  CHECK(full);

  // An event created in Mobilizon: not looked for before the poll interval has passed.
  auto created = h.gql("mutation { createEvent(organizerActorId: \"9\", attributedToId: \"12\", title: \"Troc de graines\", "
                       "description: \"<p>Graines</p>\", beginsOn: \"2026-04-11T10:00:00+02:00\", "
                       "options: {timezone: \"Europe/Paris\"}) { uuid } }");
  REQUIRE_MESSAGE(created["data"]["createEvent"].is_object(), created.dump());
  const std::string uuid = created["data"]["createEvent"]["uuid"];
  t += std::chrono::seconds(59);
  h.control("DELETE", "/_sim/stats");
  CHECK(h.drain(*c, EntityKind::kEvent, cursor).empty());
  CHECK(h.control("GET", "/_sim/stats").value("requests", 0LL) == 0);

  // Poll interval passed: the activity stream names it; no full scan.
  t += std::chrono::seconds(2);
  h.control("DELETE", "/_sim/stats");
  auto polled = h.drain(*c, EntityKind::kEvent, cursor, &full);
  REQUIRE(polled.size() == 1);
  CHECK(polled[0].external_id == uuid);
  CHECK_FALSE(full);
  auto stats = h.control("GET", "/_sim/stats");
  CHECK(requests_of(stats, "GroupEventActivity") >= 1);
  CHECK(requests_of(stats, "GroupEvents") == 0);

  // A join moves updatedAt without any activity: polls do not see it...
  REQUIRE(h.gql("mutation { joinEvent(eventId: \"103\", actorId: \"15\") { role } }")["data"]["joinEvent"].is_object());
  t += std::chrono::seconds(300);
  h.control("DELETE", "/_sim/stats");
  CHECK(h.drain(*c, EntityKind::kEvent, cursor).empty());
  CHECK(requests_of(h.control("GET", "/_sim/stats"), "GroupEvents") == 0);

  // ...the reconciliation does, once full_sync_interval has passed since the last one.
  t += std::chrono::seconds(300);
  h.control("DELETE", "/_sim/stats");
  auto reconciled = h.drain(*c, EntityKind::kEvent, cursor, &full);
  CHECK_FALSE(full);  // a reconciliation, not a first listing
  REQUIRE(reconciled.size() == 1);
  CHECK(reconciled[0].external_id == "e1f2a3b4-c5d6-4e7f-8a9b-0c1d2e3f4a5b");
  CHECK(requests_of(h.control("GET", "/_sim/stats"), "GroupEvents") >= 3);  // 5 events, pages of 2

  // And not again before another interval.
  t += std::chrono::seconds(61);
  h.control("DELETE", "/_sim/stats");
  CHECK(h.drain(*c, EntityKind::kEvent, cursor).empty());
  CHECK(requests_of(h.control("GET", "/_sim/stats"), "GroupEvents") == 0);
}
