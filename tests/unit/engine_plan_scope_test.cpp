// Planning marks: the store marks an entity whenever what its plan is made of changes, and a
// pass plans the marked entities (and what joins them) rather than every entity. These
// cases check the outcome stays that of a plan of everything, and the marks' lifecycle.
#include "tests/unit/engine_harness.hpp"
#include "tests/unit/store_test_util.hpp"

using namespace coopsync;
using coopsync::testing::EngineHarness;

namespace {

nlohmann::json scope_ana() {
  return {{"given_name", "Ana"}, {"family_name", "Martin"}, {"display_name", "Ana Martin"},
          {"email", "ana.martin@coop.example"}, {"phone", "06 12 34 56 78"}, {"active", true}};
}

std::size_t marks_left(EngineHarness& h) { return h.open_store()->plan_marks()->size(); }

}  // namespace

TEST_CASE("an idle pass leaves nothing marked; a person who leaves takes her membership along") {
  EngineHarness h;
  const auto person = h.erp.add(EntityKind::kPerson, scope_ana());
  const auto bob = h.erp.add(EntityKind::kPerson, {{"given_name", "Bob"}, {"family_name", "Roux"},
                                                   {"display_name", "Bob Roux"},
                                                   {"email", "bob@coop.example"}, {"active", true}});
  const auto group = h.erp.add(EntityKind::kGroup, {{"name", "Lyon"}, {"slug", "lyon"}});
  h.erp.add(EntityKind::kMembership, {{"person", person}, {"group", group}, {"role", "member"}});
  h.erp.add(EntityKind::kMembership, {{"person", bob}, {"group", group}, {"role", "member"}});
  CHECK(h.pass().systems["cloud"].created == 5);
  // The links the writes made were planned again right after them: nothing left to plan.
  CHECK(marks_left(h) == 0);
  auto idle = h.pass();
  CHECK(idle.total_writes() == 0);
  CHECK(idle.systems["cloud"].planned + idle.systems["erp"].planned == 0);
  CHECK(marks_left(h) == 0);

  // Only the person changes in the ERP; her membership is planned because it joins her.
  h.erp.edit(EntityKind::kPerson, person, {{"active", false}});
  auto left = h.pass();
  CHECK(left.systems["cloud"].disabled + left.systems["cloud"].deleted == 2);  // account, membership
  CHECK(h.cloud.live(EntityKind::kMembership).size() == 1);  // Bob's stays
  CHECK(marks_left(h) == 0);
  CHECK(h.pass().total_writes() == 0);
}

TEST_CASE("a pass restricted to some systems keeps the marks for the others") {
  EngineHarness h;
  h.erp.add(EntityKind::kPerson, scope_ana());
  h.pass();
  h.erp.add(EntityKind::kPerson, {{"given_name", "Bob"}, {"family_name", "Roux"}, {"display_name", "Bob Roux"},
                                  {"email", "bob@coop.example"}, {"active", true}});
  engine::PassOptions only_erp;
  only_erp.only_systems = {"erp"};
  CHECK(h.pass(only_erp).total_writes() == 0);
  CHECK(marks_left(h) == 1);  // Bob, read but planned for the ERP only
  auto next = h.pass();  // plans the marks only: Bob is among them
  CHECK(next.systems["cloud"].created == 1);
  CHECK(h.cloud.live(EntityKind::kPerson).size() == 2);
  CHECK(marks_left(h) == 0);
}

TEST_CASE("the store marks what a plan is made of, not a rewrite of the same state") {
  coopsync::store::testing::TempStore t;
  auto& s = *t.store;
  const auto id = s.create_entity(EntityKind::kPerson)->id;
  CHECK(s.plan_marks()->empty());  // an entity with nothing to plan yet
  store::Snapshot snap;
  snap.entity_id = id;
  snap.kind = EntityKind::kPerson;
  snap.fields = {{"email", "ana@coop.example"}};
  REQUIRE(s.put_snapshot(snap).ok());
  const auto only = [&](bool joins) {
    auto m = s.plan_marks();
    REQUIRE(m.ok());
    REQUIRE(m->size() == 1);
    CHECK(m->front().entity_id == id);
    CHECK(m->front().kind == EntityKind::kPerson);
    CHECK(m->front().joins == joins);
  };
  only(true);
  const auto cleared = [&] {
    REQUIRE(s.clear_plan_marks({id}).ok());
    CHECK(s.plan_marks()->empty());
  };
  cleared();
  REQUIRE(s.put_snapshot(snap).ok());  // the same content again
  CHECK(s.plan_marks()->empty());

  store::Link link;
  link.system = "cloud";
  link.kind = EntityKind::kPerson;
  link.external_id = "ana";
  link.entity_id = id;
  REQUIRE(s.insert_link(link).ok());
  only(true);  // a link made: what joins her may now land there
  cleared();
  REQUIRE(s.update_link_state("cloud", EntityKind::kPerson, "ana", "v2", "").ok());
  CHECK(s.plan_marks()->empty());  // the version alone: read again, unchanged
  REQUIRE(s.update_link_state("cloud", EntityKind::kPerson, "ana", "v2", "{\"email\":\"x\"}").ok());
  only(false);  // what the system holds changed: her plan, not what joins her
  REQUIRE(s.delete_link("cloud", EntityKind::kPerson, "ana").ok());
  only(true);
  cleared();

  store::Conflict c;
  c.kind = EntityKind::kPerson;
  c.system = "erp";
  c.external_id = "7";
  c.candidates = {id, "not-an-entity"};
  c.reason = "two partners share ana@coop.example";
  auto conflict = s.add_conflict(c);
  REQUIRE(conflict.ok());
  only(true);
  cleared();
  REQUIRE(s.resolve_conflict(*conflict, "keep " + id).ok());
  only(true);  // settled: planned again, now unblocked
  cleared();
  REQUIRE(s.mark_merged(id, "!ignored").ok());
  only(true);
}
