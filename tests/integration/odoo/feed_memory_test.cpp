// The Odoo change feed's memory of records already read (Cursor::read, feed_cursor.hpp),
// against the simulator over XML-RPC (Odoo 16) and JSON-2 (Odoo 19). A pass reads the
// overlap window again; records it read after their write_date second was closed (older
// than the overlap by the server's clock when the page was read) are not read again in full
// while their write_date stays the same, and everything else in the window still is: what
// was read while its second was open, a record committed late with an older write_date, a
// record written again. The simulator's clock is frozen and moved by hand (/_sim/seed
// "clock"); "began_at" makes a late commit (a transaction that began in the past).
#include <doctest/doctest.h>

#include <functional>
#include <map>
#include <set>

#include "tests/integration/odoo/odoo_sim_env.hpp"
#include "tests/support/result_text.hpp"

using coopsync::testing::error_text;

namespace coopsync::odoo::testing {
namespace feed_memory {

const Flavour kBoth[] = {{16, "xmlrpc"}, {19, "json2"}};
constexpr const char* kEarly = "2099-07-01 11:00:00";   // an import long before
constexpr const char* kOpen = "2099-07-01 12:00:00";    // the import's second
constexpr const char* kClosed = "2099-07-01 12:00:05";  // the overlap (2 s) after it

// The ids (as text) a pass listed, one page per connector (as after a restart), pages of
// 3; `between` runs after each page.
std::set<std::string> pass(const OdooSim& sim, const Flavour& f, std::string& cursor,
                           const std::function<void(int)>& between = {}) {
  std::set<std::string> ids;
  for (int page = 0; page < 100; ++page) {
    auto c = make_connector(sim, f);
    auto got = c->changes(EntityKind::kPerson, cursor, std::chrono::milliseconds(0));
    REQUIRE_MESSAGE(got.ok(), error_text(got));
    for (const auto& r : got->records) {
      CHECK_MESSAGE(ids.insert(r.external_id).second,
                    "listed twice in one pass: " << r.external_id);
    }
    cursor = got->cursor;
    if (between) between(page);
    if (!got->has_more) break;
  }
  return ids;
}

std::vector<std::string> import_people(const OdooSim& sim, const Flavour& f, int n,
                                       const std::string& prefix) {
  auto c = make_connector(sim, f);
  std::vector<Write> writes;
  for (int i = 0; i < n; ++i) {
    Write w;
    w.key = prefix + std::to_string(i);
    w.kind = EntityKind::kPerson;
    w.op = WriteOp::kCreate;
    w.fields = {
        {"display_name", "Member " + w.key}, {"email", w.key + "@coop.example"}, {"active", true}};
    writes.push_back(std::move(w));
  }
  std::vector<std::string> ids;
  for (const auto& r : c->apply(writes)) {
    REQUIRE_MESSAGE(!r.error, error_text(r.error));
    ids.push_back(r.external_id);
  }
  return ids;
}

std::int64_t member_tag(OdooSim& sim) {
  const nlohmann::json state = sim.state();  // kept alive while the loop reads it
  for (const auto& t : state["res.partner.category"]) {
    if (t["name"] == "Membre") return t["id"].get<std::int64_t>();
  }
  FAIL("no member tag");
  return 0;
}

std::set<std::string> slice(const std::vector<std::string>& ids, std::size_t from, std::size_t to) {
  return std::set<std::string>(ids.begin() + static_cast<long>(from),
                               ids.begin() + static_cast<long>(to));
}

// Seven members imported in kOpen (after `early` members imported long before), listed
// from scratch: the first page (3) while kOpen is still open, the clock then moves to
// kClosed and the other pages are read with the second closed. Returns the cursor after
// that listing.
std::string listed_across_the_close(OdooSim& sim, const Flavour& f, std::vector<std::string>& ids,
                                    int early = 0) {
  std::vector<std::string> all;
  if (early > 0) {
    sim.post("/_sim/seed", {{"clock", kEarly}});
    all = import_people(sim, f, early, "e");
  }
  sim.post("/_sim/seed", {{"clock", kOpen}});
  ids = import_people(sim, f, 7, "m");
  all.insert(all.end(), ids.begin(), ids.end());
  std::string cursor;
  auto first = pass(sim, f, cursor, [&](int page) {
    if (page == 0) sim.post("/_sim/seed", {{"clock", kClosed}});
  });
  CHECK(first == std::set<std::string>(all.begin(), all.end()));
  // Remembered: what was read in kOpen after it closed (nothing of kEarly: behind the window).
  const auto read = nlohmann::json::parse(cursor)["read"];
  CHECK(read.size() == 1);
  CHECK(read[kOpen] ==
        (early >= 3 ? ids[0] : ids[static_cast<std::size_t>(3 - early)]) + "-" + ids[6]);
  return cursor;
}

TEST_CASE("records read once their second was closed are not read again in full") {
  for (const auto& f : kBoth) {
    CAPTURE(f.version);
    OdooSim sim(f.version);
    std::vector<std::string> ids;
    std::string cursor = listed_across_the_close(sim, f, ids);
    // The window still holds kOpen (the listing began in it): only what the first page read
    // while kOpen was open comes back: a full page of 3, then an empty one (all 7 were read
    // again before: pages of 3, 3 and 1).
    sim.reset_stats();
    CHECK(pass(sim, f, cursor) == slice(ids, 0, 3));
    CHECK(sim.calls("res.partner.search_read") == 2);
    // That pass began after the close: the next one starts after kOpen, and remembers nothing.
    CHECK_FALSE(nlohmann::json::parse(cursor).contains("read"));
    CHECK(pass(sim, f, cursor).empty());
  }
}

TEST_CASE("an idle pass over a window of remembered records is one request") {
  for (const auto& f : kBoth) {
    CAPTURE(f.version);
    OdooSim sim(f.version);
    std::vector<std::string> ids;
    // The listing's first page reads three older members: all seven of kOpen are read
    // after it closed, and all are remembered.
    std::string cursor = listed_across_the_close(sim, f, ids, 3);
    auto c = make_connector(sim, f);
    auto warm = c->changes(EntityKind::kPerson, cursor, std::chrono::milliseconds(0));  // logs in
    REQUIRE_MESSAGE(warm.ok(), error_text(warm));
    CHECK(warm->records.empty());
    const std::size_t before = c->session().request_count();
    auto idle = c->changes(EntityKind::kPerson, cursor, std::chrono::milliseconds(0));
    REQUIRE_MESSAGE(idle.ok(), error_text(idle));
    CHECK(idle->records.empty());
    CHECK_FALSE(idle->has_more);
    CHECK(c->session().request_count() - before == 1);  // the search_read, nothing else
  }
}

TEST_CASE(
    "in the window, a late commit, a new id and a rewrite are read; remembered ones are not") {
  for (const auto& f : kBoth) {
    CAPTURE(f.version);
    OdooSim sim(f.version);
    std::vector<std::string> ids;
    std::string cursor = listed_across_the_close(sim, f, ids);
    const std::int64_t tag = member_tag(sim);
    // A transaction that began in kOpen commits now: it creates a member (a new id in kOpen)
    // and renames one read while kOpen was open (the same id, the same second: only the
    // content differs).
    auto late = sim.post(
        "/_sim/seed",
        {{"began_at", kOpen},
         {"records",
          {{"res.partner",
            {{{"name", "Late Member"},
              {"email", "late@coop.example"},
              {"category_id", {{6, 0, {tag}}}}}}}}},
         {"writes", {{"res.partner", {{{"id", std::stoll(ids[1])}, {"name", "Renamed Late"}}}}}}});
    const std::string late_id =
        std::to_string(late["created"]["res.partner"][0].get<std::int64_t>());
    CHECK(sim.record("res.partner", std::stoll(late_id))["write_date"] == kOpen);
    CHECK(sim.record("res.partner", std::stoll(ids[1]))["write_date"] == kOpen);
    // And one remembered is written again now: a new write_date.
    sim.post("/_sim/seed",
             {{"writes", {{"res.partner", {{{"id", std::stoll(ids[5])}, {"name", "Moved On"}}}}}}});
    std::map<std::string, std::string> names;
    for (int page = 0; page < 100; ++page) {
      auto c = make_connector(sim, f);
      auto got = c->changes(EntityKind::kPerson, cursor, std::chrono::milliseconds(0));
      REQUIRE_MESSAGE(got.ok(), error_text(got));
      for (const auto& r : got->records)
        names[r.external_id] = r.fields["display_name"].get<std::string>();
      cursor = got->cursor;
      if (!got->has_more) break;
    }
    std::set<std::string> read;
    for (const auto& [id, name] : names) read.insert(id);
    auto expected = slice(ids, 0, 3);
    expected.insert(late_id);
    expected.insert(ids[5]);
    CHECK(read == expected);  // not ids[3], ids[4], ids[6]: remembered, unchanged
    CHECK(names[late_id] == "Late Member");
    CHECK(names[ids[1]] == "Renamed Late");
    CHECK(names[ids[5]] == "Moved On");
  }
}

TEST_CASE("a cursor stored before the memory reads the whole window, then remembers") {
  for (const auto& f : kBoth) {
    CAPTURE(f.version);
    OdooSim sim(f.version);
    std::vector<std::string> ids;
    std::string cursor = listed_across_the_close(sim, f, ids);
    auto old = nlohmann::json::parse(cursor);
    old.erase("read");  // what this version's predecessor stored
    std::string legacy = old.dump();
    CHECK(pass(sim, f, legacy) == std::set<std::string>(ids.begin(), ids.end()));
  }
}

}  // namespace feed_memory
}  // namespace coopsync::odoo::testing
