// Outbox behaviour through full passes: retries with backoff, dead letters, replay,
// cursors that advance only with durable state.
#include "tests/unit/engine_harness.hpp"

#include <thread>

using namespace coopsync;
using coopsync::testing::EngineHarness;

TEST_CASE("a failing target: entries retry with backoff, then become dead letters, and can be replayed") {
  EngineHarness h;
  h.max_attempts = 2;
  h.erp.add(EntityKind::kPerson, {{"email", "bob@coop.example"}, {"display_name", "Bob"}});
  auto s = h.cloud.load();
  s["fail_writes"] = 5;
  h.cloud.save(s);

  auto first = h.pass();
  CHECK(first.systems["cloud"].failed == 1);
  CHECK(first.pending == 1);
  CHECK(first.dead_letters == 0);
  std::this_thread::sleep_for(std::chrono::milliseconds(20));  // past the 1-2 ms backoff
  auto second = h.pass();
  CHECK(second.systems["cloud"].dead == 1);
  CHECK(second.dead_letters == 1);
  CHECK(h.cloud.live(EntityKind::kPerson).empty());

  // A dead letter is not retried by later passes...
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  CHECK(h.pass().systems["cloud"].failed == 0);
  // ...until the operator replays it after a fix.
  s = h.cloud.load();
  s["fail_writes"] = 0;
  h.cloud.save(s);
  auto store = h.open_store();
  auto dead = store->list_outbox(store::OutboxState::kDead, 10);
  REQUIRE(dead.ok());
  REQUIRE(dead->size() == 1);
  CHECK(dead->front().last_error.find("injected failure") != std::string::npos);
  REQUIRE(store->retry_dead(dead->front().id).ok());
  store.reset();
  auto replay = h.pass();
  CHECK(replay.systems["cloud"].created == 1);
  CHECK(replay.dead_letters == 0);
  CHECK(h.cloud.live(EntityKind::kPerson).size() == 1);
}

TEST_CASE("cursors advance with the pages they cover, and a down system keeps its cursor") {
  EngineHarness h;
  h.erp.add(EntityKind::kPerson, {{"email", "c@coop.example"}});
  h.pass();
  auto store = h.open_store();
  auto cursor = store->get_cursor("erp", "kind:person");
  REQUIRE(cursor.ok());
  CHECK(*cursor == std::to_string(h.erp.load()["seq"].get<int>()));
  store.reset();

  auto s = h.erp.load();
  s["down"] = true;
  h.erp.save(s);
  h.erp.add(EntityKind::kPerson, {{"email", "d@coop.example"}});
  auto down = h.pass();
  REQUIRE(down.systems["erp"].error.has_value());
  CHECK(down.unreachable());
  CHECK(h.cloud.live(EntityKind::kPerson).size() == 1);
  store = h.open_store();
  CHECK(*store->get_cursor("erp", "kind:person") == *cursor);
  store.reset();
  s = h.erp.load();
  s["down"] = false;
  h.erp.save(s);
  h.pass();
  CHECK(h.cloud.live(EntityKind::kPerson).size() == 2);
}
