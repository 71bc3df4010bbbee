// A person copies an event coopsync wrote into another group's calendar with their calendar
// app, UID and all (Nextcloud and Radicale keep UIDs unique per calendar only, so the copy
// is accepted). It used to be read as a new event of that group: a second entity, created
// again in Mobilizon and announced again in Matrix. Now the copy is recognised by the group
// coopsync wrote the object for (X-COOPSYNC-GROUP) and the UID still held there: it is left
// out of every listing, incremental or full, and never written to; the original stays the
// event and takes coopsync's updates. Once the original is gone, the copy is read as an
// event of its own group. A move of the event into the copy's calendar adopts the copy (one
// object per UID there), and from then on it is read as that group's event.
#include "tests/integration/nextcloud/nc_env.hpp"
#include "tests/support/result_text.hpp"

#include <algorithm>

using coopsync::testing::error_text;

using namespace coopsync;
using namespace coopsync::testing::nc;

namespace {

const http::Headers kIcs{{"Content-Type", "text/calendar; charset=utf-8"}, {"If-None-Match", "*"}};

ChangePage read_events(Connector& c, std::string& cursor) {
  auto page = c.changes(EntityKind::kEvent, cursor, std::chrono::milliseconds(0));
  REQUIRE_MESSAGE(page.ok(), error_text(page));
  cursor = page->cursor;
  return *page;
}

std::vector<std::string> listed(const ChangePage& page) {
  std::vector<std::string> ids;
  for (const auto& r : page.records) {
    if (!r.deleted) ids.push_back(r.external_id);
  }
  std::sort(ids.begin(), ids.end());
  return ids;
}

Fields event_fields(const std::string& title, const std::string& group) {
  return Fields{{"title", title},         {"start", "2026-05-16T08:00:00Z"},
                {"end", "2026-05-16T10:00:00Z"}, {"timezone", "Europe/Paris"},
                {"all_day", false},          {"status", "confirmed"},
                {"group", group}};
}

void copy_scenario(Connector& conn, CalBackend& be) {
  for (const std::string g : {"lyon", "nantes", "brest"}) {
    auto made = apply_one(conn, make_write(EntityKind::kGroup, WriteOp::kCreate,
                                           Fields{{"name", g}, {"slug", g}}, "", "g-" + g));
    REQUIRE_MESSAGE(!made.error.has_value(), error_text(made.error));
  }
  auto in_group = [&](const std::string& group, const std::string& method,
                      const std::string& object, const std::string& body = "",
                      http::Headers h = {}) {
    return be.env->raw(method, be.base + "group-" + group + "/" + object, body, std::move(h),
                       be.user, be.password);
  };
  auto in_nantes = [&](const std::string& method, const std::string& object,
                       const std::string& body = "", http::Headers h = {}) {
    return in_group("nantes", method, object, body, std::move(h));
  };
  std::string cursor;
  read_events(conn, cursor);

  auto fair = apply_one(conn, make_write(EntityKind::kEvent, WriteOp::kCreate,
                                         event_fields("Fair", "lyon"), "", "evt-fair"));
  REQUIRE_MESSAGE(!fair.error.has_value(), error_text(fair.error));
  REQUIRE(fair.external_id == "lyon/evt-fair.ics");
  const auto original = be.raw("GET", "evt-fair.ics");
  REQUIRE(original.status == 200);
  CHECK(original.body.find("X-COOPSYNC-GROUP:lyon\r\n") != std::string::npos);
  CHECK(listed(read_events(conn, cursor)) == std::vector<std::string>{"lyon/evt-fair.ics"});

  // Copies under the same name (as a DAV COPY) and under a name of the person's client.
  REQUIRE(in_nantes("PUT", "evt-fair.ics", original.body, kIcs).status == 201);
  REQUIRE(in_group("brest", "PUT", "copied-by-hand.ics", original.body, kIcs).status == 201);
  auto after_copy = read_events(conn, cursor);
  CHECK(listed(after_copy).empty());
  CHECK(after_copy.records.empty());  // nor as deletions

  // coopsync's update goes to the original only; the copy is left as the person made it.
  auto updated = apply_one(conn, make_write(EntityKind::kEvent, WriteOp::kUpdate,
                                            event_fields("Fair (room B)", "lyon"), fair.external_id,
                                            "evt-fair", fair.version));
  REQUIRE_MESSAGE(!updated.error.has_value(), error_text(updated.error));
  CHECK(be.raw("GET", "evt-fair.ics").body.find("SUMMARY:Fair (room B)") != std::string::npos);
  CHECK(in_nantes("GET", "evt-fair.ics").body == original.body);
  CHECK(in_group("brest", "GET", "copied-by-hand.ics").body == original.body);
  CHECK(listed(read_events(conn, cursor)) == std::vector<std::string>{"lyon/evt-fair.ics"});

  // The person edits their copy: still a copy, still not read as an event.
  std::string edited = original.body;
  edited.replace(edited.find("SUMMARY:Fair"), 12, "SUMMARY:Fair (for Nantes)");
  const http::Headers ics_only{{"Content-Type", "text/calendar; charset=utf-8"}};
  REQUIRE(in_nantes("PUT", "evt-fair.ics", edited, ics_only).status / 100 == 2);
  CHECK(listed(read_events(conn, cursor)).empty());

  // A full listing (a lost cursor, a token reset) leaves it out as well.
  std::string none;
  auto full = read_events(conn, none);
  CHECK(full.full_listing);
  CHECK(listed(full) == std::vector<std::string>{"lyon/evt-fair.ics"});

  // The original deleted: the copy is what the person kept, an event of Nantes from now on.
  auto gone = apply_one(conn, make_write(EntityKind::kEvent, WriteOp::kDelete, Fields::object(),
                                         "lyon/evt-fair.ics", "evt-fair", updated.version));
  REQUIRE_FALSE(gone.error.has_value());
  std::string fresh;
  auto kept = read_events(conn, fresh);
  CHECK(listed(kept) ==
        std::vector<std::string>{"brest/copied-by-hand.ics", "nantes/evt-fair.ics"});
  if (const auto* r = by_id(kept, "nantes/evt-fair.ics")) {
    CHECK(r->fields["title"] == "Fair (for Nantes)");
    CHECK(r->fields["group"] == "nantes");
  }

  // A second event, copied to Nantes, then moved there by coopsync (its group changed): the
  // create in Nantes finds the copy (same name: 412) and adopts it, no second object; the old
  // one goes, and the adopted object, rewritten, is read as Nantes' event.
  auto talk = apply_one(conn, make_write(EntityKind::kEvent, WriteOp::kCreate,
                                         event_fields("Talk", "lyon"), "", "evt-talk"));
  REQUIRE_MESSAGE(!talk.error.has_value(), error_text(talk.error));
  const std::string talk_body = be.raw("GET", "evt-talk.ics").body;
  REQUIRE(in_nantes("PUT", "evt-talk.ics", talk_body, kIcs).status == 201);
  read_events(conn, cursor);
  auto moved = apply_one(conn, make_write(EntityKind::kEvent, WriteOp::kUpdate,
                                          event_fields("Talk", "nantes"), talk.external_id,
                                          "evt-talk", talk.version));
  REQUIRE_MESSAGE(!moved.error.has_value(), error_text(moved.error));
  CHECK(moved.external_id == "nantes/evt-talk.ics");
  CHECK(moved.adopted);
  CHECK(be.raw("GET", "evt-talk.ics").status == 404);
  // Its old object back in Lyon (as if the move's delete had failed): the adopted object is
  // linked, so it is the event, read in Nantes, not left out as a copy of Lyon's (a full
  // listing would then take the linked event for gone).
  REQUIRE(be.raw("PUT", "evt-talk.ics", talk_body, kIcs).status == 201);
  auto* nc = dynamic_cast<nextcloud::NextcloudConnector*>(&conn);
  REQUIRE(nc != nullptr);
  nc->set_linked_version([&](EntityKind k, const std::string& id) -> std::optional<std::string> {
    if (k == EntityKind::kEvent && id == moved.external_id) return moved.version;
    return std::nullopt;
  });
  std::string whole;
  CHECK(by_id(read_events(conn, whole), "nantes/evt-talk.ics") != nullptr);
  nc->set_linked_version(nullptr);
  REQUIRE(be.raw("DELETE", "evt-talk.ics").status / 100 == 2);
  auto rewritten = apply_one(conn, make_write(EntityKind::kEvent, WriteOp::kUpdate,
                                              event_fields("Talk", "nantes"), moved.external_id,
                                              "evt-talk", moved.version));
  REQUIRE_MESSAGE(!rewritten.error.has_value(), error_text(rewritten.error));
  CHECK(in_nantes("GET", "evt-talk.ics").body.find("X-COOPSYNC-GROUP:nantes\r\n") !=
        std::string::npos);
  std::string again;
  CHECK(listed(read_events(conn, again)) ==
        std::vector<std::string>{"brest/copied-by-hand.ics", "nantes/evt-fair.ics",
                                 "nantes/evt-talk.ics"});
}

}  // namespace

TEST_CASE("a hand-made copy of an event in another group's calendar (Radicale)") {
  on_radicale_calendar([](Connector& conn, CalBackend& be) { copy_scenario(conn, be); });
}

TEST_CASE("a hand-made copy of an event in another group's calendar (Nextcloud simulator)") {
  SimEnv env;
  auto conn = env.connector(env.settings());
  auto be = CalBackend::simulator(env);
  copy_scenario(*conn, be);
}
