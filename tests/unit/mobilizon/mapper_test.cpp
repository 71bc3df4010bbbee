#include "connectors/mobilizon/mapper.hpp"

#include "tests/support/fixtures.hpp"

#include <doctest/doctest.h>

using namespace coopsync;
using namespace coopsync::mobilizon;

namespace {
Settings settings() {
  Settings s;
  s.url = "https://m.example";
  s.groups = {"jardin_partage"};
  return s;
}

// The shape of EventFields as Mobilizon answers it (values from examples/20_event_by_uuid.json).
nlohmann::json event_json() {
  return nlohmann::json::parse(R"({
    "id": "101", "uuid": "5d1c9a52-6f0e-4b7e-9a1d-2f4c7b8e3a10", "local": true,
    "title": "Assemblée générale 2025",
    "description": "<p>Ordre du jour : bilan, budget, élections du CA.</p>",
    "beginsOn": "2025-06-12T16:00:00Z", "endsOn": "2025-06-12T18:30:00Z",
    "status": "CONFIRMED", "visibility": "PUBLIC", "joinOptions": "RESTRICTED", "draft": false,
    "category": "MEETING", "language": "fr", "onlineAddress": null, "phoneAddress": null,
    "externalParticipationUrl": null, "updatedAt": "2025-05-02T08:15:02Z", "insertedAt": "2025-05-02T08:15:02Z",
    "physicalAddress": {"id": "44", "description": "Maison des associations", "street": "12 rue des Lilas",
      "locality": "Lyon", "postalCode": "69003", "region": "Auvergne-Rhône-Alpes", "country": "France",
      "geom": "4.8467;45.7578", "timezone": "Europe/Paris", "originId": null, "type": null, "url": null},
    "options": {"maximumAttendeeCapacity": 80, "remainingAttendeeCapacity": null,
      "showRemainingAttendeeCapacity": true, "anonymousParticipation": false, "showStartTime": true,
      "showEndTime": true, "timezone": "Europe/Paris", "hideOrganizerWhenGroupEvent": null, "isOnline": false},
    "participantStats": {"participant": 2, "notApproved": 1},
    "organizerActor": {"id": "9", "preferredUsername": "coopbridge", "domain": null},
    "attributedTo": {"id": "12", "preferredUsername": "jardin_partage", "domain": null},
    "tags": [{"title": "assemblée générale"}, {"title": "coopérative"}],
    "contacts": [{"id": "7"}]
  })");
}
}  // namespace

TEST_CASE("a Mobilizon event becomes a canonical event") {
  auto r = event_to_record(event_json(), settings());
  REQUIRE(r.ok());
  CHECK(r->external_id == "5d1c9a52-6f0e-4b7e-9a1d-2f4c7b8e3a10");
  CHECK(r->version == "2025-05-02T08:15:02Z");
  const auto& f = r->fields;
  CHECK(f["title"] == "Assemblée générale 2025");
  CHECK(f["description"] == "Ordre du jour : bilan, budget, élections du CA.");
  CHECK(f["start"] == "2025-06-12T16:00:00Z");
  CHECK(f["end"] == "2025-06-12T18:30:00Z");
  CHECK(f["timezone"] == "Europe/Paris");
  CHECK(f["location"] == "Maison des associations, 12 rue des Lilas, 69003 Lyon, France");
  CHECK(f["online_url"].is_null());
  CHECK(f["capacity"] == 80);
  CHECK(f["status"] == "confirmed");
  CHECK(f["visibility"] == "public");
  CHECK(f["group"] == "jardin_partage");
  CHECK_FALSE(is_remote_event(event_json()));
}

TEST_CASE("unlimited capacity, no end, remote group") {
  auto e = event_json();
  e["options"]["maximumAttendeeCapacity"] = 0;
  e["endsOn"] = nullptr;
  e["attributedTo"]["domain"] = "other.example";
  auto r = event_to_record(e, settings());
  REQUIRE(r.ok());
  CHECK(r->fields["capacity"].is_null());
  CHECK(r->fields["end"].is_null());
  CHECK(r->fields["group"] == "jardin_partage@other.example");
  CHECK(is_remote_event(e));
}

TEST_CASE("a hostile event is refused with a message, not a crash") {
  auto e = event_json();
  e["beginsOn"] = 12;
  CHECK_FALSE(event_to_record(e, settings()).ok());
  e = event_json();
  e.erase("uuid");
  CHECK_FALSE(event_to_record(e, settings()).ok());
  CHECK_FALSE(event_to_record(nlohmann::json::array(), settings()).ok());
}

TEST_CASE("an update resends every field Mobilizon would otherwise reset") {
  // PITFALLS.md 9: omitted visibility, joinOptions, tags, options, language, contacts are reset.
  Fields target = {{"title", "AG (salle changée)"}, {"capacity", 100}, {"start", "2025-06-12T16:30:00Z"}};
  auto v = event_variables(target, event_json(), settings());
  REQUIRE(v.ok());
  CHECK((*v)["title"] == "AG (salle changée)");
  CHECK((*v)["beginsOn"] == "2025-06-12T16:30:00Z");
  CHECK((*v)["endsOn"] == "2025-06-12T18:30:00Z");
  CHECK((*v)["visibility"] == "PUBLIC");
  CHECK((*v)["joinOptions"] == "RESTRICTED");
  CHECK((*v)["language"] == "fr");
  CHECK((*v)["category"] == "MEETING");
  CHECK((*v)["draft"] == false);
  CHECK((*v)["tags"] == nlohmann::json::array({"assemblée générale", "coopérative"}));
  CHECK((*v)["contacts"] == nlohmann::json::array({{{"id", "7"}}}));
  CHECK((*v)["options"]["maximumAttendeeCapacity"] == 100);
  CHECK((*v)["options"]["timezone"] == "Europe/Paris");
  CHECK((*v)["options"]["showStartTime"] == true);
  CHECK((*v)["physicalAddress"]["id"] == "44");
  CHECK((*v)["physicalAddress"]["geom"] == "4.8467;45.7578");
  // The description is unchanged: the server's HTML is not rewritten.
  CHECK((*v)["description"] == "<p>Ordre du jour : bilan, budget, élections du CA.</p>");
}

TEST_CASE("canonical values are translated for Mobilizon") {
  Fields target = {{"description", "Nouveau\n\ntexte"}, {"status", "cancelled"}, {"visibility", "private"},
                   {"capacity", nullptr}, {"location", "Salle des fêtes, Villeurbanne"}, {"timezone", "Europe/Paris"},
                   {"end", nullptr}};
  auto v = event_variables(target, event_json(), settings());
  REQUIRE(v.ok());
  CHECK((*v)["description"] == "<p>Nouveau</p><p>texte</p>");
  CHECK((*v)["status"] == "CANCELLED");
  CHECK((*v)["visibility"] == "PRIVATE");
  CHECK_FALSE((*v)["options"].contains("maximumAttendeeCapacity"));
  CHECK((*v)["physicalAddress"] == nlohmann::json({{"description", "Salle des fêtes, Villeurbanne"}, {"timezone", "Europe/Paris"}}));
  CHECK((*v)["endsOn"].is_null());

  CHECK_FALSE(event_variables({{"status", "postponed"}}, event_json(), settings()).ok());
  CHECK_FALSE(event_variables({{"timezone", "Mars/Olympus"}}, event_json(), settings()).ok());
  CHECK_FALSE(event_variables({{"start", "tomorrow"}}, event_json(), settings()).ok());
}

TEST_CASE("a create carries the configured defaults") {
  Fields target = {{"title", "Atelier"}, {"description", "x"}, {"start", "2026-03-29T08:00:00Z"},
                   {"timezone", "Europe/Paris"}};
  auto v = event_variables(target, nlohmann::json(), settings());
  REQUIRE(v.ok());
  CHECK((*v)["visibility"] == "PUBLIC");
  CHECK((*v)["joinOptions"] == "FREE");
  CHECK((*v)["language"] == "fr");
  CHECK((*v)["description"] == "<p>x</p>");
  CHECK((*v)["options"]["timezone"] == "Europe/Paris");
}

TEST_CASE("roles and statuses") {
  CHECK(registration_status("PARTICIPANT") == "registered");
  CHECK(registration_status("CREATOR") == "registered");
  CHECK(registration_status("NOT_APPROVED") == "waitlisted");
  CHECK(registration_status("REJECTED") == "cancelled");
  CHECK(participant_role("waitlisted") == "NOT_APPROVED");
  CHECK(participant_role("cancelled") == "REJECTED");
  CHECK_FALSE(participant_role("maybe").has_value());
  CHECK(split_pair_id(registration_id("u-u-i-d", "21"))->second == "21");
  CHECK_FALSE(split_pair_id("nothing").has_value());
  CHECK(membership_role("MODERATOR") == "admin");
  CHECK(membership_role("INVITED") == "member");
  CHECK_FALSE(membership_role("REJECTED").has_value());
}
