// The durable outbox: idempotent enqueue, due ordering, failures, dead letters, retries.
#include "tests/unit/store_test_util.hpp"

using namespace coopsync;
using namespace coopsync::store;
using coopsync::store::testing::at_ms;
using coopsync::store::testing::TempStore;

namespace {

OutboxEntry entry(const std::string& key, const std::string& system, std::int64_t next_ms = 0) {
  OutboxEntry e;
  e.key = key;
  e.system = system;
  e.reason = "odoo changed phone";
  e.next_attempt_at = at_ms(next_ms);
  e.write.key = key;
  e.write.entity_id = "entity-" + key;
  e.write.kind = EntityKind::kPerson;
  e.write.op = WriteOp::kUpdate;
  e.write.external_id = "ext-" + key;
  e.write.version = "etag-1";
  e.write.fields = {{"phone", "+33612345678"}, {"email", nullptr}};
  e.write.changed = {"phone"};
  return e;
}

std::vector<std::string> keys_of(const std::vector<OutboxEntry>& entries) {
  std::vector<std::string> keys;
  for (const auto& e : entries) keys.push_back(e.key);
  return keys;
}

std::int64_t id_of(Store& store, const std::string& key) {
  auto all = store.list_outbox(std::nullopt, SIZE_MAX);
  REQUIRE(all.ok());
  for (const auto& e : *all) {
    if (e.key == key) return e.id;
  }
  FAIL("no outbox entry " << key);
  return 0;
}

}  // namespace

TEST_CASE("an enqueued write round-trips with every field") {
  TempStore t;
  REQUIRE(t.store->enqueue({entry("k1", "nextcloud", 5)}).ok());
  auto id = id_of(*t.store, "k1");
  auto got = t.store->get_outbox(id);
  REQUIRE(got.ok());
  REQUIRE(got->has_value());
  const OutboxEntry& e = **got;
  CHECK(e.system == "nextcloud");
  CHECK(e.reason == "odoo changed phone");
  CHECK(e.state == OutboxState::kPending);
  CHECK(e.attempts == 0);
  CHECK(e.next_attempt_at == at_ms(5));
  CHECK(e.created_at == t.clock);
  CHECK(e.write.key == "k1");
  CHECK(e.write.entity_id == "entity-k1");
  CHECK(e.write.op == WriteOp::kUpdate);
  CHECK(e.write.external_id == "ext-k1");
  CHECK(e.write.version == "etag-1");
  CHECK(e.write.fields == nlohmann::json({{"phone", "+33612345678"}, {"email", nullptr}}));
  CHECK(e.write.changed == std::vector<std::string>{"phone"});
  CHECK_FALSE(t.store->get_outbox(id + 100)->has_value());
}

TEST_CASE("enqueue is idempotent by key, whether the entry is pending or done") {
  TempStore t;
  REQUIRE(t.store->enqueue({entry("k1", "odoo"), entry("k2", "odoo")}).ok());
  auto again = entry("k1", "odoo");
  again.reason = "planned twice";
  REQUIRE(t.store->enqueue({again}).ok());
  CHECK(*t.store->count_outbox("odoo", OutboxState::kPending) == 2);
  CHECK((*t.store->get_outbox(id_of(*t.store, "k1")))->reason == "odoo changed phone");

  REQUIRE(t.store->mark_done(id_of(*t.store, "k2")).ok());
  REQUIRE(t.store->enqueue({entry("k2", "odoo")}).ok());  // a crash replay of the plan
  CHECK(*t.store->count_outbox("odoo", OutboxState::kPending) == 1);
  CHECK(*t.store->count_outbox("odoo", OutboxState::kDone) == 1);
}

TEST_CASE("a batch with an invalid entry enqueues nothing") {
  TempStore t;
  auto bad = entry("", "odoo");
  auto st = t.store->enqueue({entry("k1", "odoo"), bad});
  REQUIRE_FALSE(st.ok());
  CHECK(st.error().kind == ErrorKind::kInvalidInput);
  CHECK(*t.store->count_outbox("odoo", OutboxState::kPending) == 0);

  auto mismatched = entry("k3", "odoo");
  mismatched.write.key = "other";
  CHECK(t.store->enqueue({mismatched}).error().kind == ErrorKind::kInvalidInput);
}

TEST_CASE("due() returns pending entries of one system whose time has come, oldest first") {
  TempStore t;
  REQUIRE(t.store->enqueue({entry("late", "odoo", 300), entry("early", "odoo", 100),
                            entry("same-time-2", "odoo", 200), entry("future", "odoo", 10'000),
                            entry("other-system", "matrix", 0)})
              .ok());
  REQUIRE(t.store->enqueue({entry("same-time-3", "odoo", 200)}).ok());

  auto due = t.store->due("odoo", at_ms(1000), 10);
  REQUIRE(due.ok());
  CHECK(keys_of(*due) == std::vector<std::string>{"early", "same-time-2", "same-time-3", "late"});
  CHECK(keys_of(*t.store->due("odoo", at_ms(1000), 2)) == std::vector<std::string>{"early", "same-time-2"});
  CHECK(t.store->due("odoo", at_ms(99), 10)->empty());
  CHECK(t.store->due("odoo", at_ms(100), 10)->size() == 1);  // next_attempt_at <= now

  REQUIRE(t.store->mark_done(id_of(*t.store, "early")).ok());
  CHECK(keys_of(*t.store->due("odoo", at_ms(1000), 10)) ==
        std::vector<std::string>{"same-time-2", "same-time-3", "late"});
}

TEST_CASE("due_refs() names due() entries without their payloads; outbox_entries() loads them by id") {
  TempStore t;
  auto group = entry("group", "odoo", 50);
  group.write.kind = EntityKind::kGroup;
  REQUIRE(t.store->enqueue({entry("late", "odoo", 300), group, entry("future", "odoo", 10'000),
                            entry("other-system", "matrix", 0)})
              .ok());
  auto refs = t.store->due_refs("odoo", at_ms(1000));
  REQUIRE(refs.ok());
  REQUIRE(refs->size() == 2);
  CHECK((*refs)[0].key == "group");  // as due(): oldest first
  CHECK((*refs)[0].kind == EntityKind::kGroup);
  CHECK((*refs)[0].entity_id == "entity-group");
  CHECK((*refs)[1].key == "late");
  CHECK((*refs)[1].kind == EntityKind::kPerson);

  const auto late = id_of(*t.store, "late");
  REQUIRE(t.store->mark_done((*refs)[0].id).ok());
  CHECK(t.store->due_refs("odoo", at_ms(1000))->size() == 1);
  // In the order asked, whatever their state; ids that do not exist are left out.
  auto loaded = t.store->outbox_entries({late, 999'999, (*refs)[0].id});
  REQUIRE(loaded.ok());
  REQUIRE(loaded->size() == 2);
  CHECK((*loaded)[0].key == "late");
  CHECK((*loaded)[0].write.fields["phone"] == "+33612345678");
  CHECK((*loaded)[0].state == OutboxState::kPending);
  CHECK((*loaded)[1].key == "group");
  CHECK((*loaded)[1].state == OutboxState::kDone);
}

TEST_CASE("mark_failed counts attempts, reschedules, and dead letters leave the queue") {
  TempStore t;
  REQUIRE(t.store->enqueue({entry("k1", "odoo", 0)}).ok());
  auto id = id_of(*t.store, "k1");

  REQUIRE(t.store->mark_failed(id, "transient (HTTP 503): busy", at_ms(5000), false).ok());
  auto e = *t.store->get_outbox(id);
  CHECK(e->attempts == 1);
  CHECK(e->last_error == "transient (HTTP 503): busy");
  CHECK(e->next_attempt_at == at_ms(5000));
  CHECK(e->state == OutboxState::kPending);
  CHECK(t.store->due("odoo", at_ms(4999), 10)->empty());
  CHECK(t.store->due("odoo", at_ms(5000), 10)->size() == 1);

  REQUIRE(t.store->mark_failed(id, "permanent: rejected", at_ms(6000), true).ok());
  e = *t.store->get_outbox(id);
  CHECK(e->attempts == 2);
  CHECK(e->state == OutboxState::kDead);
  CHECK(t.store->due("odoo", at_ms(1'000'000), 10)->empty());
  CHECK(*t.store->count_outbox("odoo", OutboxState::kDead) == 1);
  CHECK(*t.store->count_outbox("", OutboxState::kDead) == 1);
  CHECK(*t.store->count_outbox("odoo", OutboxState::kPending) == 0);
  CHECK(t.store->list_outbox(OutboxState::kDead, 10)->size() == 1);

  // A dead entry cannot fail again; an unknown one is kNotFound.
  CHECK(t.store->mark_failed(id, "x", at_ms(0), false).error().kind == ErrorKind::kInvalidInput);
  CHECK(t.store->mark_failed(id + 1, "x", at_ms(0), false).error().kind == ErrorKind::kNotFound);
  CHECK(t.store->mark_done(id + 1).error().kind == ErrorKind::kNotFound);
}

TEST_CASE("retry_dead puts a dead letter back in the queue with its attempts reset") {
  TempStore t;
  REQUIRE(t.store->enqueue({entry("k1", "odoo", 0)}).ok());
  auto id = id_of(*t.store, "k1");
  CHECK(t.store->retry_dead(id).error().kind == ErrorKind::kInvalidInput);  // pending, not dead
  REQUIRE(t.store->mark_failed(id, "boom", at_ms(1), true).ok());

  t.clock += std::chrono::hours(1);
  REQUIRE(t.store->retry_dead(id).ok());
  auto e = *t.store->get_outbox(id);
  CHECK(e->state == OutboxState::kPending);
  CHECK(e->attempts == 0);
  CHECK(e->next_attempt_at == t.clock);
  CHECK(e->last_error == "boom");  // kept: the operator sees what failed before
  CHECK(t.store->due("odoo", t.clock, 10)->size() == 1);
  CHECK(t.store->retry_dead(id + 7).error().kind == ErrorKind::kNotFound);
}

TEST_CASE("list_outbox filters by state and pages by id; entries survive a reopen") {
  TempStore t;
  REQUIRE(t.store->enqueue({entry("a", "odoo"), entry("b", "matrix"), entry("c", "odoo")}).ok());
  REQUIRE(t.store->mark_done(id_of(*t.store, "b")).ok());
  CHECK(keys_of(*t.store->list_outbox(std::nullopt, SIZE_MAX)) == std::vector<std::string>{"a", "b", "c"});
  CHECK(keys_of(*t.store->list_outbox(OutboxState::kPending, SIZE_MAX)) == std::vector<std::string>{"a", "c"});
  CHECK(keys_of(*t.store->list_outbox(std::nullopt, 1)) == std::vector<std::string>{"a"});
  CHECK(*t.store->count_outbox("", OutboxState::kPending) == 2);
  CHECK(*t.store->count_outbox("matrix", OutboxState::kPending) == 0);

  t.reopen();
  CHECK(keys_of(*t.store->list_outbox(OutboxState::kPending, SIZE_MAX)) == std::vector<std::string>{"a", "c"});
  CHECK(*t.store->count_outbox("matrix", OutboxState::kDone) == 1);
}

TEST_CASE("drop_done_outbox forgets one entity's settled entries in one system, nothing else") {
  TempStore t;
  auto same = [](OutboxEntry e, const std::string& entity) {
    e.write.entity_id = entity;
    return e;
  };
  REQUIRE(t.store
              ->enqueue({same(entry("done-here", "cloud"), "ana"),
                         same(entry("pending-here", "cloud"), "ana"),
                         same(entry("done-there", "chat"), "ana"),
                         same(entry("done-other", "cloud"), "bob")})
              .ok());
  for (const char* k : {"done-here", "done-there", "done-other"}) {
    REQUIRE(t.store->mark_done(id_of(*t.store, k)).ok());
  }
  REQUIRE(t.store->drop_done_outbox("cloud", "ana").ok());
  auto left = t.store->list_outbox(std::nullopt, SIZE_MAX);
  REQUIRE(left.ok());
  CHECK(keys_of(*left) == std::vector<std::string>{"pending-here", "done-there", "done-other"});
  // The same write can be planned again now: enqueueing its key makes a pending entry.
  REQUIRE(t.store->enqueue({same(entry("done-here", "cloud"), "ana")}).ok());
  auto again = t.store->get_outbox(id_of(*t.store, "done-here"));
  REQUIRE(again.ok());
  REQUIRE(again->has_value());
  CHECK((*again)->state == OutboxState::kPending);
}

TEST_CASE("open_outbox_of lists one entity's entries not carried out yet in one system") {
  TempStore t;
  auto same = [](OutboxEntry e, const std::string& entity) {
    e.write.entity_id = entity;
    return e;
  };
  REQUIRE(t.store
              ->enqueue({same(entry("pending-here", "cloud"), "ana"),
                         same(entry("dead-here", "cloud"), "ana"),
                         same(entry("done-here", "cloud"), "ana"),
                         same(entry("pending-there", "chat"), "ana"),
                         same(entry("pending-other", "cloud"), "bob")})
              .ok());
  REQUIRE(t.store->mark_done(id_of(*t.store, "done-here")).ok());
  REQUIRE(t.store->mark_failed(id_of(*t.store, "dead-here"), "permanent: no", at_ms(1), true).ok());
  auto open = t.store->open_outbox_of("cloud", "ana");
  REQUIRE(open.ok());
  CHECK(keys_of(*open) == std::vector<std::string>{"pending-here", "dead-here"});
  auto none = t.store->open_outbox_of("cloud", "cleo");
  REQUIRE(none.ok());
  CHECK(none->empty());
}

TEST_CASE("drop_outbox_entry forgets one entry: its key can be enqueued again") {
  TempStore t;
  REQUIRE(t.store->enqueue({entry("old", "cloud"), entry("other", "cloud")}).ok());
  REQUIRE(t.store->mark_done(id_of(*t.store, "old")).ok());
  REQUIRE(t.store->drop_outbox_entry(id_of(*t.store, "old")).ok());
  auto left = t.store->list_outbox(std::nullopt, SIZE_MAX);
  REQUIRE(left.ok());
  CHECK(keys_of(*left) == std::vector<std::string>{"other"});
  REQUIRE(t.store->enqueue({entry("old", "cloud")}).ok());
  auto again = t.store->list_outbox(OutboxState::kPending, SIZE_MAX);
  REQUIRE(again.ok());
  CHECK(keys_of(*again) == std::vector<std::string>{"other", "old"});
}
