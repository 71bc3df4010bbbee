// Meetings (calendar.event) through the connector against the simulator, over both
// transports: meetings made in Odoo read as canonical Events (instants in UTC, all-day as
// dates despite Odoo's 08:00-18:00 rewrite, Odoo 19's appended organizer block cut off),
// attendees as Registrations, removals seen and written back with [3, partner].
#include "tests/integration/odoo/odoo_sim_env.hpp"
#include "tests/support/memory_state.hpp"
#include "tests/support/result_text.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <map>

using coopsync::testing::error_text;

namespace coopsync::odoo::testing {
namespace {

const Flavour kMeetingTransports[] = {{16, "xmlrpc"}, {19, "json2"}};

struct Listing {
  std::map<std::string, ExternalRecord> records;  // last record seen per external id
  bool complete = false;                          // last page was a complete listing
  int pages = 0;
};

Listing drain_listing(Connector& c, EntityKind kind, std::string& cursor) {
  Listing out;
  for (int guard = 0; guard < 1000; ++guard) {
    auto page = c.changes(kind, cursor, std::chrono::milliseconds(0));
    REQUIRE_MESSAGE(page.ok(), error_text(page));
    ++out.pages;
    for (auto& r : page->records) out.records[r.external_id] = std::move(r);
    cursor = page->cursor;
    out.complete = page->full_listing;
    if (!page->has_more) break;
  }
  return out;
}

Write meeting_write(EntityKind kind, WriteOp op, Fields fields, std::string external_id = "",
           std::vector<std::string> changed = {}) {
  Write w;
  w.kind = kind;
  w.op = op;
  w.fields = std::move(fields);
  w.external_id = std::move(external_id);
  w.changed = std::move(changed);
  return w;
}

std::vector<std::int64_t> ids(const nlohmann::json& list) {
  std::vector<std::int64_t> out = list.get<std::vector<std::int64_t>>();
  std::sort(out.begin(), out.end());
  return out;
}

struct Seeded {
  std::int64_t alice, bruno, outsider, lyon;
};

// Two members and an outsider, the group "Communauté Lyon" (a partner tag) and the meeting
// tag of the same name; a timed meeting of the group with all three, an all-day one.
Seeded seed(OdooSim& sim) {
  auto tags =
      sim.post("/_sim/seed",
               {{"records",
                 {{"res.partner.category", {{{"name", "Membre"}}, {{"name", "Communauté Lyon"}}}},
                  {"calendar.event.type", {{{"name", "Communauté Lyon"}}}}}}});
  const std::int64_t member = tags["created"]["res.partner.category"][0];
  const std::int64_t lyon = tags["created"]["res.partner.category"][1];
  const std::int64_t meeting_tag = tags["created"]["calendar.event.type"][0];
  auto people =
      sim.post("/_sim/seed", {{"records",
                               {{"res.partner",
                                 {{{"name", "Alice Martin"},
                                   {"email", "alice.martin@example.org"},
                                   {"category_id", {{6, 0, {member, lyon}}}}},
                                  {{"name", "Bruno Leroy"},
                                   {"email", "bruno.leroy@example.org"},
                                   {"phone", "03 20 00 00 00"},
                                   {"category_id", {{6, 0, {member}}}}},
                                  {{"name", "Outsider"}, {"email", "out@example.org"}}}}}}});
  Seeded s{people["created"]["res.partner"][0], people["created"]["res.partner"][1],
           people["created"]["res.partner"][2], lyon};
  // As captured (52, 53): naive UTC strings; the all-day one with dates and midnight bounds.
  sim.post("/_sim/seed", {{"records",
                           {{"calendar.event",
                             {{{"name", "Conseil d'administration"},
                               {"start", "2027-03-27 17:00:00"},
                               {"stop", "2027-03-27 19:00:00"},
                               {"allday", false},
                               {"location", "Salle commune"},
                               {"description", "<p>Ordre du jour</p>"},
                               {"event_tz", "Europe/Paris"},
                               {"categ_ids", {{6, 0, {meeting_tag}}}},
                               {"partner_ids", {{6, 0, {s.alice, s.bruno, s.outsider}}}}},
                              {{"name", "Journée portes ouvertes"},
                               {"allday", true},
                               {"start_date", "2027-03-28"},
                               {"stop_date", "2027-03-28"},
                               {"start", "2027-03-28 00:00:00"},
                               {"stop", "2027-03-28 00:00:00"},
                               {"partner_ids", {{4, s.alice}}}}}}}}});
  return s;
}

TEST_CASE("meetings made in Odoo read as events, their attendees as registrations") {
  for (const auto& f : kMeetingTransports) {
    CAPTURE(f.version);
    OdooSim sim(f.version);
    const Seeded s = seed(sim);
    auto c = make_connector(sim, f);
    c->enable_meetings({true, {}, true, false}, nullptr);
    // An event.event too: both models make the Event feed.
    auto ev = c->apply({meeting_write(EntityKind::kEvent, WriteOp::kCreate,
                             {{"title", "Assemblée générale"},
                              {"start", "2027-06-01T08:00:00Z"},
                              {"end", "2027-06-01T10:00:00Z"}})});
    REQUIRE_FALSE(ev[0].error);
    CHECK(ev[0].external_id.find(':') == std::string::npos);  // plain event.event id

    // Odoo's own rewrites, as captured.
    CHECK(sim.record("calendar.event", 2)["start"] == "2027-03-28 08:00:00");
    CHECK(sim.record("calendar.event", 2)["stop"] == "2027-03-28 18:00:00");
    const std::string stored = sim.record("calendar.event", 1)["description"];
    CHECK((stored.find("Organized by") != std::string::npos) == (f.version >= 19));

    std::string cursor;
    auto events = drain_listing(*c, EntityKind::kEvent, cursor);
    CHECK(events.complete);  // both models listed from the start
    REQUIRE(events.records.size() == 3);
    REQUIRE(events.records.count(ev[0].external_id));
    const auto& timed = events.records.at("calendar.event:1").fields;
    CHECK(timed["title"] == "Conseil d'administration");
    CHECK(timed["start"] == "2027-03-27T17:00:00Z");
    CHECK(timed["end"] == "2027-03-27T19:00:00Z");
    CHECK(timed["all_day"] == false);
    CHECK(timed["timezone"] == "Europe/Paris");
    CHECK(timed["location"] == "Salle commune");
    CHECK(timed["description"] == "Ordre du jour");  // Odoo 19's block is not news
    CHECK(timed["group"] == std::to_string(s.lyon));
    CHECK(timed["status"] == "confirmed");
    CHECK(timed["capacity"].is_null());
    const auto& allday = events.records.at("calendar.event:2").fields;
    CHECK(allday["all_day"] == true);
    CHECK(allday["start"] == "2027-03-28");  // the date, not 08:00 UTC
    CHECK(allday["end"] == "2027-03-28");
    CHECK(allday["timezone"].is_null());
    CHECK(allday["location"].is_null());
    CHECK(allday["group"].is_null());

    std::string rcursor;
    auto regs = drain_listing(*c, EntityKind::kRegistration, rcursor);
    CHECK(regs.complete);
    const std::string alice1 = "calendar.event:1:partner:" + std::to_string(s.alice);
    const std::string bruno1 = "calendar.event:1:partner:" + std::to_string(s.bruno);
    const std::string alice2 = "calendar.event:2:partner:" + std::to_string(s.alice);
    CHECK(regs.records.size() == 3);  // the outsider is no person in scope
    REQUIRE(regs.records.count(bruno1));
    CHECK(regs.records.at(bruno1).fields["person"] == std::to_string(s.bruno));
    CHECK(regs.records.at(bruno1).fields["event"] == "calendar.event:1");
    CHECK(regs.records.at(bruno1).fields["status"] == "registered");
    CHECK(regs.records.count(alice1));
    CHECK(regs.records.count(alice2));

    // A registration cancelled elsewhere goes back as [3, partner] on the meeting.
    sim.post("/_sim/seed", {{"clock", "2099-01-01 00:00:10"}});  // later writes in later seconds
    sim.reset_stats();
    auto removed = c->apply({meeting_write(EntityKind::kRegistration, WriteOp::kDelete, {}, bruno1)});
    REQUIRE_FALSE(removed[0].error);
    CHECK(removed[0].external_id == bruno1);
    CHECK(sim.calls("calendar.event.write") == 1);
    CHECK(ids(sim.record("calendar.event", 1)["partner_ids"]) ==
          std::vector<std::int64_t>{s.alice, s.outsider});
    CHECK(sim.record("calendar.event", 1)["attendee_ids"].size() == 2);  // Odoo dropped Bruno's

    // Alice taken off in Odoo itself: the next read says so.
    sim.post("/_sim/seed", {{"clock", "2099-01-01 00:00:20"}});
    REQUIRE(c->session().write(
        "calendar.event", {1},
        {{"partner_ids", Value(Array{Value(Array{Value(3), Value(s.alice)})})}}));
    auto after = drain_listing(*c, EntityKind::kRegistration, rcursor);
    CHECK_FALSE(after.complete);
    REQUIRE(after.records.count(alice1));
    CHECK(after.records.at(alice1).deleted);
    CHECK(after.records.count(bruno1));  // Bruno's removal (ours) read back too: no news
    if (after.records.count(bruno1)) CHECK(after.records.at(bruno1).deleted);
    CHECK((after.records.count(alice2) == 0 || !after.records.at(alice2).deleted));
    // Read again without change: nothing more is removed.
    auto quiet = drain_listing(*c, EntityKind::kRegistration, rcursor);
    for (const auto& [id, r] : quiet.records) CHECK_MESSAGE(!r.deleted, id);

    // And back in, from another system: [4, partner].
    auto back = c->apply({meeting_write(EntityKind::kRegistration, WriteOp::kCreate,
                               {{"person", std::to_string(s.bruno)},
                                {"event", "calendar.event:1"},
                                {"status", "registered"}})});
    REQUIRE_FALSE(back[0].error);
    CHECK(back[0].external_id == bruno1);
    CHECK(ids(sim.record("calendar.event", 1)["partner_ids"]) ==
          std::vector<std::int64_t>{s.bruno, s.outsider});
  }
}

TEST_CASE("idle passes, then an attendee removed: a pass cut short lists it again") {
  for (const auto& f : kMeetingTransports) {
    CAPTURE(f.version);
    OdooSim sim(f.version);
    // Everything in one frozen second: idle passes give back the cursor they were given.
    sim.post("/_sim/seed", {{"clock", "2099-01-01 00:00:10"}});
    const Seeded s = seed(sim);
    auto c = make_connector(sim, f);
    coopsync::testing::MemoryState state;  // the attendees known, as the store keeps them
    c->enable_meetings({true, {}, true, false}, &state);
    const std::string alice1 = "calendar.event:1:partner:" + std::to_string(s.alice);
    const std::string bruno1 = "calendar.event:1:partner:" + std::to_string(s.bruno);
    std::string cursor;  // the engine's: each page's cursor once that page is stored
    auto first = drain_listing(*c, EntityKind::kRegistration, cursor);
    CHECK(first.complete);
    REQUIRE(first.records.count(alice1));
    for (int pass = 0; pass < 3; ++pass) {
      CAPTURE(pass);
      auto idle = drain_listing(*c, EntityKind::kRegistration, cursor);
      CHECK_FALSE(idle.complete);
      for (const auto& [id, r] : idle.records) CHECK_MESSAGE(!r.deleted, id);
    }
    // Alice taken off the meeting in Odoo, in that same second.
    REQUIRE(c->session().write(
        "calendar.event", {1},
        {{"partner_ids", Value(Array{Value(Array{Value(3), Value(s.alice)})})}}));
    // A pass reads it and is cut short before the engine stored its pages (crash): the
    // stored cursor stays where it was.
    std::string unstored = cursor;
    auto cut = drain_listing(*c, EntityKind::kRegistration, unstored);
    REQUIRE(cut.records.count(alice1));
    CHECK(cut.records.at(alice1).deleted);
    // The next pass starts from the stored cursor and lists the removal again.
    auto again = drain_listing(*c, EntityKind::kRegistration, cursor);
    REQUIRE(again.records.count(alice1));
    CHECK(again.records.at(alice1).deleted);
    REQUIRE(again.records.count(bruno1));
    CHECK_FALSE(again.records.at(bruno1).deleted);
    // Stored now: later idle passes do not list it again, and Bruno stays.
    for (int pass = 0; pass < 2; ++pass) {
      auto quiet = drain_listing(*c, EntityKind::kRegistration, cursor);
      CHECK(quiet.records.count(alice1) == 0);
      if (quiet.records.count(bruno1)) CHECK_FALSE(quiet.records.at(bruno1).deleted);
    }
    // A later change (new second) is seen as well: Bruno leaves too.
    sim.post("/_sim/seed", {{"clock", "2099-01-01 00:00:20"}});
    REQUIRE(c->session().write(
        "calendar.event", {1},
        {{"partner_ids", Value(Array{Value(Array{Value(3), Value(s.bruno)})})}}));
    auto later = drain_listing(*c, EntityKind::kRegistration, cursor);
    REQUIRE(later.records.count(bruno1));
    CHECK(later.records.at(bruno1).deleted);
  }
}

TEST_CASE("meetings written from canonical events: update, all-day, cancel, create") {
  for (const auto& f : kMeetingTransports) {
    CAPTURE(f.version);
    OdooSim sim(f.version);
    const Seeded s = seed(sim);
    auto c = make_connector(sim, f);
    c->enable_meetings({true, {}, true, true}, nullptr);
    std::string cursor;
    (void)drain_listing(*c, EntityKind::kEvent, cursor);

    sim.post("/_sim/seed", {{"clock", "2099-01-01 00:00:10"}});
    // Moved by an hour and made all-day the other way round.
    auto w = c->apply({meeting_write(EntityKind::kEvent, WriteOp::kUpdate,
                            {{"title", "Conseil d'administration"},
                             {"start", "2027-03-27T18:00:00Z"},
                             {"end", "2027-03-27T20:00:00Z"},
                             {"all_day", false},
                             {"timezone", "Europe/Paris"}},
                            "calendar.event:1", {"start", "end"}),
                       meeting_write(EntityKind::kEvent, WriteOp::kUpdate,
                            {{"title", "Journée portes ouvertes"},
                             {"start", "2027-03-29"},
                             {"end", "2027-03-30"},
                             {"all_day", true}},
                            "calendar.event:2", {"start", "end"})});
    REQUIRE_FALSE(w[0].error);
    REQUIRE_FALSE(w[1].error);
    CHECK(sim.record("calendar.event", 1)["start"] == "2027-03-27 18:00:00");
    CHECK(sim.record("calendar.event", 2)["start_date"] == "2027-03-29");
    CHECK(sim.record("calendar.event", 2)["stop"] == "2027-03-30 18:00:00");
    // The description was not among the changes: Odoo 19's block stays as Odoo made it.
    const std::string desc = sim.record("calendar.event", 1)["description"];
    CHECK((desc.find("Organized by") != std::string::npos) == (f.version >= 19));
    auto moved = drain_listing(*c, EntityKind::kEvent, cursor);
    REQUIRE(moved.records.count("calendar.event:2"));
    CHECK(moved.records.at("calendar.event:2").fields["start"] == "2027-03-29");
    CHECK(moved.records.at("calendar.event:2").fields["end"] == "2027-03-30");
    REQUIRE(moved.records.count("calendar.event:1"));
    CHECK(moved.records.at("calendar.event:1").fields["start"] == "2027-03-27T18:00:00Z");
    CHECK(moved.records.at("calendar.event:1").fields["description"] == "Ordre du jour");

    // Cancelled: archived, read back as cancelled (not gone).
    sim.post("/_sim/seed", {{"clock", "2099-01-01 00:00:20"}});
    auto cancel = c->apply({meeting_write(EntityKind::kEvent, WriteOp::kDisable, {}, "calendar.event:2")});
    REQUIRE_FALSE(cancel[0].error);
    CHECK(sim.record("calendar.event", 2)["active"] == false);
    auto cancelled = drain_listing(*c, EntityKind::kEvent, cursor);
    REQUIRE(cancelled.records.count("calendar.event:2"));
    CHECK(cancelled.records.at("calendar.event:2").fields["status"] == "cancelled");
    CHECK_FALSE(cancelled.records.at("calendar.event:2").deleted);

    // meetings.create: a new event from elsewhere becomes a meeting of its group, once.
    const Fields fresh = {{"title", "Atelier compost"},
                          {"start", "2027-04-02T16:00:00Z"},
                          {"end", "2027-04-02T18:00:00Z"},
                          {"all_day", false},
                          {"timezone", "Europe/Paris"},
                          {"location", "Jardin"},
                          {"description", "Apportez vos seaux"},
                          {"group", std::to_string(s.lyon)},
                          {"status", "confirmed"}};
    auto made = c->apply({meeting_write(EntityKind::kEvent, WriteOp::kCreate, fresh)});
    REQUIRE_FALSE(made[0].error);
    CHECK(made[0].external_id == "calendar.event:3");
    CHECK_FALSE(made[0].adopted);
    auto rec = sim.record("calendar.event", 3);
    CHECK(rec["start"] == "2027-04-02 16:00:00");
    CHECK(rec["event_tz"] == "Europe/Paris");
    CHECK(rec["categ_ids"].size() == 1);
    auto again = c->apply({meeting_write(EntityKind::kEvent, WriteOp::kCreate, fresh)});
    REQUIRE_FALSE(again[0].error);
    CHECK(again[0].adopted);
    CHECK(again[0].external_id == "calendar.event:3");
    auto listed = drain_listing(*c, EntityKind::kEvent, cursor);
    REQUIRE(listed.records.count("calendar.event:3"));
    const auto& read = listed.records.at("calendar.event:3").fields;
    for (const char* k :
         {"title", "start", "end", "timezone", "location", "description", "group"}) {
      CHECK_MESSAGE(read[k] == fresh[k], k);  // what we wrote reads back unchanged: no echo
    }
  }
}

TEST_CASE("meetings off: a split cursor left behind still reads event.event on") {
  OdooSim sim(16);
  (void)seed(sim);
  auto c = make_connector(sim, {16, "xmlrpc"});
  c->enable_meetings({true, {}, true, false}, nullptr);
  std::string cursor;
  auto on = drain_listing(*c, EntityKind::kEvent, cursor);
  CHECK(on.records.size() == 2);
  c->enable_meetings({}, nullptr);
  auto off = drain_listing(*c, EntityKind::kEvent, cursor);
  for (const auto& [id, r] : off.records)
    CHECK_MESSAGE(id.find("calendar.event") == std::string::npos, id);
  CHECK(c->capabilities().of(EntityKind::kEvent) != nullptr);
}

}  // namespace
}  // namespace coopsync::odoo::testing
