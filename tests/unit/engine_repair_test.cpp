// What a human settles and what leaves: a conflict resolved by keep or merge (nothing of the
// twins, memberships included, is written before), an erasure (forget) that no later pass
// undoes, and a person leaving (registrations for events to come cancelled, past ones kept).
#include "core/engine/field_hash.hpp"
#include "core/engine/repair.hpp"
#include "tests/unit/engine_harness.hpp"

using namespace coopsync;
using coopsync::testing::EngineHarness;

namespace {
nlohmann::json twin_person(const std::string& given = "Ana") {
  return {{"given_name", given}, {"family_name", "Martin"}, {"display_name", given + " Martin"},
          {"email", "ana.martin@coop.example"}, {"phone", "06 12 34 56 78"}, {"active", true}};
}

struct Twins {
  std::string a, b, group;
};

// Two ERP partners sharing an email, both members of one group.
Twins add_twins(EngineHarness& h) {
  Twins t;
  t.group = h.erp.add(EntityKind::kGroup, {{"name", "Lyon"}, {"slug", "lyon"}});
  t.a = h.erp.add(EntityKind::kPerson, twin_person());
  t.b = h.erp.add(EntityKind::kPerson, twin_person("Anna"));
  h.erp.add(EntityKind::kMembership, {{"person", t.a}, {"group", t.group}, {"role", "member"}});
  h.erp.add(EntityKind::kMembership, {{"person", t.b}, {"group", t.group}, {"role", "member"}});
  return t;
}

std::string entity_of(store::Store& store, const std::string& system, const std::string& external_id) {
  auto link = store.find_link(system, EntityKind::kPerson, external_id);
  REQUIRE(link.ok());
  REQUIRE(link->has_value());
  return (*link)->entity_id;
}

store::Conflict only_conflict(store::Store& store) {
  auto open = store.list_conflicts(false);
  REQUIRE(open.ok());
  REQUIRE(open->size() == 1);
  return open->front();
}

engine::PassReport forget(EngineHarness& h, const std::string& entity) {
  return h.with_engine([&](engine::Engine& eng, store::Store&, const config::Config&) {
    auto report = eng.forget(entity);
    if (!report.ok()) FAIL(report.error().describe());
    return *report;
  });
}
}  // namespace

TEST_CASE("ambiguous: nothing of either twin is planned, memberships included, until keep settles it") {
  EngineHarness h;
  const Twins t = add_twins(h);
  auto first = h.pass();
  CHECK(first.conflicts == 1);
  CHECK(h.cloud.live(EntityKind::kPerson).empty());
  CHECK(h.cloud.live(EntityKind::kMembership).empty());
  CHECK(first.pending == 0);  // nothing of theirs waits in the outbox to fail again and again
  CHECK(h.pass().pending == 0);

  {
    auto store = h.open_store();
    const auto conflict = only_conflict(*store);
    REQUIRE(engine::resolve_keep(*store, conflict.id, entity_of(*store, "erp", t.a)).ok());
  }
  auto settled = h.pass();
  CHECK(settled.open_conflicts == 0);
  auto people = h.cloud.live(EntityKind::kPerson);
  REQUIRE(people.size() == 1);
  CHECK(people.begin().value()["given_name"] == "Ana");
  auto members = h.cloud.live(EntityKind::kMembership);
  REQUIRE(members.size() == 1);  // the kept twin's; the other's is never projected
  CHECK(members.begin().value()["person"] == people.begin().key());
  CHECK(settled.pending == 0);
  CHECK(settled.dead_letters == 0);
  auto again = h.pass();
  CHECK(again.total_writes() == 0);
  CHECK(again.pending == 0);
}

TEST_CASE("ambiguous: merge settles it into one person with one membership") {
  EngineHarness h;
  const Twins t = add_twins(h);
  h.pass();
  {
    auto store = h.open_store();
    const auto conflict = only_conflict(*store);
    REQUIRE(engine::resolve_merge(*store, conflict.id, entity_of(*store, "erp", t.a), entity_of(*store, "erp", t.b)).ok());
  }
  auto settled = h.pass();
  CHECK(h.cloud.live(EntityKind::kPerson).size() == 1);
  CHECK(h.cloud.live(EntityKind::kMembership).size() == 1);
  CHECK(settled.pending == 0);
  CHECK(h.pass().total_writes() == 0);
}

TEST_CASE("forget: erased everywhere, only a salted hash left, never imported again") {
  EngineHarness h;
  const auto id = h.erp.add(EntityKind::kPerson, twin_person());
  const auto group = h.erp.add(EntityKind::kGroup, {{"name", "Lyon"}, {"slug", "lyon"}});
  h.erp.add(EntityKind::kMembership, {{"person", id}, {"group", group}, {"role", "member"}});
  h.pass();
  REQUIRE(h.cloud.live(EntityKind::kPerson).size() == 1);
  std::string entity;
  {
    auto store = h.open_store();
    entity = entity_of(*store, "erp", id);
  }
  auto report = forget(h, entity);
  CHECK(report.pending == 0);
  CHECK(h.erp.live(EntityKind::kPerson).empty());
  CHECK(h.cloud.live(EntityKind::kPerson).empty());
  CHECK(h.cloud.live(EntityKind::kMembership).empty());
  {
    auto store = h.open_store();
    auto gone = store->get_entity(entity);
    REQUIRE(gone.ok());
    CHECK_FALSE(gone->has_value());
    auto salt = store->salt();
    REQUIRE(salt.ok());
    auto hashed = store->is_forgotten(engine::hash_text(*salt + "|email|ana.martin@coop.example"));
    REQUIRE(hashed.ok());
    CHECK(*hashed);
    auto matches = store->match_identity(EntityKind::kPerson, "email", "ana.martin@coop.example");
    REQUIRE(matches.ok());
    CHECK(matches->empty());
  }
  // A copy left somewhere (a backup restored, an account typed again by hand) is not
  // imported as somebody new.
  h.cloud.add(EntityKind::kPerson, {{"display_name", "Ana M"}, {"email", "ana.martin@coop.example"}, {"active", true}});
  auto after = h.pass();
  CHECK(after.new_entities == 0);
  CHECK(h.erp.live(EntityKind::kPerson).empty());
  CHECK(h.pass().total_writes() == 0);
}

TEST_CASE("leaving: registrations for events to come are cancelled, those of past events kept") {
  EngineHarness h;
  h.kinds_supported = "[person, group, membership, event, registration]";
  h.more_kinds = "      event: {}\n      registration: {}\n";
  const auto id = h.erp.add(EntityKind::kPerson, twin_person());
  const auto past = h.erp.add(EntityKind::kEvent, {{"title", "AG 2020"}, {"start", "2020-03-06T09:00:00Z"},
                                                   {"end", "2020-03-06T11:00:00Z"}, {"timezone", "Europe/Paris"}});
  const auto future = h.erp.add(EntityKind::kEvent, {{"title", "AG 2099"}, {"start", "2099-03-06T09:00:00Z"},
                                                     {"end", "2099-03-06T11:00:00Z"}, {"timezone", "Europe/Paris"}});
  h.erp.add(EntityKind::kRegistration, {{"person", id}, {"event", past}, {"status", "attended"}});
  h.erp.add(EntityKind::kRegistration, {{"person", id}, {"event", future}, {"status", "registered"}});
  h.pass();
  REQUIRE(h.cloud.live(EntityKind::kRegistration).size() == 2);

  h.erp.edit(EntityKind::kPerson, id, {{"active", false}});
  auto left = h.pass();
  CHECK(h.cloud.live(EntityKind::kPerson).begin().value()["active"] == false);
  auto regs = h.cloud.live(EntityKind::kRegistration);
  REQUIRE(regs.size() == 1);  // the testfile cannot disable a registration: deleted per policy
  const auto cloud_events = h.cloud.live(EntityKind::kEvent);
  std::string past_in_cloud;
  for (const auto& [eid, e] : cloud_events.items()) {
    if (e["title"] == "AG 2020") past_in_cloud = eid;
  }
  CHECK(regs.begin().value()["event"] == past_in_cloud);
  CHECK(left.pending == 0);
  CHECK(h.pass().total_writes() == 0);
}

TEST_CASE("forget where the policy anonymises: the record stays there, anonymised, and is not imported again") {
  EngineHarness h;
  h.cloud_extra = "    forget: anonymize\n";
  const auto id = h.erp.add(EntityKind::kPerson, twin_person());
  h.pass();
  const auto cloud_id = h.cloud.live(EntityKind::kPerson).begin().key();
  std::string entity;
  {
    auto store = h.open_store();
    entity = entity_of(*store, "erp", id);
  }
  CHECK(forget(h, entity).pending == 0);
  auto cloud = h.cloud.live(EntityKind::kPerson);
  REQUIRE(cloud.size() == 1);  // anonymised in place
  CHECK(cloud[cloud_id]["email"].is_null());
  CHECK(cloud[cloud_id]["active"] == false);
  CHECK(cloud[cloud_id]["display_name"] != "Ana Martin");
  {
    auto store = h.open_store();
    auto link = store->find_link("cloud", EntityKind::kPerson, cloud_id);
    REQUIRE(link.ok());
    CHECK_FALSE(link->has_value());  // only a salted hash of its id remains
    auto outbox = store->list_outbox(std::nullopt, 1000);
    REQUIRE(outbox.ok());
    for (const auto& e : *outbox) CHECK(e.write.entity_id != entity);  // payloads gone with the data
    auto audit = store->audit_of(entity);
    REQUIRE(audit.ok());
    for (const auto& a : *audit) CHECK(a.details == nlohmann::json{{"erased", true}});
  }
  // The anonymised record is listed again (full listing): not a new person.
  {
    auto state = h.cloud.load();
    state["records"]["person"][cloud_id]["seq"] = state["seq"].get<int>() + 1;
    state["seq"] = state["seq"].get<int>() + 1;
    h.cloud.save(state);
  }
  auto after = h.pass();
  CHECK(after.new_entities == 0);
  CHECK(h.erp.live(EntityKind::kPerson).empty());
  CHECK(h.pass().total_writes() == 0);
}
