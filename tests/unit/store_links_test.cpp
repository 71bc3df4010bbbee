// Entities, links (unique both ways) and identity keys of the SQLite mapping store.
#include "core/util/uuid.hpp"
#include "tests/unit/store_test_util.hpp"

#include <algorithm>

using namespace coopsync;
using namespace coopsync::store;
using coopsync::store::testing::TempStore;

namespace {

Link make_link(const std::string& system, const std::string& external_id, const std::string& entity_id,
               EntityKind kind = EntityKind::kPerson) {
  Link link;
  link.system = system;
  link.kind = kind;
  link.external_id = external_id;
  link.entity_id = entity_id;
  link.version = "v1";
  link.hash = "h1";
  link.rule = "email";
  link.matched_value = "ana@coop.example";
  return link;
}

std::string new_person(Store& store) {
  auto e = store.create_entity(EntityKind::kPerson);
  REQUIRE(e.ok());
  return e->id;
}

}  // namespace

TEST_CASE("create_entity mints a UUID v4 and get_entity reads it back") {
  TempStore t;
  auto created = t.store->create_entity(EntityKind::kEvent);
  REQUIRE(created.ok());
  CHECK(util::looks_like_uuid(created->id));
  CHECK(created->id[14] == '4');
  auto read = t.store->get_entity(created->id);
  REQUIRE(read.ok());
  REQUIRE(read->has_value());
  CHECK((*read)->kind == EntityKind::kEvent);
  CHECK((*read)->merged_into.empty());
  CHECK((*read)->created_at == t.clock);
  auto other = t.store->create_entity(EntityKind::kEvent);
  REQUIRE(other.ok());
  CHECK(other->id != created->id);

  auto missing = t.store->get_entity("no-such-id");
  REQUIRE(missing.ok());
  CHECK_FALSE(missing->has_value());
}

TEST_CASE("mark_merged records the survivor and refuses unknown or identical ids") {
  TempStore t;
  std::string a = new_person(*t.store);
  std::string b = new_person(*t.store);
  REQUIRE(t.store->mark_merged(a, b).ok());
  CHECK((*t.store->get_entity(a))->merged_into == b);
  CHECK((*t.store->get_entity(b))->merged_into.empty());
  CHECK(t.store->mark_merged(a, "ghost").error().kind == ErrorKind::kNotFound);
  CHECK(t.store->mark_merged("ghost", b).error().kind == ErrorKind::kNotFound);
  CHECK(t.store->mark_merged(b, b).error().kind == ErrorKind::kInvalidInput);
}

TEST_CASE("mark_merged retires an entity into a reserved '!' marker, with no survivor") {
  TempStore t;
  std::string a = new_person(*t.store);
  REQUIRE(t.store->mark_merged(a, "!ignored").ok());
  CHECK((*t.store->get_entity(a))->merged_into == "!ignored");
  CHECK(t.store->mark_merged("ghost", "!forgotten").error().kind == ErrorKind::kNotFound);
}

TEST_CASE("a link round-trips with its rule and matched value, found from either side") {
  TempStore t;
  std::string id = new_person(*t.store);
  REQUIRE(t.store->insert_link(make_link("odoo", "42", id)).ok());

  auto found = t.store->find_link("odoo", EntityKind::kPerson, "42");
  REQUIRE(found.ok());
  REQUIRE(found->has_value());
  const Link& link = **found;
  CHECK(link.entity_id == id);
  CHECK(link.version == "v1");
  CHECK(link.hash == "h1");
  CHECK(link.rule == "email");
  CHECK(link.matched_value == "ana@coop.example");
  CHECK(link.created_at == t.clock);

  auto of = t.store->link_of(id, "odoo");
  REQUIRE(of.ok());
  REQUIRE(of->has_value());
  CHECK((*of)->external_id == "42");
  CHECK_FALSE(t.store->link_of(id, "nextcloud")->has_value());
  CHECK_FALSE(t.store->find_link("odoo", EntityKind::kPerson, "43")->has_value());
  // The same external id under another kind is another record (another Odoo model).
  CHECK_FALSE(t.store->find_link("odoo", EntityKind::kGroup, "42")->has_value());
}

TEST_CASE("links are unique both ways: a taken external id or a taken (entity, system) is kConflict") {
  TempStore t;
  std::string ana = new_person(*t.store);
  std::string bob = new_person(*t.store);
  REQUIRE(t.store->insert_link(make_link("odoo", "42", ana)).ok());

  auto same_external = t.store->insert_link(make_link("odoo", "42", bob));
  REQUIRE_FALSE(same_external.ok());
  CHECK(same_external.error().kind == ErrorKind::kConflict);
  CHECK(same_external.error().message.find("odoo person 42 is already linked (entity " + ana) !=
        std::string::npos);

  auto same_entity = t.store->insert_link(make_link("odoo", "43", ana));
  REQUIRE_FALSE(same_entity.ok());
  CHECK(same_entity.error().kind == ErrorKind::kConflict);
  CHECK(same_entity.error().message.find("already has a odoo link (external id 42)") !=
        std::string::npos);

  // Nothing of the refused links was stored.
  CHECK(t.store->find_link("odoo", EntityKind::kPerson, "42")->value().entity_id == ana);
  CHECK_FALSE(t.store->find_link("odoo", EntityKind::kPerson, "43")->has_value());
  // Another system, or the same external id in another kind, is free.
  CHECK(t.store->insert_link(make_link("nextcloud", "ana", ana)).ok());
  std::string group = t.store->create_entity(EntityKind::kGroup)->id;
  CHECK(t.store->insert_link(make_link("odoo", "42", group, EntityKind::kGroup)).ok());
}

TEST_CASE("the unique constraints decide across connections, not a cached read") {
  TempStore t;
  auto other = t.second();
  std::string ana = new_person(*t.store);
  std::string bob = new_person(*other);
  // Both connections see no link yet, then both insert: exactly one wins.
  CHECK_FALSE(t.store->find_link("matrix", EntityKind::kPerson, "@ana:coop")->has_value());
  CHECK_FALSE(other->find_link("matrix", EntityKind::kPerson, "@ana:coop")->has_value());
  REQUIRE(t.store->insert_link(make_link("matrix", "@ana:coop", ana)).ok());
  auto lost = other->insert_link(make_link("matrix", "@ana:coop", bob));
  REQUIRE_FALSE(lost.ok());
  CHECK(lost.error().kind == ErrorKind::kConflict);
}

TEST_CASE("insert_link refuses an unknown entity and incomplete links") {
  TempStore t;
  auto unknown = t.store->insert_link(make_link("odoo", "1", "not-an-entity"));
  REQUIRE_FALSE(unknown.ok());
  CHECK(unknown.error().kind == ErrorKind::kNotFound);
  auto incomplete = t.store->insert_link(make_link("odoo", "", new_person(*t.store)));
  REQUIRE_FALSE(incomplete.ok());
  CHECK(incomplete.error().kind == ErrorKind::kInvalidInput);
}

TEST_CASE("links_of, links_in, update_link_state and delete_link") {
  TempStore t;
  std::string ana = new_person(*t.store);
  std::string bob = new_person(*t.store);
  REQUIRE(t.store->insert_link(make_link("odoo", "2", ana)).ok());
  REQUIRE(t.store->insert_link(make_link("nextcloud", "ana", ana)).ok());
  REQUIRE(t.store->insert_link(make_link("odoo", "1", bob)).ok());

  auto of_ana = t.store->links_of(ana);
  REQUIRE(of_ana.ok());
  REQUIRE(of_ana->size() == 2);
  CHECK((*of_ana)[0].system == "nextcloud");
  CHECK((*of_ana)[1].system == "odoo");

  auto in_odoo = t.store->links_in("odoo", EntityKind::kPerson);
  REQUIRE(in_odoo.ok());
  REQUIRE(in_odoo->size() == 2);
  CHECK((*in_odoo)[0].external_id == "1");
  CHECK((*in_odoo)[1].external_id == "2");
  CHECK(t.store->links_in("odoo", EntityKind::kGroup)->empty());

  REQUIRE(t.store->update_link_state("odoo", EntityKind::kPerson, "2", "v9", "h9").ok());
  auto updated = t.store->find_link("odoo", EntityKind::kPerson, "2");
  CHECK((*updated)->version == "v9");
  CHECK((*updated)->hash == "h9");
  CHECK((*updated)->rule == "email");  // why it was linked does not change
  CHECK(t.store->update_link_state("odoo", EntityKind::kPerson, "77", "v", "h").error().kind ==
        ErrorKind::kNotFound);

  REQUIRE(t.store->delete_link("odoo", EntityKind::kPerson, "2").ok());
  CHECK_FALSE(t.store->find_link("odoo", EntityKind::kPerson, "2")->has_value());
  CHECK(t.store->delete_link("odoo", EntityKind::kPerson, "2").ok());  // idempotent: crash replays
  // After a split the entity may be linked to another record of that system.
  CHECK(t.store->insert_link(make_link("odoo", "3", ana)).ok());
}

TEST_CASE("delete_entity removes its links, snapshot and identity keys") {
  TempStore t;
  std::string ana = new_person(*t.store);
  std::string bob = new_person(*t.store);
  REQUIRE(t.store->insert_link(make_link("odoo", "2", ana)).ok());
  REQUIRE(t.store->insert_link(make_link("odoo", "3", bob)).ok());
  REQUIRE(t.store->set_identity_keys(ana, EntityKind::kPerson, {{"email", "ana@coop.example"}}).ok());
  Snapshot snap;
  snap.entity_id = ana;
  snap.fields = {{"email", "ana@coop.example"}};
  REQUIRE(t.store->put_snapshot(snap).ok());

  REQUIRE(t.store->delete_entity(ana).ok());
  CHECK_FALSE(t.store->get_entity(ana)->has_value());
  CHECK_FALSE(t.store->find_link("odoo", EntityKind::kPerson, "2")->has_value());
  CHECK_FALSE(t.store->get_snapshot(ana)->has_value());
  CHECK(t.store->match_identity(EntityKind::kPerson, "email", "ana@coop.example")->empty());
  CHECK(t.store->delete_entity(ana).ok());  // idempotent: crash replays
  CHECK(t.store->get_entity(bob)->has_value());  // nothing else went with it
  CHECK(t.store->find_link("odoo", EntityKind::kPerson, "3")->has_value());
}

TEST_CASE("identity keys: replaced as a whole, matched by kind, key and value") {
  TempStore t;
  std::string ana = new_person(*t.store);
  std::string bob = new_person(*t.store);
  REQUIRE(t.store->set_identity_keys(ana, EntityKind::kPerson,
                                     {{"email", "shared@coop.example"}, {"phone", "+33612345678"}})
              .ok());
  REQUIRE(t.store->set_identity_keys(bob, EntityKind::kPerson, {{"email", "shared@coop.example"}}).ok());

  auto both = t.store->match_identity(EntityKind::kPerson, "email", "shared@coop.example");
  REQUIRE(both.ok());
  CHECK(both->size() == 2);  // two candidates: the engine raises a conflict, never guesses
  CHECK(t.store->match_identity(EntityKind::kPerson, "phone", "+33612345678")->size() == 1);
  CHECK(t.store->match_identity(EntityKind::kGroup, "email", "shared@coop.example")->empty());

  // Replacing drops the old keys.
  REQUIRE(t.store->set_identity_keys(ana, EntityKind::kPerson, {{"email", "ana@coop.example"}}).ok());
  CHECK(t.store->match_identity(EntityKind::kPerson, "phone", "+33612345678")->empty());
  auto shared = t.store->match_identity(EntityKind::kPerson, "email", "shared@coop.example");
  REQUIRE(shared->size() == 1);
  CHECK(shared->front() == bob);

  // An entity merged away is no longer a candidate.
  REQUIRE(t.store->mark_merged(bob, ana).ok());
  CHECK(t.store->match_identity(EntityKind::kPerson, "email", "shared@coop.example")->empty());

  CHECK(t.store->set_identity_keys("ghost", EntityKind::kPerson, {{"email", "x@y.z"}}).error().kind ==
        ErrorKind::kNotFound);
}

TEST_CASE("snapshots_of and links_in by page of entity ids, as planning reads them") {
  TempStore t;
  std::vector<std::string> ids;
  for (int i = 0; i < 5; ++i) {
    ids.push_back(new_person(*t.store));
    Snapshot snap;
    snap.entity_id = ids.back();
    snap.kind = EntityKind::kPerson;
    snap.fields = {{"n", i}};
    REQUIRE(t.store->put_snapshot(snap).ok());
    REQUIRE(t.store->insert_link(make_link("odoo", std::to_string(10 + i), ids.back())).ok());
  }
  std::sort(ids.begin(), ids.end());
  std::vector<std::string> seen;
  std::string after;
  for (int pages = 0; pages < 10; ++pages) {
    auto page = t.store->snapshots_of(EntityKind::kPerson, after, 2);
    REQUIRE(page.ok());
    if (page->empty()) break;
    CHECK(page->size() <= 2);
    auto links = t.store->links_in("odoo", EntityKind::kPerson, after, page->back().entity_id);
    REQUIRE(links.ok());
    REQUIRE(links->size() == page->size());
    for (std::size_t i = 0; i < page->size(); ++i) {
      CHECK((*links)[i].entity_id == (*page)[i].entity_id);
      seen.push_back((*page)[i].entity_id);
    }
    after = page->back().entity_id;
  }
  CHECK(seen == ids);
  CHECK(t.store->snapshots_of(EntityKind::kGroup, "", 10)->empty());
  CHECK(t.store->links_in("nextcloud", EntityKind::kPerson, "", ids.back())->empty());
}
