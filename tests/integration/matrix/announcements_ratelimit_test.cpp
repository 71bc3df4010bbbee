// End-to-end against the Matrix simulator: an announcement whose first attempt is carried
// out but its answer lost appears once after the retry; a change edits it; cancellation
// edits it to say so; a bot account under a 429 storm is slowed down, not failed; people
// are found or created through the admin API.
#include "connectors/matrix/matrix_connector.hpp"
#include "tests/integration/matrix/matrix_sim.hpp"

#include <doctest/doctest.h>

using namespace coopsync;
using namespace coopsync::testing::matrix_it;

namespace {
Write event_write(const std::string& key, const std::string& room, WriteOp op,
                  const std::string& external_id, const std::string& title,
                  const std::string& status = "confirmed") {
  Write w;
  w.key = key;
  w.entity_id = "event-1";
  w.kind = EntityKind::kEvent;
  w.op = op;
  w.external_id = external_id;
  w.fields = {{"title", title},
              {"start", "2026-03-29T08:00:00Z"},
              {"end", "2026-03-29T10:00:00Z"},
              {"timezone", "Europe/Paris"},
              {"location", "Maison des associations"},
              {"status", status},
              {"group", room}};
  return w;
}

json messages_of(MatrixSim& sim, const std::string& room) {
  return sim.state()["rooms"][room]["messages"];
}
}  // namespace

TEST_CASE("announcement: a lost answer then a retry posts once; changes edit it") {
  MatrixSim sim(json{{"appservice", appservice_seed()}});
  auto c = sim.connector(appservice_settings());
  const std::string room = c->apply({group_write("g", "board", "Board")})[0].external_id;
  REQUIRE_FALSE(room.empty());

  // The homeserver carries out the send, then the connection drops before the answer;
  // twice, so that whichever layer retries (libcurl resends once on a reused connection,
  // the outbox retries the entry) meets a lost answer too.
  sim.faults({{"every_nth", 1}, {"count", 2}, {"kinds", {"drop_after"}},
              {"methods", {"PUT"}}, {"path_prefix", "/_matrix/client/v3/rooms/"}});
  const Write create = event_write("outbox-17", room, WriteOp::kCreate, "", "General assembly");
  std::vector<WriteResult> retry;
  int attempts = 0;
  do {
    retry = c->apply({create});  // the outbox retries the same entry until it lands
    if (retry[0].error) CHECK(retry[0].error->retryable());
  } while (retry[0].error && ++attempts < 4);
  REQUIRE_FALSE(retry[0].error.has_value());
  CHECK(sim.stats()["faults"] == 2);  // both drops happened after the send was carried out
  auto msgs = messages_of(sim, room);
  REQUIRE(msgs.size() == 1);
  const std::string announcement = msgs[0]["event_id"];
  CHECK(retry[0].external_id == room + "|" + announcement);
  const std::string body = msgs[0]["content"]["body"];
  CHECK(body.find("General assembly") != std::string::npos);
  CHECK(body.find("2026-03-29 10:00 - 12:00 (Europe/Paris)") != std::string::npos);

  // The same retry through a fresh connector (new process) adopts it by its marker.
  auto restarted = sim.connector(appservice_settings());
  auto adopt = restarted->apply({create});
  REQUIRE_FALSE(adopt[0].error.has_value());
  CHECK(adopt[0].adopted);
  CHECK(messages_of(sim, room).size() == 1);

  // The event moves: the announcement is edited (m.replace), not repeated.
  auto moved = c->apply({event_write("outbox-18", room, WriteOp::kUpdate, retry[0].external_id,
                                     "General assembly (new room)")});
  REQUIRE_FALSE(moved[0].error.has_value());
  msgs = messages_of(sim, room);
  REQUIRE(msgs.size() == 1);
  CHECK(msgs[0]["edits"] == 1);
  CHECK(std::string(msgs[0]["content"]["body"]).find("(new room)") != std::string::npos);

  // Cancelled: edited to say so.
  auto cancelled = c->apply({event_write("outbox-19", room, WriteOp::kUpdate,
                                         retry[0].external_id, "General assembly", "cancelled")});
  REQUIRE_FALSE(cancelled[0].error.has_value());
  msgs = messages_of(sim, room);
  REQUIRE(msgs.size() == 1);
  CHECK(msgs[0]["edits"] == 2);
  CHECK(std::string(msgs[0]["content"]["body"]).rfind("Cancelled: General assembly", 0) == 0);
}

TEST_CASE("bot account under rate limits: paced, every write lands") {
  // Synapse's shape at a faster pace (burst 4, 4/s) so the test stays short; rc_invites
  // alike (alice is invited 7 times: 1.67's per-invitee bucket would hold the 6th ~333 s).
  MatrixSim sim(json::parse(R"({
    "users": [{"localpart": "coopbot", "password": "bot-pass-123"}, {"localpart": "alice"}],
    "rate_limits": {"enabled": true, "message": {"per_second": 4, "burst": 4},
                    "invites": {"per_room": {"per_second": 4, "burst": 4},
                                "per_user": {"per_second": 4, "burst": 4},
                                "per_issuer": {"per_second": 4, "burst": 4}}}})"));
  MemoryState state;
  json settings = {{"mode", "bot"}, {"bot_localpart", "coopbot"}, {"password", "bot-pass-123"}};
  auto c = sim.connector(settings, &state);
  REQUIRE(c->check().ok());
  CHECK(state.values.count("access_token") == 1);  // reused after a restart

  std::vector<Write> writes;
  for (int i = 0; i < 6; ++i) {
    writes.push_back(group_write("g" + std::to_string(i), "team-" + std::to_string(i),
                                 "Team " + std::to_string(i)));
  }
  auto r = c->apply(writes);
  for (const auto& w : r) CHECK_FALSE(w.error.has_value());
  CHECK(sim.rooms_except_spaces().size() == 6);
  auto* mc = dynamic_cast<matrix::MatrixConnector*>(c.get());
  REQUIRE(mc != nullptr);
  CHECK(mc->stats().rate_limited > 0);
  CHECK(mc->stats().held_back.count() > 0);

  // Injected 429 storm (Synapse-shaped answers) on top: still no failed write.
  sim.faults({{"rate", 0.5}, {"kinds", {"rate_limit"}}, {"retry_after_ms", 100}, {"seed", 7},
              {"path_prefix", "/_matrix/client/v3/rooms/"}});
  std::vector<Write> invites;
  for (const auto& w : r) invites.push_back(membership_write("i" + w.external_id, w.external_id, "@alice:localhost"));
  auto inv = c->apply(invites);
  for (const auto& w : inv) CHECK_FALSE(w.error.has_value());
  const json rooms = sim.rooms_except_spaces();
  for (const auto& [id, room] : rooms.items()) {
    CHECK(room["members"]["@alice:localhost"] == "invite");
  }
  CHECK(sim.stats()["rate_limited"].get<int>() > 0);

  // A restart reuses the stored token: no new login, so txnIds keep their scope.
  const std::string token = state.values.at("access_token");
  auto again = sim.connector(settings, &state);
  REQUIRE(again->check().ok());
  CHECK(state.values.at("access_token") == token);
  // A stored token that no longer works leads to a new login, stored in its place.
  state.values["access_token"] = "syt_revoked_token";
  auto relogged = sim.connector(settings, &state);
  REQUIRE(relogged->check().ok());
  CHECK(state.values.at("access_token") != "syt_revoked_token");
}

TEST_CASE("persons: found by rule, created through the admin API when allowed") {
  MatrixSim sim(json::parse(R"({
    "users": [{"localpart": "admin", "admin": true, "tokens": ["admin-token-123"]},
              {"localpart": "bob", "displayname": "Bob",
               "threepids": [{"medium": "email", "address": "bob@coop.example"}]}],
    "rate_limits": {"enabled": false}})"));
  json settings = {{"mode", "bot"}, {"bot_localpart", "admin"}, {"access_token", "admin-token-123"},
                   {"admin", true}};
  auto c = sim.connector(settings);
  Write bob;
  bob.key = "p1";
  bob.entity_id = "person-bob";
  bob.kind = EntityKind::kPerson;
  bob.fields = {{"display_name", "Bob B."}, {"email", "bob@coop.example"}};
  Write ana = bob;
  ana.key = "p2";
  ana.entity_id = "person-ana";
  ana.fields = {{"display_name", "Ana Lopez"}, {"email", "Ana.Lopez@coop.example"}};
  auto r = c->apply({bob, ana});
  REQUIRE_FALSE(r[0].error.has_value());
  CHECK(r[0].adopted);
  CHECK(r[0].external_id == "@bob:localhost");
  CHECK(r[0].matched_key == "user_id");  // what links show will say found it
  CHECK(r[0].matched_value == "@bob:localhost");
  REQUIRE_FALSE(r[1].error.has_value());
  CHECK_FALSE(r[1].adopted);
  CHECK(r[1].external_id == "@ana.lopez:localhost");
  auto users = sim.state()["users"];
  CHECK(users["@ana.lopez:localhost"]["emails"] == json::array({"ana.lopez@coop.example"}));

  auto listed = c->changes(EntityKind::kPerson, "", std::chrono::milliseconds(0));
  REQUIRE(listed.ok());
  CHECK(listed->records.size() == 2);  // bob and ana; the acting admin is left out

  // Without admin rights: the rule gives the id, an existing account is adopted.
  json plain = {{"mode", "bot"}, {"bot_localpart", "admin"}, {"access_token", "admin-token-123"}};
  auto p = sim.connector(plain);
  auto found = p->find(EntityKind::kPerson, {{"email", "bob@coop.example"}});
  REQUIRE(found.ok());
  REQUIRE(found->size() == 1);
  CHECK((*found)[0].external_id == "@bob:localhost");
  Write nobody = bob;
  nobody.fields = {{"email", "nobody@coop.example"}};
  auto missing = p->apply({nobody});
  REQUIRE(missing[0].error.has_value());
  CHECK(missing[0].error->kind == ErrorKind::kNotFound);
}

TEST_CASE("persons: an update that makes the account inactive (an erasure) anonymises and deactivates it") {
  MatrixSim sim(json::parse(R"({
    "users": [{"localpart": "admin", "admin": true, "tokens": ["admin-token-123"]},
              {"localpart": "bob", "displayname": "Bob Martin",
               "threepids": [{"medium": "email", "address": "bob@coop.example"}]},
              {"localpart": "ana", "displayname": "Ana"}],
    "rate_limits": {"enabled": false}})"));
  json settings = {{"mode", "bot"}, {"bot_localpart", "admin"}, {"access_token", "admin-token-123"},
                   {"admin", true}};
  auto c = sim.connector(settings);
  Write w;
  w.key = "forget-bob";
  w.entity_id = "person-bob";
  w.kind = EntityKind::kPerson;
  w.op = WriteOp::kUpdate;
  w.external_id = "@bob:localhost";
  w.fields = {{"display_name", "Anonymised member"}, {"email", nullptr}, {"active", false}};
  w.changed = {"display_name", "email", "active"};
  auto r = c->apply({w});
  REQUIRE_FALSE(r[0].error.has_value());
  auto bob = sim.state()["users"]["@bob:localhost"];
  CHECK(bob["displayname"] == "Anonymised member");
  CHECK(bob["emails"] == json::array());
  CHECK(bob["deactivated"] == true);

  // A plain rename leaves the account active.
  Write rename = w;
  rename.external_id = "@ana:localhost";
  rename.fields = {{"display_name", "Ana L."}, {"active", true}};
  rename.changed = {"display_name"};
  REQUIRE_FALSE(c->apply({rename})[0].error.has_value());
  CHECK(sim.state()["users"]["@ana:localhost"]["deactivated"] == false);
}
