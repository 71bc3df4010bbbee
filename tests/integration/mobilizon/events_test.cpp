// The Mobilizon connector against the simulator: events created, changed and deleted in
// Mobilizon reach the engine as canonical events; updates from the engine land complete.
#include "tests/integration/mobilizon/sim_harness.hpp"

using namespace coopsync;
using namespace coopsync::testing::mobilizon;

namespace {
const char* kCreate =
    "mutation C($b: DateTime!, $e: DateTime) { createEvent(organizerActorId: \"9\", attributedToId: \"12\", "
    "title: \"Fête du printemps\", description: \"<p>Au jardin, <b>venez</b> !</p>\", beginsOn: $b, endsOn: $e, "
    "options: {timezone: \"Europe/Paris\", maximumAttendeeCapacity: 30}, "
    "physicalAddress: {description: \"Jardin\", locality: \"Lyon\"}) { id uuid } }";
}

TEST_CASE("an event created in Mobilizon appears as a canonical event with the right instants and zone") {
  Harness h;
  auto c = h.connector();
  std::string cursor;
  bool full = false;
  auto first = h.drain(*c, EntityKind::kEvent, cursor, &full);
  CHECK(full);
  CHECK(first.size() == 4);  // the group's five events but the draft (not published yet)
  CHECK(find_record(first, "a9a3c1d4-7d6a-4c1e-9f0d-5a7e1f1b2c02") == nullptr);
  REQUIRE(find_record(first, kAssembly) != nullptr);
  CHECK(find_record(first, kAssembly)->fields["capacity"] == 80);

  // 29 March 2026 is the day Europe/Paris moves to summer time: 10:00 local is 08:00 UTC.
  auto created = h.gql(kCreate, {{"b", "2026-03-29T10:00:00+02:00"}, {"e", "2026-03-29T12:30:00+02:00"}});
  REQUIRE(created["data"]["createEvent"].is_object());
  const std::string uuid = created["data"]["createEvent"]["uuid"];

  auto next = h.drain(*c, EntityKind::kEvent, cursor);
  const auto* r = find_record(next, uuid);
  REQUIRE(r != nullptr);
  CHECK(next.size() == 1);  // the activity stream named only the new event
  CHECK(r->fields["title"] == "Fête du printemps");
  CHECK(r->fields["start"] == "2026-03-29T08:00:00Z");
  CHECK(r->fields["end"] == "2026-03-29T10:30:00Z");
  CHECK(r->fields["timezone"] == "Europe/Paris");
  CHECK(r->fields["description"] == "Au jardin, **venez** !");
  CHECK(r->fields["location"] == "Jardin, Lyon");
  CHECK(r->fields["capacity"] == 30);
  CHECK(r->fields["group"] == "jardin_partage");
  CHECK_FALSE(r->version.empty());

  // Nothing happened: nothing reported.
  CHECK(h.drain(*c, EntityKind::kEvent, cursor).empty());

  // Moved in Mobilizon, then deleted there (hard delete: only the activity stream shows it).
  const std::string id = created["data"]["createEvent"]["id"];
  auto moved = h.gql("mutation U($id: ID!) { updateEvent(eventId: $id, beginsOn: \"2026-03-29T11:00:00+02:00\", "
                     "options: {timezone: \"Europe/Paris\"}) { updatedAt } }", {{"id", id}});
  REQUIRE(moved["data"]["updateEvent"].is_object());
  auto after_move = h.drain(*c, EntityKind::kEvent, cursor);
  REQUIRE(after_move.size() == 1);
  CHECK(after_move[0].fields["start"] == "2026-03-29T09:00:00Z");

  REQUIRE(h.gql("mutation D($id: ID!) { deleteEvent(eventId: $id) { id } }", {{"id", id}})["data"]["deleteEvent"].is_object());
  auto after_delete = h.drain(*c, EntityKind::kEvent, cursor);
  REQUIRE(after_delete.size() == 1);
  CHECK(after_delete[0].external_id == uuid);
  CHECK(after_delete[0].deleted);

  // The draft is published: now it is in scope.
  auto published = h.gql("mutation { updateEvent(eventId: \"99\", draft: false, visibility: PRIVATE, "
                         "options: {timezone: \"Europe/Paris\"}) { draft } }");
  REQUIRE(published["data"]["updateEvent"]["draft"] == false);
  auto after_publish = h.drain(*c, EntityKind::kEvent, cursor);
  REQUIRE(after_publish.size() == 1);
  CHECK(after_publish[0].external_id == "a9a3c1d4-7d6a-4c1e-9f0d-5a7e1f1b2c02");
  CHECK(after_publish[0].fields["visibility"] == "private");
}

TEST_CASE("the periodic reconciliation finds changes the activity stream does not show") {
  Harness h(nlohmann::json{{"full_sync_interval", 0}, {"page_size", 2}});
  auto c = h.connector();
  std::string cursor;
  h.drain(*c, EntityKind::kEvent, cursor);
  // A join bumps updatedAt without any activity (API.md 7); a delete leaves the listing.
  auto joined = h.gql("mutation { joinEvent(eventId: \"103\", actorId: \"15\") { role } }");
  CHECK(joined["data"]["joinEvent"]["role"] == "PARTICIPANT");
  REQUIRE(h.gql("mutation { deleteEvent(eventId: \"97\") { id } }")["data"]["deleteEvent"].is_object());
  bool full = true;
  auto records = h.drain(*c, EntityKind::kEvent, cursor, &full);
  CHECK_FALSE(full);
  const auto* bumped = find_record(records, "e1f2a3b4-c5d6-4e7f-8a9b-0c1d2e3f4a5b");
  REQUIRE(bumped != nullptr);
  const auto* gone = find_record(records, "0b7a1e7e-3a34-4d0c-8a57-0f5f0a4f1c01");
  REQUIRE(gone != nullptr);
  CHECK(gone->deleted);
  CHECK(records.size() == 2);
}

TEST_CASE("an update from the engine's side lands completely: nothing is reset") {
  Harness h;
  // The simulator reproduces the pitfall: a bare updateEvent resets omitted fields...
  auto bare = h.gql("mutation { updateEvent(eventId: \"103\", title: \"Chantier\") { joinOptions language options { timezone maximumAttendeeCapacity } } }");
  CHECK(bare["data"]["updateEvent"]["options"]["maximumAttendeeCapacity"].is_null());
  CHECK(bare["data"]["updateEvent"]["language"] == "und");

  // ...while the connector resends the whole event.
  auto c = h.connector();
  Write w;
  w.kind = EntityKind::kEvent;
  w.op = WriteOp::kUpdate;
  w.external_id = kAssembly;
  w.fields = {{"title", "Assemblée générale 2025 (salle changée)"}, {"start", "2025-06-12T16:30:00Z"},
              {"end", "2025-06-12T19:00:00Z"}, {"timezone", "Europe/Paris"}, {"capacity", 100},
              {"description", "Ordre du jour : bilan, budget, élections du CA.\n\nSalle B, 1er étage."},
              {"status", "confirmed"}, {"visibility", "public"},
              {"location", "Maison des associations, 12 rue des Lilas, 69003 Lyon, France"}};
  w.changed = {"title", "start", "end", "capacity", "description"};
  auto results = c->apply({w});
  REQUIRE(results.size() == 1);
  REQUIRE_MESSAGE(!results[0].error, coopsync::testing::error_text(results[0].error));
  CHECK_FALSE(results[0].version.empty());

  auto now = h.gql(std::string("{ event(uuid: \"") + kAssembly + "\") { title beginsOn endsOn joinOptions language category "
                   "tags { title } options { maximumAttendeeCapacity timezone showStartTime showRemainingAttendeeCapacity } "
                   "physicalAddress { id geom } description visibility } }")["data"]["event"];
  CHECK(now["title"] == "Assemblée générale 2025 (salle changée)");
  CHECK(now["beginsOn"] == "2025-06-12T16:30:00Z");
  CHECK(now["endsOn"] == "2025-06-12T19:00:00Z");
  CHECK(now["joinOptions"] == "RESTRICTED");
  CHECK(now["language"] == "fr");
  CHECK(now["category"] == "MEETING");
  CHECK(now["tags"].size() == 2);
  CHECK(now["options"]["maximumAttendeeCapacity"] == 100);
  CHECK(now["options"]["timezone"] == "Europe/Paris");
  CHECK(now["options"]["showStartTime"] == true);
  CHECK(now["options"]["showRemainingAttendeeCapacity"] == true);
  CHECK(now["physicalAddress"]["id"] == "44");
  CHECK(now["physicalAddress"]["geom"] == "4.8467;45.7578");
  CHECK(now["description"] == "<p>Ordre du jour : bilan, budget, élections du CA.</p><p>Salle B, 1er étage.</p>");

  // Read back, the event equals what the engine wrote: no echo difference.
  std::string cursor;
  auto records = h.drain(*c, EntityKind::kEvent, cursor);
  const auto* r = find_record(records, kAssembly);
  REQUIRE(r != nullptr);
  for (const auto& key : {"title", "start", "end", "timezone", "capacity", "description", "status", "visibility", "location"}) {
    CHECK_MESSAGE(r->fields[key] == w.fields[key], key);
  }
}

TEST_CASE("events created from another system, adopted rather than duplicated") {
  Harness h;
  auto c = h.connector();
  Write w;
  w.kind = EntityKind::kEvent;
  w.op = WriteOp::kCreate;
  w.key = "odoo-event-7";
  w.fields = {{"title", "Portes ouvertes"}, {"description", "Visite du jardin"}, {"start", "2026-10-25T08:00:00Z"},
              {"end", "2026-10-25T11:00:00Z"}, {"timezone", "Europe/Paris"}, {"capacity", 25},
              {"status", "tentative"}, {"visibility", "public"}, {"location", "Jardin, Lyon"}, {"online_url", nullptr},
              {"group", "jardin_partage"}};
  auto first = c->apply({w});
  REQUIRE_MESSAGE(!first[0].error, coopsync::testing::error_text(first[0].error));
  CHECK_FALSE(first[0].adopted);
  auto again = c->apply({w});  // a retry after a lost answer
  REQUIRE(!again[0].error);
  CHECK(again[0].adopted);
  CHECK(again[0].external_id == first[0].external_id);
  auto now = h.gql("{ event(uuid: \"" + first[0].external_id + "\") { status language options { maximumAttendeeCapacity timezone } attributedTo { id } organizerActor { id } } }")["data"]["event"];
  CHECK(now["status"] == "TENTATIVE");
  CHECK(now["options"]["maximumAttendeeCapacity"] == 25);
  CHECK(now["attributedTo"]["id"] == "12");
  CHECK(now["organizerActor"]["id"] == "9");
}

TEST_CASE("remote events are read but never written") {
  Harness h(nlohmann::json{{"groups", {"jardin_partage", "reseau_sud@mobilizon.other.example"}}});
  auto c = h.connector();
  std::string cursor;
  auto records = h.drain(*c, EntityKind::kEvent, cursor);
  const auto* remote = find_record(records, "c0ffee00-1234-4abc-8def-0123456789ab");
  REQUIRE(remote != nullptr);
  CHECK(remote->fields["group"] == "reseau_sud@mobilizon.other.example");
  h.control("DELETE", "/_sim/stats");
  Write w;
  w.kind = EntityKind::kEvent;
  w.op = WriteOp::kUpdate;
  w.external_id = remote->external_id;
  w.fields = remote->fields;
  w.fields["title"] = "Changed here";
  auto results = c->apply({w});
  REQUIRE(results[0].error.has_value());
  CHECK(results[0].error->kind == ErrorKind::kPermanent);
  // Nor cancelled (disable) nor deleted from here.
  Write disable = w;
  disable.op = WriteOp::kDisable;
  Write remove = w;
  remove.op = WriteOp::kDelete;
  for (const auto& r : c->apply({disable, remove})) {
    REQUIRE(r.error.has_value());
    CHECK(r.error->kind == ErrorKind::kPermanent);
  }
  const auto stats = h.control("GET", "/_sim/stats");
  CHECK_FALSE(stats.contains("op:UpdateEvent"));
  CHECK_FALSE(stats.contains("op:DeleteEvent"));
}

TEST_CASE("HTTP 5xx, 429 and dropped connections are retryable; the next pass resumes") {
  Harness h;
  auto c = h.connector();
  std::string cursor;
  h.drain(*c, EntityKind::kEvent, cursor);
  h.control("POST", "/_sim/faults", {{"every_nth", 1}, {"count", 1}, {"kinds", {"status:503"}}});
  auto failed = c->changes(EntityKind::kEvent, cursor, std::chrono::milliseconds(0));
  REQUIRE_FALSE(failed.ok());
  CHECK(failed.error().kind == ErrorKind::kTransient);
  // libcurl silently retries a request once when a reused connection dies: drop twice.
  h.control("POST", "/_sim/faults", {{"every_nth", 1}, {"count", 2}, {"kinds", {"drop"}}});
  auto dropped = c->changes(EntityKind::kEvent, cursor, std::chrono::milliseconds(0));
  REQUIRE_FALSE(dropped.ok());
  CHECK(dropped.error().retryable());
  // A proxy's 429 is rate limiting, with its Retry-After honoured.
  h.control("POST", "/_sim/faults", {{"every_nth", 1}, {"count", 1}, {"kinds", {"rate_limit"}}, {"retry_after_ms", 3000}});
  auto limited = c->changes(EntityKind::kEvent, cursor, std::chrono::milliseconds(0));
  REQUIRE_FALSE(limited.ok());
  CHECK(limited.error().kind == ErrorKind::kRateLimited);
  REQUIRE(limited.error().retry_after.has_value());
  CHECK(*limited.error().retry_after == std::chrono::seconds(3));
  h.control("POST", "/_sim/faults", nlohmann::json::object());
  auto ok = c->changes(EntityKind::kEvent, cursor, std::chrono::milliseconds(0));
  CHECK(ok.ok());
}
