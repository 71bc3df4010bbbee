// Groups (partner tags), memberships (category_id commands), events and registrations
// through the connector against the simulator, over both transports.
#include "tests/integration/odoo/odoo_sim_env.hpp"
#include "tests/support/result_text.hpp"

#include <doctest/doctest.h>

#include <map>

using coopsync::testing::error_text;

namespace coopsync::odoo::testing {
namespace {

const Flavour kFlavours[] = {{16, "xmlrpc"}, {19, "json2"}};

std::vector<ExternalRecord> drain(Connector& c, EntityKind kind, std::string& cursor) {
  std::vector<ExternalRecord> out;
  for (int guard = 0; guard < 1000; ++guard) {
    auto page = c.changes(kind, cursor, std::chrono::milliseconds(0));
    REQUIRE_MESSAGE(page.ok(), error_text(page));
    for (auto& r : page->records) out.push_back(std::move(r));
    cursor = page->cursor;
    if (!page->has_more) break;
  }
  return out;
}

Write make(EntityKind kind, WriteOp op, Fields fields, std::string external_id = "") {
  Write w;
  w.kind = kind;
  w.op = op;
  w.fields = std::move(fields);
  w.external_id = std::move(external_id);
  return w;
}

TEST_CASE("groups and memberships: tags, [4, id] and [3, id]") {
  for (const auto& f : kFlavours) {
    CAPTURE(f.version);
    OdooSim sim(f.version);
    auto c = make_connector(sim, f);
    auto g = c->apply({make(EntityKind::kGroup, WriteOp::kCreate, {{"name", "Région Nord"}, {"slug", "region-nord"}}),
                       make(EntityKind::kGroup, WriteOp::kCreate, {{"name", "Région Sud"}, {"slug", "region-sud"}})});
    REQUIRE_FALSE(g[0].error);
    REQUIRE_FALSE(g[1].error);
    auto p = c->apply({make(EntityKind::kPerson, WriteOp::kCreate, {{"display_name", "Ana Lopez"}, {"email", "ana@x.org"}})});
    REQUIRE_FALSE(p[0].error);
    // Adoption of a group by name.
    auto again = c->apply({make(EntityKind::kGroup, WriteOp::kCreate, {{"name", "Région Nord"}})});
    CHECK(again[0].adopted);
    CHECK(again[0].external_id == g[0].external_id);

    std::string gcursor;
    auto groups = drain(*c, EntityKind::kGroup, gcursor);
    REQUIRE(groups.size() == 2);  // the member tag is not a group
    CHECK(groups[0].fields["slug"] == "région-nord");

    sim.reset_stats();
    auto m = c->apply({make(EntityKind::kMembership, WriteOp::kCreate, {{"person", p[0].external_id}, {"group", g[0].external_id}, {"role", "member"}}),
                       make(EntityKind::kMembership, WriteOp::kCreate, {{"person", p[0].external_id}, {"group", g[1].external_id}, {"role", "member"}})});
    REQUIRE_FALSE(m[0].error);
    CHECK(m[0].external_id == p[0].external_id + ":" + g[0].external_id);
    CHECK(sim.calls("res.partner.write") == 2);  // one per tag
    CHECK(sim.record("res.partner", std::stoll(p[0].external_id))["category_id"].size() == 3);

    std::string mcursor;
    auto members = drain(*c, EntityKind::kMembership, mcursor);
    CHECK(members.size() == 2);
    auto found = c->find(EntityKind::kMembership, {{"person", p[0].external_id}, {"group", g[1].external_id}});
    REQUIRE(found.ok());
    CHECK(found->size() == 1);

    auto del = c->apply({make(EntityKind::kMembership, WriteOp::kDelete, {}, m[1].external_id)});
    REQUIRE_FALSE(del[0].error);
    CHECK(sim.record("res.partner", std::stoll(p[0].external_id))["category_id"].size() == 2);
    bool saw_removal = false;
    for (const auto& r : drain(*c, EntityKind::kMembership, mcursor)) {
      if (r.external_id == m[1].external_id) saw_removal = r.deleted;
      if (r.external_id == m[0].external_id) CHECK_FALSE(r.deleted);
    }
    CHECK(saw_removal);
  }
}

TEST_CASE("an event's group travels as the event tag named like the group") {
  for (const auto& f : kFlavours) {
    CAPTURE(f.version);
    OdooSim sim(f.version);
    auto c = make_connector(sim, f);
    auto g = c->apply({make(EntityKind::kGroup, WriteOp::kCreate, {{"name", "Région Nord"}}),
                       make(EntityKind::kGroup, WriteOp::kCreate, {{"name", "Région Sud"}})});
    REQUIRE_FALSE(g[0].error);
    REQUIRE_FALSE(g[1].error);
    const Fields base = {{"title", "Pique-nique"}, {"start", "2027-06-12T08:00:00Z"}, {"end", "2027-06-12T10:00:00Z"}};
    Fields nord = base;
    nord["group"] = g[0].external_id;
    auto ev = c->apply({make(EntityKind::kEvent, WriteOp::kCreate, nord)});
    REQUIRE_MESSAGE(!ev[0].error, error_text(ev[0].error));
    const auto tag_ids = sim.record("event.event", std::stoll(ev[0].external_id))["tag_ids"];
    REQUIRE(tag_ids.size() == 1);
    CHECK(sim.record("event.tag", tag_ids[0].get<std::int64_t>())["name"] == "Région Nord");  // named like the group
    std::string cursor;
    auto events = drain(*c, EntityKind::kEvent, cursor);
    REQUIRE(events.size() == 1);
    CHECK(events[0].fields["group"] == g[0].external_id);

    // Moved to the other group: its tag replaces the first one; a second event of the first
    // group reuses the tag made before.
    Fields sud = base;
    sud["group"] = g[1].external_id;
    Write move = make(EntityKind::kEvent, WriteOp::kUpdate, sud, ev[0].external_id);
    move.changed = {"group"};
    Fields other = nord;
    other["title"] = "Atelier";
    auto more = c->apply({move, make(EntityKind::kEvent, WriteOp::kCreate, other)});
    REQUIRE_FALSE(more[0].error);
    REQUIRE_FALSE(more[1].error);
    const auto other_tags = sim.record("event.event", std::stoll(more[1].external_id))["tag_ids"];
    CHECK(other_tags == tag_ids);  // the tag made before, reused
    auto after = drain(*c, EntityKind::kEvent, cursor);
    std::map<std::string, nlohmann::json> group_of;
    for (const auto& r : after) group_of[r.external_id] = r.fields["group"];
    CHECK(group_of[ev[0].external_id] == g[1].external_id);
    CHECK(group_of[more[1].external_id] == g[0].external_id);
    CHECK(sim.record("event.event", std::stoll(ev[0].external_id))["tag_ids"].size() == 1);
  }
}

TEST_CASE("events and registrations: capacity, UTC instants, states, full event refused") {
  for (const auto& f : kFlavours) {
    CAPTURE(f.version);
    OdooSim sim(f.version);
    auto c = make_connector(sim, f);
    auto people = c->apply({make(EntityKind::kPerson, WriteOp::kCreate, {{"display_name", "Ana A"}, {"email", "a@x.org"}}),
                            make(EntityKind::kPerson, WriteOp::kCreate, {{"display_name", "Bea B"}, {"email", "b@x.org"}})});
    auto ev = c->apply({make(EntityKind::kEvent, WriteOp::kCreate,
                             {{"title", "Assemblée générale"}, {"start", "2027-03-27T17:00:00Z"}, {"end", "2027-03-28T10:00:00Z"},
                              {"timezone", "Europe/Paris"}, {"capacity", 1}, {"description", "Ordre du jour\n& vote"}, {"status", "confirmed"}})});
    REQUIRE_MESSAGE(!ev[0].error, error_text(ev[0].error));
    const auto rec = sim.record("event.event", std::stoll(ev[0].external_id));
    CHECK(rec["date_begin"] == "2027-03-27 17:00:00");
    CHECK(rec["seats_limited"] == true);
    CHECK(rec["seats_max"] == 1);
    CHECK(rec["date_tz"] == "Europe/Paris");

    std::string cursor;
    auto events = drain(*c, EntityKind::kEvent, cursor);
    REQUIRE(events.size() == 1);
    CHECK(events[0].fields["start"] == "2027-03-27T17:00:00Z");
    CHECK(events[0].fields["capacity"] == 1);
    CHECK(events[0].fields["description"] == "Ordre du jour\n& vote");
    CHECK(events[0].fields["status"] == "confirmed");

    auto regs = c->apply({make(EntityKind::kRegistration, WriteOp::kCreate, {{"person", people[0].external_id}, {"event", ev[0].external_id}, {"status", "registered"}})});
    REQUIRE_MESSAGE(!regs[0].error, error_text(regs[0].error));
    auto full = c->apply({make(EntityKind::kRegistration, WriteOp::kCreate, {{"person", people[1].external_id}, {"event", ev[0].external_id}, {"status", "registered"}})});
    REQUIRE(full[0].error);
    CHECK(full[0].error->kind == ErrorKind::kPermanent);
    CHECK(full[0].error->message.find("not enough seats") != std::string::npos);
    // Adopting the existing registration instead of creating a second one.
    auto dup = c->apply({make(EntityKind::kRegistration, WriteOp::kCreate, {{"person", people[0].external_id}, {"event", ev[0].external_id}, {"status", "registered"}})});
    CHECK(dup[0].adopted);
    CHECK(dup[0].external_id == regs[0].external_id);

    std::string rcursor;
    auto listed = drain(*c, EntityKind::kRegistration, rcursor);
    REQUIRE(listed.size() == 1);
    CHECK(listed[0].fields["status"] == "registered");
    CHECK(listed[0].fields["person"] == people[0].external_id);

    auto cancel = c->apply({make(EntityKind::kRegistration, WriteOp::kDisable, {}, regs[0].external_id)});
    REQUIRE_FALSE(cancel[0].error);
    CHECK(sim.record("event.registration", std::stoll(regs[0].external_id))["state"] == "cancel");
    // The seat is free again: Bea gets in.
    auto retry = c->apply({make(EntityKind::kRegistration, WriteOp::kCreate, {{"person", people[1].external_id}, {"event", ev[0].external_id}, {"status", "registered"}})});
    CHECK_FALSE(retry[0].error);

    // Moving the event: only the changed instant is written.
    Write move = make(EntityKind::kEvent, WriteOp::kUpdate, {{"start", "2027-03-27T18:00:00Z"}, {"title", "x"}}, ev[0].external_id);
    move.changed = {"start"};
    CHECK_FALSE(c->apply({move})[0].error);
    const auto moved = sim.record("event.event", std::stoll(ev[0].external_id));
    CHECK(moved["date_begin"] == "2027-03-27 18:00:00");
    CHECK(moved["name"] == "Assemblée générale");
  }
}

}  // namespace
}  // namespace coopsync::odoo::testing
