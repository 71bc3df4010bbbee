// Snapshots, cursors, conflicts, audit, connector state, leases, forgotten hashes, salt.
#include "core/store/lease_holder.hpp"
#include "tests/unit/store_test_util.hpp"

#include <sys/wait.h>
#include <unistd.h>

using namespace coopsync;
using namespace coopsync::store;
using coopsync::store::testing::at_ms;
using coopsync::store::testing::raw_query;
using coopsync::store::testing::TempStore;

namespace {

Conflict shared_email(const std::vector<std::string>& candidates) {
  Conflict c;
  c.kind = EntityKind::kPerson;
  c.system = "odoo";
  c.external_id = "42";
  c.candidates = candidates;
  c.reason = "two partners share email ana@coop.example";
  c.details = {{"email", "ana@coop.example"}};
  return c;
}

}  // namespace

TEST_CASE("snapshots: put, overwrite, list by kind; unknown entity and bad UTF-8 refused") {
  TempStore t;
  std::string ana = t.store->create_entity(EntityKind::kPerson)->id;
  std::string group = t.store->create_entity(EntityKind::kGroup)->id;
  CHECK_FALSE(t.store->get_snapshot(ana)->has_value());

  Snapshot snap;
  snap.entity_id = ana;
  snap.kind = EntityKind::kPerson;
  snap.fields = {{"email", "ana@coop.example"}, {"phone", nullptr}, {"active", true}};
  REQUIRE(t.store->put_snapshot(snap).ok());
  snap.fields["phone"] = "+33612345678";
  REQUIRE(t.store->put_snapshot(snap).ok());
  Snapshot g;
  g.entity_id = group;
  g.kind = EntityKind::kGroup;
  g.fields = {{"name", "Bureau"}};
  REQUIRE(t.store->put_snapshot(g).ok());

  auto got = t.store->get_snapshot(ana);
  REQUIRE(got.ok());
  REQUIRE(got->has_value());
  CHECK((*got)->fields == snap.fields);
  CHECK((*got)->updated_at == t.clock);
  auto people = t.store->snapshots_of(EntityKind::kPerson);
  REQUIRE(people->size() == 1);
  CHECK(people->front().entity_id == ana);

  snap.entity_id = "ghost";
  CHECK(t.store->put_snapshot(snap).error().kind == ErrorKind::kNotFound);
  snap.entity_id = ana;
  snap.fields = {{"name", std::string("\xff\xfe")}};
  CHECK(t.store->put_snapshot(snap).error().kind == ErrorKind::kInvalidInput);
}

TEST_CASE("cursors: empty until set, overwritten, kept across reopen") {
  TempStore t;
  CHECK(t.store->get_cursor("odoo", "person")->empty());
  REQUIRE(t.store->set_cursor("odoo", "person", "2026-03-01 10:00:00").ok());
  REQUIRE(t.store->set_cursor("odoo", "person", "2026-03-02 10:00:00").ok());
  REQUIRE(t.store->set_cursor("odoo", "event", "e1").ok());
  t.reopen();
  CHECK(*t.store->get_cursor("odoo", "person") == "2026-03-02 10:00:00");
  CHECK(*t.store->get_cursor("odoo", "event") == "e1");
  CHECK(t.store->get_cursor("matrix", "person")->empty());
}

TEST_CASE("conflicts: add, list open, refresh instead of duplicate, resolve") {
  TempStore t;
  auto id = t.store->add_conflict(shared_email({"e1", "e2"}));
  REQUIRE(id.ok());
  auto got = t.store->get_conflict(*id);
  REQUIRE(got->has_value());
  CHECK((*got)->candidates == std::vector<std::string>{"e1", "e2"});
  CHECK((*got)->details == nlohmann::json({{"email", "ana@coop.example"}}));
  CHECK((*got)->reason == "two partners share email ana@coop.example");
  CHECK_FALSE((*got)->resolved);
  CHECK((*got)->created_at == t.clock);

  // The next pass raises it again with a third candidate: same conflict, refreshed.
  auto again = t.store->add_conflict(shared_email({"e1", "e2", "e3"}));
  REQUIRE(again.ok());
  CHECK(*again == *id);
  CHECK((*t.store->get_conflict(*id))->candidates.size() == 3);
  auto other = shared_email({"e4", "e5"});
  other.external_id = "43";
  auto other_id = t.store->add_conflict(other);
  REQUIRE(other_id.ok());
  CHECK(*other_id != *id);
  CHECK(t.store->list_conflicts(false)->size() == 2);

  REQUIRE(t.store->resolve_conflict(*id, "keep e1").ok());
  auto open = t.store->list_conflicts(false);
  REQUIRE(open->size() == 1);
  CHECK(open->front().id == *other_id);
  auto all = t.store->list_conflicts(true);
  REQUIRE(all->size() == 2);
  CHECK(all->front().resolved);
  CHECK(all->front().resolution == "keep e1");

  CHECK(t.store->resolve_conflict(*id, "keep e2").error().kind == ErrorKind::kInvalidInput);
  CHECK(t.store->resolve_conflict(9999, "keep e2").error().kind == ErrorKind::kNotFound);
  CHECK_FALSE(t.store->get_conflict(9999)->has_value());
  // Raised again after its resolution: a new conflict.
  auto reopened = t.store->add_conflict(shared_email({"e1", "e2"}));
  REQUIRE(reopened.ok());
  CHECK(*reopened != *id);
}

TEST_CASE("audit: appended in order per entity, and the file refuses UPDATE and DELETE") {
  TempStore t;
  AuditEntry first;
  first.entity_id = "e1";
  first.action = "create";
  first.from_system = "odoo";
  first.to_system = "nextcloud";
  first.details = {{"after", {{"email", "ana@coop.example"}}}};
  REQUIRE(t.store->append_audit(first).ok());
  AuditEntry second = first;
  second.action = "update";
  second.at = at_ms(1234);
  REQUIRE(t.store->append_audit(second).ok());
  AuditEntry unrelated = first;
  unrelated.entity_id = "e2";
  REQUIRE(t.store->append_audit(unrelated).ok());

  auto trail = t.store->audit_of("e1");
  REQUIRE(trail.ok());
  REQUIRE(trail->size() == 2);
  CHECK((*trail)[0].action == "create");
  CHECK((*trail)[0].at == t.clock);
  CHECK((*trail)[0].details == first.details);
  CHECK((*trail)[0].from_system == "odoo");
  CHECK((*trail)[0].to_system == "nextcloud");
  CHECK((*trail)[1].action == "update");
  CHECK((*trail)[1].at == at_ms(1234));
  CHECK((*trail)[0].id < (*trail)[1].id);

  int rc = 0;
  raw_query(t.path, "UPDATE audit SET action = 'tampered'", &rc);
  CHECK(rc != SQLITE_OK);
  raw_query(t.path, "DELETE FROM audit", &rc);
  CHECK(rc != SQLITE_OK);
  CHECK(t.store->audit_of("e1")->size() == 2);
}

TEST_CASE("erase_personal_data erases every entity it is given in one call") {
  TempStore t;
  AuditEntry entry;
  entry.action = "create";
  entry.details = {{"after", {{"email", "bo@coop.example"}}}};
  for (const char* id : {"person", "membership", "bystander"}) {
    entry.entity_id = id;
    REQUIRE(t.store->append_audit(entry).ok());
  }
  REQUIRE(t.store->erase_personal_data({"person", "membership"}).ok());
  CHECK(t.store->audit_of("person")->front().details == nlohmann::json({{"erased", true}}));
  CHECK(t.store->audit_of("membership")->front().details == nlohmann::json({{"erased", true}}));
  CHECK(t.store->audit_of("bystander")->front().details == entry.details);
}

TEST_CASE("erase_personal_data blanks the details of one entity's audit, nothing else") {
  TempStore t;
  AuditEntry entry;
  entry.entity_id = "e1";
  entry.action = "update";
  entry.from_system = "odoo";
  entry.details = {{"before", {{"email", "ana@coop.example"}}}};
  REQUIRE(t.store->append_audit(entry).ok());
  REQUIRE(t.store->append_audit(entry).ok());
  entry.entity_id = "e2";
  REQUIRE(t.store->append_audit(entry).ok());

  REQUIRE(t.store->erase_personal_data({"e1"}).ok());
  auto erased = t.store->audit_of("e1");
  REQUIRE(erased->size() == 2);
  for (const auto& e : *erased) {
    CHECK(e.details == nlohmann::json({{"erased", true}}));
    CHECK(e.action == "update");  // what happened stays; whose data it was goes
    CHECK(e.from_system == "odoo");
  }
  CHECK(t.store->audit_of("e2")->front().details == entry.details);
  REQUIRE(t.store->erase_personal_data({"e1"}).ok());  // again: nothing left to erase, still ok

  // The exception is exactly that one: any other change is still refused by the file.
  int rc = 0;
  raw_query(t.path, "UPDATE audit SET details = '{}' WHERE entity_id = 'e2'", &rc);
  CHECK(rc != SQLITE_OK);
  raw_query(t.path, "UPDATE audit SET action = 'x', details = '{\"erased\":true}' WHERE entity_id = 'e2'", &rc);
  CHECK(rc != SQLITE_OK);
  CHECK(t.store->audit_of("e2")->front().details == entry.details);
}

TEST_CASE("connector state: per system, durable across reopen") {
  TempStore t;
  {
    auto odoo = t.store->state_for("odoo");
    auto matrix = t.store->state_for("matrix");
    CHECK_FALSE(odoo->get("token").has_value());
    REQUIRE(odoo->put("token", "t-1").ok());
    REQUIRE(odoo->put("token", "t-2").ok());
    REQUIRE(matrix->put("next_batch", "s42").ok());
    CHECK(odoo->get("token") == std::optional<std::string>("t-2"));
    CHECK_FALSE(matrix->get("token").has_value());
  }
  t.reopen();
  CHECK(t.store->state_for("odoo")->get("token") == std::optional<std::string>("t-2"));
  CHECK(t.store->state_for("matrix")->get("next_batch") == std::optional<std::string>("s42"));
}

TEST_CASE("leases: one holder at a time across connections, renewal, expiry, release") {
  TempStore t;
  auto other = t.second();
  using std::chrono::seconds;

  CHECK(*t.store->try_lease("pass:odoo", "replica-a", seconds(30)));
  CHECK_FALSE(*other->try_lease("pass:odoo", "replica-b", seconds(30)));
  CHECK(*other->try_lease("pass:matrix", "replica-b", seconds(30)));  // another name is free

  t.clock += seconds(20);
  CHECK(*t.store->try_lease("pass:odoo", "replica-a", seconds(30)));  // renewed until +50 s
  t.clock += seconds(20);                                              // +40 s: still held
  CHECK_FALSE(*other->try_lease("pass:odoo", "replica-b", seconds(30)));
  t.clock += seconds(10);                                              // +50 s: expired
  CHECK(*other->try_lease("pass:odoo", "replica-b", seconds(30)));
  CHECK_FALSE(*t.store->try_lease("pass:odoo", "replica-a", seconds(30)));

  REQUIRE(t.store->release_lease("pass:odoo", "replica-a").ok());  // not ours: no effect
  CHECK_FALSE(*t.store->try_lease("pass:odoo", "replica-a", seconds(30)));
  REQUIRE(other->release_lease("pass:odoo", "replica-b").ok());
  CHECK(*t.store->try_lease("pass:odoo", "replica-a", seconds(30)));

  CHECK(t.store->try_lease("pass:odoo", "replica-a", seconds(0)).error().kind ==
        ErrorKind::kInvalidInput);
}

TEST_CASE("leases: a holder killed mid-pass on this host frees its lease at once") {
  TempStore t;
  auto other = t.second();
  using std::chrono::seconds;
  // A process that has exited (and was reaped): what a SIGKILLed `coopsync sync` leaves.
  const pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) ::_exit(0);
  int status = 0;
  REQUIRE(::waitpid(child, &status, 0) == child);
  const std::string host = local_holder("x").substr(2, local_holder("x").rfind('#') - 2);
  const std::string dead = "cli@" + host + "#" + std::to_string(child);
  CHECK(holder_is_gone(dead));
  CHECK(*t.store->try_lease("pass", dead, seconds(3600)));
  CHECK(*other->try_lease("pass", local_holder("cli"), seconds(3600)));  // taken over

  // A live holder of this host (our parent), one of another host, any other name: kept.
  const std::string live = "daemon@" + host + "#" + std::to_string(::getppid());
  CHECK_FALSE(holder_is_gone(live));
  CHECK_FALSE(holder_is_gone("cli@elsewhere.example#" + std::to_string(child)));
  CHECK_FALSE(holder_is_gone("replica-a"));
  CHECK_FALSE(holder_is_gone("cli@" + host + "#abc"));
  REQUIRE(other->release_lease("pass", local_holder("cli")).ok());
  for (const std::string& holder : {live, "cli@elsewhere.example#" + std::to_string(child)}) {
    CHECK(*t.store->try_lease("pass", holder, seconds(3600)));
    CHECK_FALSE(*other->try_lease("pass", local_holder("cli"), seconds(3600)));
    REQUIRE(t.store->release_lease("pass", holder).ok());
  }
}

TEST_CASE("forgotten hashes are recorded once and survive a reopen") {
  TempStore t;
  CHECK_FALSE(*t.store->is_forgotten("abc123"));
  REQUIRE(t.store->add_forgotten("abc123").ok());
  REQUIRE(t.store->add_forgotten("abc123").ok());
  CHECK(*t.store->is_forgotten("abc123"));
  CHECK_FALSE(*t.store->is_forgotten("abc124"));
  CHECK(t.store->add_forgotten("").error().kind == ErrorKind::kInvalidInput);
  t.reopen();
  CHECK(*t.store->is_forgotten("abc123"));
}

TEST_CASE("the salt is 32 random bytes in hex, stable for a store, different between stores") {
  TempStore t;
  auto salt = t.store->salt();
  REQUIRE(salt.ok());
  CHECK(salt->size() == 64);
  CHECK(salt->find_first_not_of("0123456789abcdef") == std::string::npos);
  t.reopen();
  CHECK(*t.store->salt() == *salt);
  TempStore u;
  CHECK(*u.store->salt() != *salt);
}
