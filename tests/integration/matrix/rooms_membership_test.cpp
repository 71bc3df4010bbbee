// End-to-end against the Matrix simulator: a collective becomes a room in the space; a
// restart finds it again by alias; members are invited once and kicked with a reason;
// joins and leaves in Matrix come back through /sync.
#include "connectors/matrix/matrix_connector.hpp"
#include "tests/integration/matrix/matrix_sim.hpp"

#include <doctest/doctest.h>

using namespace coopsync;
using namespace coopsync::testing::matrix_it;

namespace {
json seed() {
  return {{"appservice", appservice_seed()},
          {"users",
           {{{"localpart", "alice"}, {"displayname", "Alice"}},
            {{"localpart", "bob"}, {"displayname", "Bob"}},
            {{"localpart", "carol"}, {"displayname", "Carol"}}}},
          {"rate_limits", {{"enabled", true}}}};
}

int member_events_for(const json& room, const std::string& user) {
  int n = 0;
  for (const auto& ev : room["member_events"]) n += ev["target"] == user ? 1 : 0;
  return n;
}
}  // namespace

TEST_CASE("collective -> private room in the space; a restart finds it by alias") {
  MatrixSim sim(seed());
  std::string room_id;
  {
    auto c = sim.connector(appservice_settings());
    REQUIRE(c->check().ok());
    auto r = c->apply({group_write("k1", "board", "Board")});
    REQUIRE(r.size() == 1);
    REQUIRE_FALSE(r[0].error.has_value());
    CHECK_FALSE(r[0].adopted);
    room_id = r[0].external_id;
  }
  auto st = sim.state();
  const auto& room = st["rooms"][room_id];
  CHECK(room["name"] == "Board");
  CHECK(room["topic"] == "The Board collective");
  CHECK(room["aliases"] == json::array({"#coop_board:localhost"}));
  CHECK(room["state"]["m.room.join_rules|"]["join_rule"] == "invite");
  CHECK(room["power_levels"]["users"]["@coop_bridge:localhost"] == 100);
  const std::string space_id = st["aliases"]["#coop_space:localhost"];
  CHECK(st["rooms"][space_id]["type"] == "m.space");
  CHECK(st["rooms"][space_id]["state"].contains("m.space.child|" + room_id));
  CHECK(room["state"].contains("m.space.parent|" + space_id));

  // A new connector instance (a restart): same room, adopted, no second room or space.
  auto again = sim.connector(appservice_settings());
  auto r = again->apply({group_write("k2", "board", "Board")});
  REQUIRE_FALSE(r[0].error.has_value());
  CHECK(r[0].adopted);
  CHECK(r[0].external_id == room_id);
  CHECK(r[0].matched_key == "alias");
  CHECK(r[0].matched_value.rfind("#", 0) == 0);
  CHECK(sim.state()["rooms"].size() == 2);

  // The space's hierarchy lists it as a collective, slug recovered from the alias.
  auto page = again->changes(EntityKind::kGroup, "", std::chrono::milliseconds(0));
  REQUIRE(page.ok());
  CHECK(page->full_listing);
  REQUIRE(page->records.size() == 1);
  CHECK(page->records[0].external_id == room_id);
  CHECK(page->records[0].fields["slug"] == "board");
  CHECK(page->records[0].fields["name"] == "Board");

  // A rename changes the room's name state, once.
  auto renamed = group_write("k3", "board", "Board & Council", WriteOp::kUpdate, room_id);
  REQUIRE_FALSE(again->apply({renamed})[0].error.has_value());
  CHECK(sim.state()["rooms"][room_id]["name"] == "Board & Council");
}

TEST_CASE("members are invited once, adopted when present, kicked with the reason") {
  MatrixSim sim(seed());
  auto c = sim.connector(appservice_settings());
  auto g = c->apply({group_write("g", "garden", "Garden")});
  REQUIRE_FALSE(g[0].error.has_value());
  const std::string room = g[0].external_id;

  auto r = c->apply({membership_write("m1", room, "@alice:localhost"),
                     membership_write("m2", room, "@bob:localhost")});
  REQUIRE_FALSE(r[0].error.has_value());
  REQUIRE_FALSE(r[1].error.has_value());
  CHECK(r[0].external_id == room + "|@alice:localhost");
  CHECK(sim.state()["rooms"][room]["members"]["@alice:localhost"] == "invite");

  // Alice accepts; the same membership written again is adopted, not re-invited.
  sim.act({{"user_id", "@alice:localhost"}, {"action", "join"}, {"room_id", room}});
  auto again = c->apply({membership_write("m1-retry", room, "@alice:localhost")});
  REQUIRE_FALSE(again[0].error.has_value());
  CHECK(again[0].adopted);
  auto st = sim.state()["rooms"][room];
  CHECK(member_events_for(st, "@alice:localhost") == 2);  // invite + her join, nothing more

  // Bob leaves the collective: kicked (his pending invite revoked) with the reason.
  auto kick = c->apply({membership_write("m3", room, "@bob:localhost", WriteOp::kDelete)});
  REQUIRE_FALSE(kick[0].error.has_value());
  st = sim.state()["rooms"][room];
  CHECK(st["members"]["@bob:localhost"] == "leave");
  CHECK(st["member_events"].back()["content"]["reason"] == "left the collective");
  // Removing someone already out is a no-op, not an error.
  auto twice = c->apply({membership_write("m4", room, "@bob:localhost", WriteOp::kDelete)});
  REQUIRE_FALSE(twice[0].error.has_value());
  CHECK(member_events_for(sim.state()["rooms"][room], "@bob:localhost") == 2);
}

TEST_CASE("joins and leaves in Matrix come back as membership changes through /sync") {
  MatrixSim sim(seed());
  auto c = sim.connector(appservice_settings());
  const std::string room = c->apply({group_write("g", "kitchen", "Kitchen")})[0].external_id;
  REQUIRE_FALSE(c->apply({membership_write("m1", room, "@alice:localhost")})[0].error.has_value());
  sim.act({{"user_id", "@alice:localhost"}, {"action", "join"}, {"room_id", room}});

  auto full = c->changes(EntityKind::kMembership, "", std::chrono::milliseconds(0));
  REQUIRE(full.ok());
  CHECK(full->full_listing);
  REQUIRE(full->records.size() == 1);
  CHECK(full->records[0].external_id == room + "|@alice:localhost");
  CHECK_FALSE(full->records[0].deleted);
  CHECK(c->capabilities().push_kinds == std::set<EntityKind>{EntityKind::kMembership});

  // Carol is invited by someone in Element and joins; Alice leaves.
  REQUIRE_FALSE(c->apply({membership_write("m2", room, "@carol:localhost")})[0].error.has_value());
  sim.act({{"user_id", "@carol:localhost"}, {"action", "join"}, {"room_id", room}});
  sim.act({{"user_id", "@alice:localhost"}, {"action", "leave"}, {"room_id", room}});
  auto next = c->changes(EntityKind::kMembership, full->cursor, std::chrono::milliseconds(20000));
  REQUIRE(next.ok());
  std::map<std::string, bool> seen;
  for (const auto& rec : next->records) seen[rec.fields["person"]] = rec.deleted;
  CHECK(seen.size() == 2);
  CHECK(seen["@carol:localhost"] == false);
  CHECK(seen["@alice:localhost"] == true);

  // Nothing new: a short long-poll comes back empty with a usable cursor.
  auto idle = c->changes(EntityKind::kMembership, next->cursor, std::chrono::milliseconds(300));
  REQUIRE(idle.ok());
  CHECK(idle->records.empty());
  CHECK_FALSE(idle->cursor.empty());
}

TEST_CASE("a new room invites the members planned with it in its creation, and so does the space") {
  MatrixSim sim(seed());
  auto c = sim.connector(appservice_settings());
  REQUIRE(c->check().ok());
  CHECK(c->capabilities().fold_memberships_into == EntityKind::kGroup);
  auto w = group_write("g", "garden", "Garden");
  w.memberships = {{"m1", "@alice:localhost"}, {"m2", "@bob:localhost"}};
  const auto before = sim.stats()["requests"].get<int>();
  auto r = c->apply({w});
  REQUIRE(r.size() == 1);
  REQUIRE_FALSE(r[0].error.has_value());
  // The space's alias, its creation, the room's alias, its creation, the space's child link:
  // no invite of its own (one each in the room and in the space otherwise: 4 more).
  CHECK(sim.stats()["requests"].get<int>() - before <= 5);
  const std::string room = r[0].external_id;
  REQUIRE(r[0].memberships.size() == 2);
  CHECK(r[0].memberships[0].external_id == room + "|@alice:localhost");
  CHECK(r[0].memberships[1].external_id == room + "|@bob:localhost");
  auto st = sim.state();
  const std::string space = st["aliases"]["#coop_space:localhost"];
  for (const std::string user : {"@alice:localhost", "@bob:localhost"}) {
    CAPTURE(user);
    CHECK(st["rooms"][room]["members"][user] == "invite");
    CHECK(st["rooms"][space]["members"][user] == "invite");
    CHECK(member_events_for(st["rooms"][room], user) == 1);
    CHECK(member_events_for(st["rooms"][space], user) == 1);
  }
  CHECK(st["rooms"][room]["members"].value("@carol:localhost", "") == "");

  // The membership sent on its own afterwards (as the engine would, had the answer been
  // lost) invites nobody twice.
  auto again = c->apply({membership_write("m1", room, "@alice:localhost")});
  REQUIRE_FALSE(again[0].error.has_value());
  CHECK(member_events_for(sim.state()["rooms"][room], "@alice:localhost") == 1);

  // With an invite reason, which a creation cannot carry, members are invited one by one.
  auto with_reason = appservice_settings();
  with_reason["invite_reason"] = "welcome";
  CHECK_FALSE(sim.connector(with_reason)->capabilities().fold_memberships_into.has_value());
}

TEST_CASE("a rate-limited bot's creations invite at most 10: Synapse refuses a longer list") {
  // Synapse 1.67 checks a creation's invite list against rc_invites.per_room (burst 10)
  // and answers 400 "Cannot invite so many users at once" before making anything; the
  // members past the first 10 are invited on their own afterwards, under rc_invites.
  json seed = {{"users", {{{"localpart", "coopbot"}, {"password", "bot-pass-123"}}}},
               {"rate_limits", {{"enabled", true}, {"message", {{"per_second", 4}, {"burst", 10}}}}}};
  for (int i = 0; i < 12; ++i) seed["users"].push_back({{"localpart", "u" + std::to_string(i)}});
  MatrixSim sim(seed);
  MemoryState state;
  auto c = sim.connector({{"mode", "bot"}, {"bot_localpart", "coopbot"}, {"password", "bot-pass-123"}},
                         &state);
  REQUIRE(c->check().ok());
  auto w = group_write("g", "crowd", "Crowd");
  for (int i = 0; i < 12; ++i) {
    w.memberships.push_back({"m" + std::to_string(i), "@u" + std::to_string(i) + ":localhost"});
  }
  auto r = c->apply({w});
  REQUIRE(r.size() == 1);
  REQUIRE_FALSE(r[0].error.has_value());
  const std::string room = r[0].external_id;
  REQUIRE(r[0].memberships.size() == 12);
  auto st = sim.state();
  const std::string space = st["aliases"]["#coop_space:localhost"];
  for (int i = 0; i < 12; ++i) {
    const std::string user = "@u" + std::to_string(i) + ":localhost";
    CAPTURE(user);
    if (i < 10) {  // in the creations
      CHECK(r[0].memberships[i].external_id == room + "|" + user);
      CHECK(st["rooms"][room]["members"][user] == "invite");
      CHECK(st["rooms"][space]["members"][user] == "invite");
    } else {  // not written with it: the engine sends it on its own
      CHECK(r[0].memberships[i].external_id.empty());
      CHECK(st["rooms"][room]["members"].value(user, "") == "");
      auto m = c->apply({membership_write("m" + std::to_string(i), room, user)});
      REQUIRE_FALSE(m[0].error.has_value());
    }
  }
  st = sim.state();
  for (const std::string user : {"@u10:localhost", "@u11:localhost"}) {
    CHECK(st["rooms"][room]["members"][user] == "invite");
    CHECK(st["rooms"][space]["members"][user] == "invite");
  }
  // Refused once (the space's creation), then the room's was sent with 10 at once.
  CHECK(st["rooms"].size() == 2);
}
