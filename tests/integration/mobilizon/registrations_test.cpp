// Participants <-> registrations, capacity, and the session surviving token expiry.
#include "tests/integration/mobilizon/sim_harness.hpp"

using namespace coopsync;
using namespace coopsync::testing::mobilizon;

namespace {
std::string reg(const std::string& actor) { return std::string(kAssembly) + "/" + actor; }
}  // namespace

TEST_CASE("participants become registrations; approvals from the engine land; capacity holds") {
  Harness h;
  auto c = h.connector();
  std::string cursor;
  bool full = false;
  auto first = h.drain(*c, EntityKind::kRegistration, cursor, &full);
  CHECK(full);
  REQUIRE(find_record(first, reg("21")) != nullptr);
  CHECK(find_record(first, reg("21"))->fields["status"] == "waitlisted");   // NOT_APPROVED
  CHECK(find_record(first, reg("7"))->fields["status"] == "registered");    // PARTICIPANT
  CHECK(find_record(first, reg("88"))->fields["status"] == "registered");   // remote participant
  CHECK(find_record(first, reg("9")) == nullptr);  // CREATOR: the bridge itself, no registration
  CHECK(find_record(first, reg("7"))->fields["event"] == kAssembly);
  CHECK(find_record(first, reg("7"))->fields["person"] == "7");

  // Persons met as participants are listed, read-only.
  std::string person_cursor;
  auto persons = h.drain(*c, EntityKind::kPerson, person_cursor);
  REQUIRE(find_record(persons, "88") != nullptr);
  CHECK(find_record(persons, "88")->fields["display_name"] == "Chloé");
  CHECK(person_cursor.empty());  // every pass lists them all

  // Registrations whose person was not listed yet are reported again on the next pass,
  // once the person has been (the engine pulls persons first and could not link them).
  auto again = h.drain(*c, EntityKind::kRegistration, cursor);
  CHECK(find_record(again, reg("88")) != nullptr);

  // Nothing changed: only the index is read, no participant list.
  h.control("DELETE", "/_sim/stats");
  CHECK(h.drain(*c, EntityKind::kRegistration, cursor).empty());
  CHECK_FALSE(h.control("GET", "/_sim/stats").contains("op:EventParticipants"));

  // The engine approves Bruno (registered elsewhere, or a seat freed).
  Write approve;
  approve.kind = EntityKind::kRegistration;
  approve.op = WriteOp::kUpdate;
  approve.external_id = reg("21");
  approve.fields = {{"event", kAssembly}, {"person", "21"}, {"status", "registered"}};
  auto results = c->apply({approve});
  REQUIRE_MESSAGE(!results[0].error, coopsync::testing::error_text(results[0].error));
  auto p = h.gql(std::string("{ event(uuid: \"") + kAssembly + "\") { participants(roles: \"participant\") { total } } }");
  CHECK(p["data"]["event"]["participants"]["total"] == 3);
  // Applying it again is harmless (Mobilizon refuses "same role"; the connector does not ask).
  CHECK_FALSE(c->apply({approve})[0].error.has_value());

  // The change bumped updatedAt: the next pass re-reads that event only and reports it.
  auto after = h.drain(*c, EntityKind::kRegistration, cursor);
  REQUIRE(find_record(after, reg("21")) != nullptr);
  CHECK(find_record(after, reg("21"))->fields["status"] == "registered");

  // Capacity from the engine: three seats, three PARTICIPANTs; Mobilizon refuses the next join.
  Write cap;
  cap.kind = EntityKind::kEvent;
  cap.op = WriteOp::kUpdate;
  cap.external_id = kAssembly;
  cap.fields = {{"capacity", 3}};
  REQUIRE_FALSE(c->apply({cap})[0].error.has_value());
  auto join = h.gql("mutation { joinEvent(eventId: \"101\", actorId: \"15\") { role } }");
  REQUIRE(join["errors"].is_array());
  CHECK(join["errors"][0]["message"] == "The event has already reached its maximum capacity");
  std::string event_cursor;
  auto events = h.drain(*c, EntityKind::kEvent, event_cursor);
  CHECK(find_record(events, kAssembly)->fields["capacity"] == 3);

  // A participant who leaves disappears from the registrations.
  Write cancel = approve;
  cancel.op = WriteOp::kDisable;
  REQUIRE_FALSE(c->apply({cancel})[0].error.has_value());
  auto cancelled = h.drain(*c, EntityKind::kRegistration, cursor);
  REQUIRE(find_record(cancelled, reg("21")) != nullptr);
  CHECK(find_record(cancelled, reg("21"))->fields["status"] == "cancelled");
  auto left = h.gql("mutation { joinEvent(eventId: \"104\", actorId: \"15\") { role } }");
  REQUIRE(left["data"]["joinEvent"]["role"] == "PARTICIPANT");
  auto joined = h.drain(*c, EntityKind::kRegistration, cursor);
  REQUIRE(find_record(joined, "f0e1d2c3-b4a5-4968-8776-655443322110/15") != nullptr);
  REQUIRE(h.gql("mutation { leaveEvent(eventId: \"104\", actorId: \"15\") { id } }")["data"]["leaveEvent"].is_object());
  auto gone = h.drain(*c, EntityKind::kRegistration, cursor);
  const auto* left_record = find_record(gone, "f0e1d2c3-b4a5-4968-8776-655443322110/15");
  REQUIRE(left_record != nullptr);
  CHECK(left_record->deleted);
}

TEST_CASE("token expiry mid-pass is survived: refresh, persist the rotated token, continue") {
  Harness h(nlohmann::json{{"page_size", 2}});
  auto c = h.connector();
  std::string cursor;
  auto page = c->changes(EntityKind::kEvent, cursor, std::chrono::milliseconds(0));
  REQUIRE(page.ok());
  REQUIRE(page->has_more);
  const std::string first_refresh = h.state().values.at("refresh_token");
  cursor = page->cursor;

  h.control("POST", "/_sim/expire_tokens", {{"access", true}});
  auto rest = h.drain(*c, EntityKind::kEvent, cursor);
  CHECK(c->client().refreshes() == 1);
  CHECK(c->client().logins() == 1);
  // Rotation: the stored refresh token is the new one, and the old one no longer works.
  const std::string second_refresh = h.state().values.at("refresh_token");
  CHECK(second_refresh != first_refresh);
  auto reuse = h.raw("mutation R($t: String!) { refreshToken(refreshToken: $t) { accessToken } }", {{"t", first_refresh}});
  CHECK(reuse["errors"][0]["message"] == "Cannot refresh the token");

  // Both tokens dead (refresh revoked too): the connector logs in again by itself.
  h.control("POST", "/_sim/expire_tokens", {{"access", true}, {"refresh", true}});
  std::string fresh;
  auto all = h.drain(*c, EntityKind::kEvent, fresh);
  CHECK(all.size() == 4);
  CHECK(c->client().logins() == 2);

  // A new connector (a daemon restart) starts from the persisted refresh token, not the password.
  auto restarted = h.connector();
  REQUIRE(restarted->check().ok());
  CHECK(restarted->client().logins() == 0);
  CHECK(restarted->client().refreshes() == 1);
}

TEST_CASE("wrong credentials are an auth error") {
  Harness h(nlohmann::json{{"password", "not the password"}});
  auto c = h.connector();
  auto st = c->check();
  REQUIRE_FALSE(st.ok());
  CHECK(st.error().kind == ErrorKind::kAuth);
  CHECK(st.error().message.find("not the password") == std::string::npos);
}

TEST_CASE("groups and memberships") {
  Harness h;
  auto c = h.connector();
  std::string cursor;
  auto groups = h.drain(*c, EntityKind::kGroup, cursor);
  REQUIRE(groups.size() == 1);
  CHECK(groups[0].fields["slug"] == "jardin_partage");
  CHECK(groups[0].fields["description"] == "Coopérative de jardinage urbain");
  std::string mcursor;
  auto members = h.drain(*c, EntityKind::kMembership, mcursor);
  CHECK(members.size() == 2);
  CHECK(find_record(members, "jardin_partage/9") == nullptr);  // the bridge itself: not a member to sync
  CHECK(find_record(members, "jardin_partage/7")->fields["role"] == "member");

  Write remove;
  remove.kind = EntityKind::kMembership;
  remove.op = WriteOp::kDelete;
  remove.external_id = "jardin_partage/7";
  REQUIRE_FALSE(c->apply({remove})[0].error.has_value());
  Write invite;
  invite.kind = EntityKind::kMembership;
  invite.op = WriteOp::kCreate;
  invite.fields = {{"group", "jardin_partage"}, {"person", "7"}, {"role", "member"}};
  auto invited = c->apply({invite});
  REQUIRE_MESSAGE(!invited[0].error, coopsync::testing::error_text(invited[0].error));
  CHECK(invited[0].external_id == "jardin_partage/7");
  auto after = h.drain(*c, EntityKind::kMembership, mcursor);
  CHECK(find_record(after, "jardin_partage/7") != nullptr);
}
