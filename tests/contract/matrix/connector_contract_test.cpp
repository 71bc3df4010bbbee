// Contract: the connector's requests have the captured shapes (createRoom as 18, space
// links as 20/21, invite as 23, kick as 43, filter as 45) and it paces on a captured 429
// (50) instead of failing the write.
#include "connectors/matrix/matrix_connector.hpp"
#include "tests/contract/matrix/matrix_fixture.hpp"

#include <doctest/doctest.h>

using namespace coopsync;
using namespace coopsync::matrix;
namespace fx = coopsync::testing::matrix_fx;
using nlohmann::json;

namespace {

// Answers by (method, path prefix) in order of registration; every request is kept.
struct Router {
  struct Route {
    std::string method;
    std::string prefix;
    std::vector<http::Response> answers;  // consumed one by one, the last one repeats
  };
  std::vector<Route> routes;
  std::vector<http::Request> seen;

  void on(std::string method, std::string prefix, std::vector<http::Response> answers) {
    routes.push_back({std::move(method), std::move(prefix), std::move(answers)});
  }
  Result<http::Response> answer(const http::Request& r) {
    seen.push_back(r);
    const std::string target = fx::target_of(r, fx::kBase);
    for (auto& route : routes) {
      if (route.method == r.method && target.rfind(route.prefix, 0) == 0) {
        http::Response out = route.answers.front();
        if (route.answers.size() > 1) route.answers.erase(route.answers.begin());
        return out;
      }
    }
    FAIL("unexpected request " << r.method << " " << target);
    return testing::respond(500, "{}");
  }
  std::vector<http::Request> matching(const std::string& method, const std::string& prefix) const {
    std::vector<http::Request> out;
    for (const auto& r : seen) {
      if (r.method == method && fx::target_of(r, fx::kBase).rfind(prefix, 0) == 0) out.push_back(r);
    }
    return out;
  }
};

class RouterClient : public http::HttpClient {
 public:
  explicit RouterClient(Router& router) : router_(router) {}
  Result<http::Response> send(const http::Request& r) override { return router_.answer(r); }

 private:
  Router& router_;
};

http::Response fixture(const std::string& n) { return fx::load(n).response; }
http::Response ok(const json& body) { return testing::respond(200, body.dump()); }
std::string enc(const std::string& s) { return http::url_encode(s); }

struct ConnectorRig {
  Router router;
  std::vector<std::chrono::milliseconds> sleeps;
  std::unique_ptr<MatrixConnector> connector;

  // `extra`: settings added to (or replacing) the rig's, e.g. {"admin", true}.
  explicit ConnectorRig(const json& extra = json::object()) {
    router.on("GET", "/_matrix/client/versions", {fixture("01")});
    router.on("GET", "/_matrix/client/v3/account/whoami", {ok({{"user_id", "@admin:localhost"}})});
    json config = {{"url", fx::kBase}, {"server_name", "localhost"}, {"mode", "bot"},
                   {"access_token", "syt_YWRtaW4_ihEcDSnLvNkOdNALOjCx_1cilLq"},
                   {"bot_localpart", "admin"}, {"namespace_prefix", "coop-"},
                   {"invite_reason", "welcome"}, {"kick_reason", "left the coop"}};
    config.update(extra);
    auto settings = parse_settings(config);
    REQUIRE(settings.ok());
    ConnectorContext ctx;
    ctx.name = "matrix";
    connector = std::make_unique<MatrixConnector>(
        ctx, *settings, std::make_unique<RouterClient>(router),
        [this](std::chrono::milliseconds d) { sleeps.push_back(d); });
  }
};


json keys_of(const json& obj) {
  json out = json::array();
  for (const auto& [k, _] : obj.items()) out.push_back(k);
  return out;
}
struct ConnectorFixturesGuard {
  ConnectorFixturesGuard() { testing::skip_without_fixtures("matrix"); }
} const connector_fixtures_guard;
}  // namespace

TEST_CASE("group create: createRoom shaped like fixture 18, linked into the space (20, 21)") {
  ConnectorRig rig;
  rig.router.on("GET", "/_matrix/client/v3/directory/room/" + enc("#coop-space:localhost"),
                {ok({{"room_id", fx::kSpace}, {"servers", {"localhost"}}})});
  rig.router.on("GET", "/_matrix/client/v3/directory/room/" + enc("#coop-general:localhost"),
                {fixture("40")});
  rig.router.on("POST", "/_matrix/client/v3/createRoom", {fixture("18")});
  rig.router.on("GET", "/_matrix/client/v3/rooms/" + enc(fx::kSpace) + "/state/m.space.child/",
                {fixture("35")});
  rig.router.on("PUT", "/_matrix/client/v3/rooms/" + enc(fx::kSpace) + "/state/m.space.child/",
                {fixture("20")});
  Write w;
  w.key = "k1";
  w.entity_id = "uuid-general";
  w.kind = EntityKind::kGroup;
  w.fields = {{"name", "Coop General"}, {"slug", "general"},
              {"description", "General discussion of the cooperative"}};
  auto r = rig.connector->apply({w});
  REQUIRE_FALSE(r[0].error.has_value());
  CHECK(r[0].external_id == fx::kRoom);

  const auto captured = json::parse(fx::load("18").body);
  const auto sent = rig.router.matching("POST", "/_matrix/client/v3/createRoom");
  REQUIRE(sent.size() == 1);
  const auto body = json::parse(sent[0].body);
  CHECK(keys_of(body) == keys_of(captured));  // same keys, same order
  CHECK(body["preset"] == captured["preset"]);
  CHECK(body["visibility"] == captured["visibility"]);
  CHECK(body["name"] == captured["name"]);
  CHECK(body["topic"] == captured["topic"]);
  CHECK(body["room_alias_name"] == captured["room_alias_name"]);
  CHECK(body["initial_state"][0] == captured["initial_state"][0]);  // history_visibility shared
  CHECK(body["initial_state"][1] == captured["initial_state"][1]);  // guest_access forbidden
  CHECK(body["initial_state"][2]["type"] == "org.coop.sync.origin");
  CHECK(body["initial_state"][3]["type"] == "m.space.parent");  // 21's event, in the creation
  CHECK(body["initial_state"][3]["state_key"] == fx::kSpace);
  CHECK(body["initial_state"][3]["content"] == json::parse(fx::load("21").body));
  CHECK(body["power_level_content_override"]["users"]["@admin:localhost"] == 100);

  const auto child = rig.router.matching("PUT", "/_matrix/client/v3/rooms/" + enc(fx::kSpace) + "/state/m.space.child/");
  REQUIRE(child.size() == 1);
  CHECK(fx::target_of(child[0], fx::kBase) == fx::load("20").target);
  CHECK(keys_of(json::parse(child[0].body)) == json::array({"suggested", "via"}));
}

TEST_CASE("membership: invite as 23 (room, then space), never twice, kick as 43") {
  ConnectorRig rig;
  const std::string member_path = "/_matrix/client/v3/rooms/" + enc(fx::kRoom) + "/state/m.room.member/";
  rig.router.on("GET", member_path + enc("@bob:localhost"), {fixture("35")});
  rig.router.on("GET", member_path + enc("@dave:localhost"),
                {ok({{"membership", "join"}, {"displayname", "Dave"}})});
  rig.router.on("POST", "/_matrix/client/v3/rooms/" + enc(fx::kRoom) + "/invite", {fixture("23")});
  rig.router.on("POST", "/_matrix/client/v3/rooms/" + enc(fx::kRoom) + "/kick", {fixture("43")});
  // Members of a room are members of the space too: bob is invited there (as 23), dave,
  // already in it, is not.
  rig.router.on("GET", "/_matrix/client/v3/directory/room/" + enc("#coop-space:localhost"),
                {ok({{"room_id", fx::kSpace}, {"servers", {"localhost"}}})});
  const std::string space_member = "/_matrix/client/v3/rooms/" + enc(fx::kSpace) + "/state/m.room.member/";
  rig.router.on("GET", space_member + enc("@bob:localhost"), {fixture("35")});
  rig.router.on("GET", space_member + enc("@dave:localhost"), {ok({{"membership", "join"}})});
  rig.router.on("POST", "/_matrix/client/v3/rooms/" + enc(fx::kSpace) + "/invite", {fixture("23")});
  Write invite;
  invite.key = "m1";
  invite.entity_id = "m-bob";
  invite.kind = EntityKind::kMembership;
  invite.fields = {{"person", "@bob:localhost"}, {"group", fx::kRoom}};
  Write present = invite;
  present.fields["person"] = "@dave:localhost";
  Write kick = present;
  kick.op = WriteOp::kDelete;
  kick.external_id = fx::kRoom + "|@dave:localhost";
  auto r = rig.connector->apply({invite, present, kick});
  for (const auto& w : r) CHECK_FALSE(w.error.has_value());
  CHECK(r[1].adopted);
  const auto invites = rig.router.matching("POST", "/_matrix/client/v3/rooms/" + enc(fx::kRoom) + "/invite");
  REQUIRE(invites.size() == 1);  // dave was already in: adopted, not invited again
  CHECK(json::parse(invites[0].body) == json::parse(fx::load("23").body));
  const auto space_invites = rig.router.matching("POST", "/_matrix/client/v3/rooms/" + enc(fx::kSpace) + "/invite");
  REQUIRE(space_invites.size() == 1);  // bob only; the space was read once per user
  CHECK(json::parse(space_invites[0].body)["user_id"] == "@bob:localhost");
  CHECK(rig.router.matching("GET", space_member).size() == 2);
  const auto kicks = rig.router.matching("POST", "/_matrix/client/v3/rooms/" + enc(fx::kRoom) + "/kick");
  REQUIRE(kicks.size() == 1);
  CHECK(json::parse(kicks[0].body) == json::parse(fx::load("43").body));
}

TEST_CASE("a kick refused because the member is out already is done; refused while in, it fails") {
  // Synapse answers a kick of someone who has left 403 "The target user is not in the room"
  // (room_member.py: old membership leave or ban and action kick): so does the retry of a
  // kick whose first answer was lost after the server carried it out.
  const http::Response not_in_room = testing::respond(
      403, json({{"errcode", "M_FORBIDDEN"}, {"error", "The target user is not in the room"}}).dump());
  const std::string member_path = "/_matrix/client/v3/rooms/" + enc(fx::kRoom) + "/state/m.room.member/";
  Write kick;
  kick.key = "k-dave";
  kick.entity_id = "m-dave";
  kick.kind = EntityKind::kMembership;
  kick.op = WriteOp::kDelete;
  kick.external_id = fx::kRoom + "|@dave:localhost";
  kick.fields = {{"person", "@dave:localhost"}, {"group", fx::kRoom}};
  {
    ConnectorRig rig;
    rig.router.on("GET", member_path + enc("@dave:localhost"),
                  {ok({{"membership", "join"}}), ok({{"membership", "leave"}})});
    rig.router.on("POST", "/_matrix/client/v3/rooms/" + enc(fx::kRoom) + "/kick", {not_in_room});
    auto r = rig.connector->apply({kick});
    CHECK_FALSE(r[0].error.has_value());
  }
  {
    ConnectorRig rig;  // still joined after the refusal (power too low, say): a real failure
    rig.router.on("GET", member_path + enc("@dave:localhost"), {ok({{"membership", "join"}})});
    rig.router.on("POST", "/_matrix/client/v3/rooms/" + enc(fx::kRoom) + "/kick", {not_in_room});
    auto r = rig.connector->apply({kick});
    REQUIRE(r[0].error.has_value());
    CHECK(r[0].error->kind == ErrorKind::kPermanent);
  }
}

TEST_CASE("announcement paced through a captured 429: slept the body's hint, written once") {
  ConnectorRig rig;
  rig.router.on("GET", "/_matrix/client/v3/rooms/" + enc(fx::kRoom) + "/messages",
                {ok({{"chunk", json::array()}, {"start", "t1"}, {"end", "t0"}})});
  rig.router.on("PUT", "/_matrix/client/v3/rooms/" + enc(fx::kRoom) + "/send/m.room.message/",
                {fixture("50"), fixture("29")});
  Write w;
  w.key = "outbox-42";
  w.entity_id = "uuid-event";
  w.kind = EntityKind::kEvent;
  w.fields = {{"title", "Picnic"}, {"start", "2026-06-01T10:00:00Z"}, {"timezone", "Europe/Paris"},
              {"group", fx::kRoom}};
  auto r = rig.connector->apply({w});
  REQUIRE_FALSE(r[0].error.has_value());
  CHECK(r[0].external_id == fx::kRoom + "|" + fx::load("29").response_json()["event_id"].get<std::string>());
  REQUIRE(rig.sleeps.size() == 1);
  CHECK(rig.sleeps[0] >= std::chrono::milliseconds(3907));
  const auto sends = rig.router.matching("PUT", "/_matrix/client/v3/rooms/" + enc(fx::kRoom) + "/send/");
  REQUIRE(sends.size() == 2);
  CHECK(sends[0].url == sends[1].url);  // the same txnId both times
  CHECK(sends[0].url.find("/send/m.room.message/coop-outbox-42") != std::string::npos);
}

TEST_CASE("membership stream: filter shaped like 45, initial position, then /sync") {
  ConnectorRig rig;
  rig.router.on("POST", "/_matrix/client/v3/user/" + enc("@admin:localhost") + "/filter",
                {fixture("45")});
  rig.router.on("GET", "/_matrix/client/v3/sync", {fixture("47")});
  rig.router.on("GET", "/_matrix/client/v3/directory/room/", {ok({{"room_id", fx::kSpace}})});
  rig.router.on("GET", "/_matrix/client/v1/rooms/" + enc(fx::kSpace) + "/hierarchy", {fixture("22")});
  auto page = rig.connector->changes(EntityKind::kMembership, "s34_4_0_1_1_1_1_6_0",
                                     std::chrono::milliseconds(30000));
  REQUIRE(page.ok());
  CHECK(page->cursor == "s35_5_0_1_1_1_1_6_0");
  CHECK(page->records.empty());  // 47 holds a message, no membership change
  const auto filters = rig.router.matching("POST", "/_matrix/client/v3/user/");
  REQUIRE_FALSE(filters.empty());
  CHECK(keys_of(json::parse(filters[0].body)) == keys_of(json::parse(fx::load("45").body)));
  const auto syncs = rig.router.matching("GET", "/_matrix/client/v3/sync");
  REQUIRE(syncs.size() == 1);
  CHECK(fx::target_of(syncs[0], fx::kBase) == fx::load("47").target);
}

TEST_CASE("membership stream: a since the homeserver refuses (49) restarts with a full listing") {
  // A cursor Synapse cannot read (a restored or reset homeserver, another server's token)
  // answers 400 M_UNKNOWN "Invalid stream token" on every try: reading again from scratch
  // is the only way forward, not an error every pass.
  ConnectorRig rig;
  rig.router.on("POST", "/_matrix/client/v3/user/" + enc("@admin:localhost") + "/filter",
                {fixture("45")});
  rig.router.on("GET", "/_matrix/client/v3/sync",
                {fixture("49"), ok({{"next_batch", "s40_5_0_1_1_1_1_6_0"}})});
  rig.router.on("GET", "/_matrix/client/v3/directory/room/", {ok({{"room_id", fx::kSpace}})});
  rig.router.on("GET", "/_matrix/client/v1/rooms/" + enc(fx::kSpace) + "/hierarchy", {fixture("22")});
  rig.router.on("GET", "/_matrix/client/v3/rooms/" + enc(fx::kRoom) + "/members", {fixture("28")});
  rig.router.on("GET", "/_matrix/client/v3/rooms/" + enc(fx::kSpace) + "/members",
                {ok({{"chunk", json::array()}})});
  auto page = rig.connector->changes(EntityKind::kMembership, "garbage", std::chrono::milliseconds(30000));
  REQUIRE_MESSAGE(page.ok(), (page.ok() ? "" : page.error().describe()));
  CHECK(page->cursor == "s40_5_0_1_1_1_1_6_0");
  CHECK(page->full_listing);
  CHECK_FALSE(page->records.empty());  // 28's joined and invited members of the room
  const auto syncs = rig.router.matching("GET", "/_matrix/client/v3/sync");
  REQUIRE(syncs.size() == 2);
  CHECK(syncs[0].url.find("since=garbage") != std::string::npos);
  CHECK(syncs[1].url.find("since=") == std::string::npos);
}

TEST_CASE("a 429 whose hint is past max_rate_wait holds back that call only, not the actor") {
  // Synapse's invite limit per invitee (rc_invites.per_user: burst 5, then one per ~333 s)
  // answers like 50 but with a hint of minutes. That bucket is the invitee's: the bot's
  // other writes must go on, not wait behind it.
  Router router;
  auto limited = fixture("50");
  auto body = json::parse(limited.body);
  body["retry_after_ms"] = 333000;
  limited.body = body.dump();
  router.on("POST", "/_matrix/client/v3/rooms/" + enc(fx::kRoom) + "/invite", {limited});
  router.on("PUT", "/_matrix/client/v3/rooms/" + enc(fx::kRoom) + "/send/", {fixture("29")});
  RouterClient http(router);
  std::vector<std::chrono::milliseconds> sleeps;
  CsClient client(http, ClientOptions{fx::kBase, std::chrono::minutes(2), std::chrono::seconds(30)},
                  [&](std::chrono::milliseconds d) { sleeps.push_back(d); });
  client.set_access_token("syt_YWRtaW4_ihEcDSnLvNkOdNALOjCx_1cilLq");
  auto invited = client.invite(fx::kRoom, "@bob:localhost", "");
  REQUIRE_FALSE(invited.ok());
  CHECK(invited.error().kind == ErrorKind::kRateLimited);
  CHECK(invited.error().retry_after >= std::chrono::milliseconds(333000));
  auto sent = client.send(fx::kRoom, "m.room.message", "t1", {{"msgtype", "m.text"}, {"body", "hi"}});
  REQUIRE_MESSAGE(sent.ok(), (sent.ok() ? "" : sent.error().describe()));
  CHECK(sleeps.empty());
  CHECK(router.matching("PUT", "/_matrix/client/v3/rooms/").size() == 1);
}

TEST_CASE("person enabled again: a deactivated account (60) is reactivated, an active one untouched") {
  // Synapse 1.67 reactivates only with deactivated: false *and* a password ("Must provide
  // a password to re-activate an account."); a password sent to an active account would
  // reset it and log its devices out, so the account is read first.
  for (const bool was_deactivated : {true, false}) {
    CAPTURE(was_deactivated);
    ConnectorRig rig(json{{"admin", true}});
    auto& router = rig.router;
    auto& connector = *rig.connector;
    router.on("GET", "/_synapse/admin/v2/users/" + enc("@bob:localhost"),
              {fixture(was_deactivated ? "60" : "13")});
    router.on("PUT", "/_synapse/admin/v2/users/" + enc("@bob:localhost"), {fixture("12")});
    Write w;
    w.key = "enable-1";
    w.entity_id = "uuid-bob";
    w.kind = EntityKind::kPerson;
    w.op = WriteOp::kEnable;
    w.external_id = "@bob:localhost";
    w.fields = {{"display_name", "Bob B. (Coop)"}, {"email", "bob@coop.example"}, {"active", true}};
    w.changed = {"active"};
    auto r = connector.apply({w});
    REQUIRE_FALSE(r[0].error.has_value());
    const auto puts = router.matching("PUT", "/_synapse/admin/v2/users/");
    REQUIRE(puts.size() == 1);
    const auto body = json::parse(puts[0].body);
    if (was_deactivated) {
      CHECK(body.value("deactivated", true) == false);
      REQUIRE(body.contains("password"));
      CHECK(body["password"].get<std::string>().size() >= 24);
    } else {
      CHECK_FALSE(body.contains("deactivated"));
      CHECK_FALSE(body.contains("password"));
    }
    CHECK(body["threepids"][0]["address"] == "bob@coop.example");
  }
}

TEST_CASE("person created over a deactivated account of that id: the account is reactivated") {
  // The admin listing leaves deactivated accounts out, so a create can land on one (the
  // upsert PUT modifies it and answers deactivated: 1, as 60 shows it).
  ConnectorRig rig(json{{"admin", true}});
  auto& router = rig.router;
  auto& connector = *rig.connector;
  auto deactivated = fixture("60");
  deactivated.status = 200;
  router.on("PUT", "/_synapse/admin/v2/users/" + enc("@bob:localhost"), {deactivated, fixture("12")});
  Write w;
  w.key = "create-1";
  w.entity_id = "uuid-bob";
  w.kind = EntityKind::kPerson;
  w.op = WriteOp::kCreate;
  w.listed = true;
  w.fields = {{"display_name", "Bob B. (Coop)"}, {"email", "bob@coop.example"}, {"active", true}};
  auto r = connector.apply({w});
  REQUIRE_FALSE(r[0].error.has_value());
  CHECK(r[0].external_id == "@bob:localhost");
  const auto puts = router.matching("PUT", "/_synapse/admin/v2/users/");
  REQUIRE(puts.size() == 2);
  const auto again = json::parse(puts[1].body);
  CHECK(again.value("deactivated", true) == false);
  CHECK(again.contains("password"));
  CHECK(r[0].version == listing_version(*parse_admin_user(fx::load("12").response_json(), "12")));
}
