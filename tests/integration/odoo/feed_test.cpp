// The Odoo change feed against the simulator, over XML-RPC (Odoo 16) and JSON-2 (Odoo 19):
// write_date has second precision, so a record edited again in the second it was read keeps
// its write_date; the next pass starts cursor_overlap_seconds before the newest second the
// last one read, and reads it again, unless that second was older than the overlap when the
// last pass began (by the server's clock, its Date header). The simulator's clock is frozen
// on one second (/_sim/seed "clock"), which makes "the same second" deterministic.
#include "tests/integration/odoo/odoo_sim_env.hpp"
#include "tests/support/result_text.hpp"

#include <doctest/doctest.h>

#include <map>
#include <set>

using coopsync::testing::error_text;

namespace coopsync::odoo::testing {
namespace {

const Flavour kTransports[] = {{16, "xmlrpc"}, {19, "json2"}};
// Ahead of the real clock: the simulator never moves its clock backwards.
constexpr const char* kSecond = "2099-06-01 12:00:00";

struct Pass {
  std::map<std::string, ExternalRecord> records;  // by external id
  int pages = 0;
  bool full = false;
};

// One pass as the engine runs it: pages until has_more is false, each with a connector of
// its own (a restart between pages resumes from the stored cursor). A record listed twice
// in one pass fails the test.
Pass run_pass(const OdooSim& sim, const Flavour& f, std::string& cursor, int page_size = 3) {
  Pass p;
  for (int guard = 0; guard < 100; ++guard) {
    auto c = make_connector(sim, f, page_size);
    auto page = c->changes(EntityKind::kPerson, cursor, std::chrono::milliseconds(0));
    REQUIRE_MESSAGE(page.ok(), error_text(page));
    ++p.pages;
    p.full = page->full_listing;
    for (auto& r : page->records) {
      CHECK_MESSAGE(!p.records.count(r.external_id), "listed twice in one pass: " << r.external_id);
      p.records[r.external_id] = std::move(r);
    }
    cursor = page->cursor;
    if (!page->has_more) break;
  }
  return p;
}

Write person(const std::string& key, const std::string& name) {
  Write w;
  w.key = key;
  w.kind = EntityKind::kPerson;
  w.op = WriteOp::kCreate;
  w.fields = {{"display_name", name}, {"email", key + "@coop.example"}, {"active", true}};
  return w;
}

Write rename(const std::string& id, const std::string& name) {
  Write w;
  w.kind = EntityKind::kPerson;
  w.op = WriteOp::kUpdate;
  w.external_id = id;
  w.fields = {{"display_name", name}};
  w.changed = {"display_name"};
  return w;
}

std::vector<std::string> create_people(const OdooSim& sim, const Flavour& f, int n) {
  auto c = make_connector(sim, f);
  std::vector<Write> writes;
  for (int i = 0; i < n; ++i) writes.push_back(person("p" + std::to_string(i), "Person " + std::to_string(i)));
  std::vector<std::string> ids;
  for (const auto& r : c->apply(writes)) {
    REQUIRE_MESSAGE(!r.error, error_text(r.error));
    ids.push_back(r.external_id);
  }
  return ids;
}

void apply_one(const OdooSim& sim, const Flavour& f, const Write& w) {
  auto c = make_connector(sim, f);
  auto r = c->apply({w});
  REQUIRE_MESSAGE(!r[0].error, error_text(r[0].error));
}

std::string write_date(OdooSim& sim, const std::string& id) {
  return sim.record("res.partner", std::stoll(id))["write_date"].get<std::string>();
}

TEST_CASE("an edit made in the second of a read is read by the next pass") {
  for (const auto& f : kTransports) {
    CAPTURE(f.version);
    OdooSim sim(f.version);
    sim.post("/_sim/seed", {{"clock", kSecond}});  // every write below happens in this second
    const auto ids = create_people(sim, f, 7);
    std::string cursor;
    Pass first = run_pass(sim, f, cursor);  // the full listing
    CHECK(first.full);
    CHECK(first.pages == 3);                // 7 records, pages of 3
    for (const auto& id : ids) CHECK_MESSAGE(first.records.count(id), "missed " << id);

    // Each of these edits is made after the record was read, in the same second: its
    // write_date does not move, so only the overlap brings it back.
    for (int round = 0; round < 2; ++round) {
      CAPTURE(round);
      const std::string& id = ids[static_cast<std::size_t>(round * 3 + 1)];
      const std::string name = "Renamed " + std::to_string(round);
      apply_one(sim, f, rename(id, name));
      CHECK(write_date(sim, id) == kSecond);
      Pass next = run_pass(sim, f, cursor);
      CHECK_FALSE(next.full);
      REQUIRE_MESSAGE(next.records.count(id), "the same-second edit of " << id << " was not read");
      CHECK(next.records[id].fields["display_name"] == name);
      CHECK_FALSE(next.records[id].deleted);
    }
  }
}

TEST_CASE("idle passes read the overlap again without drifting back; a later write moves it") {
  for (const auto& f : kTransports) {
    CAPTURE(f.version);
    OdooSim sim(f.version);
    sim.post("/_sim/seed", {{"clock", kSecond}});
    const auto ids = create_people(sim, f, 4);
    std::string cursor;
    run_pass(sim, f, cursor);
    run_pass(sim, f, cursor);
    const std::string settled = cursor;
    for (int i = 0; i < 3; ++i) {
      Pass idle = run_pass(sim, f, cursor);
      CHECK(idle.records.size() == ids.size());  // the records of the newest second, again
      CHECK(cursor == settled);                   // and the window stays where it was
    }
    // Ten seconds later: only what changed then (and its overlap) is read.
    sim.post("/_sim/seed", {{"clock", "2099-06-01 12:00:10"}});
    apply_one(sim, f, rename(ids[2], "Later"));
    Pass later = run_pass(sim, f, cursor);  // still from 12:00:00 (minus the overlap)
    CHECK(later.records.size() == ids.size());
    REQUIRE(later.records.count(ids[2]) == 1);
    CHECK(later.records[ids[2]].fields["display_name"] == "Later");
    CHECK(cursor != settled);
    Pass after = run_pass(sim, f, cursor);
    CHECK(after.records.size() == 1);  // from 12:00:10 (minus the overlap): 12:00:00 is behind
    CHECK(after.records.count(ids[2]) == 1);
  }
}

TEST_CASE("a second already old when a pass began is not read again, however full it is") {
  for (const auto& f : kTransports) {
    CAPTURE(f.version);
    OdooSim sim(f.version);
    sim.post("/_sim/seed", {{"clock", kSecond}});  // a bulk import: all in one second
    const auto ids = create_people(sim, f, 5);
    std::string cursor;
    run_pass(sim, f, cursor);                         // full listing, in that same second
    CHECK(run_pass(sim, f, cursor).records.size() == ids.size());  // still open: read again
    // Five seconds on (the server's clock, as its Date header tells), nothing written: the
    // pass that begins now reads the second once more (the last one began inside it) ...
    sim.post("/_sim/seed", {{"clock", "2099-06-01 12:00:05"}});
    CHECK(run_pass(sim, f, cursor).records.size() == ids.size());
    // ... and from then on it is closed: idle passes read nothing.
    for (int i = 0; i < 2; ++i) CHECK(run_pass(sim, f, cursor).records.empty());
    // A write now is read, with the overlap before it, and only it.
    apply_one(sim, f, rename(ids[1], "After The Import"));
    Pass next = run_pass(sim, f, cursor);
    CHECK(next.records.size() == 1);
    REQUIRE(next.records.count(ids[1]) == 1);
    CHECK(next.records[ids[1]].fields["display_name"] == "After The Import");
    // Edited again in that second after the read: still read (the second is not closed).
    apply_one(sim, f, rename(ids[1], "Twice In One Second"));
    Pass again = run_pass(sim, f, cursor);
    REQUIRE(again.records.count(ids[1]) == 1);
    CHECK(again.records[ids[1]].fields["display_name"] == "Twice In One Second");
  }
}

TEST_CASE("a cursor stored before the overlap existed reads its second again") {
  for (const auto& f : kTransports) {
    CAPTURE(f.version);
    OdooSim sim(f.version);
    sim.post("/_sim/seed", {{"clock", kSecond}});
    const auto ids = create_people(sim, f, 3);
    apply_one(sim, f, rename(ids[0], "Edited After The Read"));
    // What an install stored before: the newest second and the ids already read in it
    // (all three). Those ids are not trusted: the edit of ids[0] is read.
    nlohmann::json old = {{"write_date", kSecond}, {"ids", nlohmann::json::array()}};
    for (const auto& id : ids) old["ids"].push_back(std::stoll(id));
    std::string cursor = old.dump();
    Pass p = run_pass(sim, f, cursor);
    REQUIRE(p.records.count(ids[0]) == 1);
    CHECK(p.records[ids[0]].fields["display_name"] == "Edited After The Read");
    CHECK(p.records.size() == ids.size());
    CHECK(nlohmann::json::parse(cursor).value("since", "") == kSecond);
  }
}

TEST_CASE("cursor_overlap_seconds: declared with its range, 2 by default, read from the settings") {
  const auto spec = settings_spec();
  const auto* declared = spec.find("cursor_overlap_seconds");
  REQUIRE(declared != nullptr);
  CHECK(declared->default_value == nlohmann::json(2));
  CHECK(declared->min == 0);
  CHECK(declared->max == 3600);
  OdooSim sim(16);
  auto section = sim_settings(sim, {16, "xmlrpc"});
  auto defaults = parse_settings(section, "FR");
  REQUIRE(defaults.ok());
  CHECK(defaults->cursor_overlap_seconds == 2);
  section["cursor_overlap_seconds"] = 30;
  auto set = parse_settings(section, "FR");
  REQUIRE(set.ok());
  CHECK(set->cursor_overlap_seconds == 30);
}

}  // namespace
}  // namespace coopsync::odoo::testing
