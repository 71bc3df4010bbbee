// Contract: CsClient sends exactly the captured requests and parses every captured answer
// of ../shared/fixtures/matrix into the expected values; errors map to the right kinds.
#include "connectors/matrix/cs_client.hpp"
#include "tests/contract/matrix/matrix_fixture.hpp"

#include <doctest/doctest.h>

using namespace coopsync;
using namespace coopsync::matrix;
namespace fx = coopsync::testing::matrix_fx;

namespace {
const std::string kAdminToken = "syt_YWRtaW4_ihEcDSnLvNkOdNALOjCx_1cilLq";
const std::string kBobToken = "syt_Ym9i_QdOOBnOhxRhkgTuMZqjR_37nNjp";
const std::string kAsToken = "as_token_coop_sync_0123456789abcdef";

struct ClientRig {
  fx::Exchange ex;
  testing::FakeHttpClient http;
  std::vector<std::chrono::milliseconds> sleeps;
  CsClient client;

  explicit ClientRig(const std::string& number, bool check_body = true,
               std::chrono::milliseconds max_wait = std::chrono::milliseconds(0))
      : ex(fx::load(number)),
        http(fx::replay(ex, fx::kBase, check_body)),
        client(http, ClientOptions{fx::kBase, max_wait, std::chrono::seconds(30)},
               [this](std::chrono::milliseconds d) { sleeps.push_back(d); }) {
    const auto auth = ex.header("Authorization");
    if (auth.rfind("Bearer ", 0) == 0) client.set_access_token(auth.substr(7));
  }
};

struct ClientFixturesGuard {
  ClientFixturesGuard() { testing::skip_without_fixtures("matrix"); }
} const client_fixtures_guard;
}  // namespace

TEST_CASE("versions and login flows") {
  ClientRig r("01");
  auto v = r.client.versions();
  REQUIRE(v.ok());
  CHECK(v->back() == "v1.2");
}

TEST_CASE("whoami: user, unknown token, missing token, appservice masquerade") {
  {
    ClientRig r("08");
    auto w = r.client.whoami();
    REQUIRE(w.ok());
    CHECK(w->user_id == "@admin:localhost");
    CHECK(w->device_id == "VTGHCMDFVI");
  }
  for (const char* n : {"09", "10", "61"}) {
    ClientRig r(n);
    auto w = r.client.whoami();
    REQUIRE_FALSE(w.ok());
    CHECK(w.error().kind == ErrorKind::kAuth);
    CHECK(w.error().http_status == 401);
  }
  ClientRig r("56");
  auto w = r.client.whoami("@coop_alice:localhost");
  REQUIRE(w.ok());
  CHECK(w->user_id == "@coop_alice:localhost");
  CHECK(w->device_id.empty());
}

TEST_CASE("password login: ok, wrong password, rate limited, deactivated") {
  {
    ClientRig r("06");
    auto l = r.client.login_password("admin", "admin-pass-123", "coop-sync capture");
    REQUIRE(l.ok());
    CHECK(l->access_token == kAdminToken);
    CHECK(l->user_id == "@admin:localhost");
  }
  {
    ClientRig r("07");
    auto l = r.client.login_password("admin", "wrong", "");
    REQUIRE_FALSE(l.ok());
    CHECK(l.error().kind == ErrorKind::kAuth);
    CHECK(l.error().message.find("wrong") == std::string::npos);  // never echo the password
  }
  {
    ClientRig r("51");
    auto l = r.client.login_password("carol", "carol-pass-123", "");
    REQUIRE_FALSE(l.ok());
    CHECK(l.error().kind == ErrorKind::kRateLimited);
    CHECK(l.error().retry_after == std::chrono::milliseconds(4359));
  }
  ClientRig r("63");
  auto l = r.client.login_password("bob", "bob-pass-123", "");
  REQUIRE_FALSE(l.ok());
  CHECK(l.error().kind == ErrorKind::kAuth);
  CHECK(l.error().message.find("M_USER_DEACTIVATED") != std::string::npos);
}

TEST_CASE("admin user API") {
  {
    ClientRig r("11");
    auto u = r.client.admin_put_user("@bob:localhost", nlohmann::json::parse(r.ex.body));
    REQUIRE(u.ok());
    CHECK(u->emails == std::vector<std::string>{"bob@coop.example"});
    CHECK_FALSE(u->admin);
  }
  {
    ClientRig r("13");
    auto u = r.client.admin_get_user("@bob:localhost");
    REQUIRE(u.ok());
    REQUIRE(u->has_value());
    CHECK((*u)->displayname == "Bob B. (Coop)");
    CHECK_FALSE((*u)->deactivated);
  }
  {
    ClientRig r("14");
    auto u = r.client.admin_get_user("@nobody:localhost");
    REQUIRE(u.ok());
    CHECK_FALSE(u->has_value());
  }
  {
    ClientRig r("15");
    auto page = r.client.admin_list_users(0, 10);
    REQUIRE(page.ok());
    CHECK(page->users.size() == 5);
    CHECK(page->users[0].admin);
    CHECK(page->next_token.empty());
  }
  {
    ClientRig r("16");
    auto u = r.client.admin_get_user("@bob:localhost");
    REQUIRE_FALSE(u.ok());
    CHECK(u.error().kind == ErrorKind::kAuth);
  }
  {
    ClientRig r("59");
    CHECK(r.client.admin_deactivate("@bob:localhost").ok());
  }
  ClientRig r("60");
  auto u = r.client.admin_get_user("@bob:localhost");
  REQUIRE(u.ok());
  REQUIRE(u->has_value());
  CHECK((*u)->deactivated);
  CHECK((*u)->emails.empty());
}

TEST_CASE("rooms, spaces and their state") {
  {
    ClientRig r("18");
    auto created = r.client.create_room(nlohmann::json::parse(r.ex.body));
    REQUIRE(created.ok());
    CHECK(created->room_id == fx::kRoom);
    CHECK(created->room_alias == "#coop-general:localhost");
  }
  {
    ClientRig r("19");
    auto created = r.client.create_room(nlohmann::json::parse(r.ex.body));
    REQUIRE(created.ok());
    CHECK(created->room_id == fx::kSpace);
  }
  {
    ClientRig r("20");
    auto ev = r.client.put_state(fx::kSpace, "m.space.child", fx::kRoom,
                                 {{"via", {"localhost"}}, {"suggested", true}, {"order", "01"}});
    REQUIRE(ev.ok());
    CHECK(ev->rfind("$", 0) == 0);
  }
  {
    ClientRig r("21");
    auto ev = r.client.put_state(fx::kRoom, "m.space.parent", fx::kSpace,
                                 {{"via", {"localhost"}}, {"canonical", true}});
    CHECK(ev.ok());
  }
  {
    ClientRig r("22");
    auto h = r.client.hierarchy(fx::kSpace, "");
    REQUIRE(h.ok());
    REQUIRE(h->rooms.size() == 2);
    CHECK(h->rooms[0].room_type == "m.space");
    CHECK(h->rooms[0].children == std::vector<std::string>{fx::kRoom});
    CHECK(h->rooms[1].canonical_alias == "#coop-general:localhost");
  }
  {
    ClientRig r("33");
    auto ev = r.client.put_state(fx::kRoom, "m.room.topic", "", {{"topic", "x"}});
    REQUIRE_FALSE(ev.ok());
    CHECK(ev.error().kind == ErrorKind::kPermanent);
  }
  {
    ClientRig r("34");
    auto s = r.client.get_state(fx::kRoom, "m.room.name", "");
    REQUIRE(s.ok());
    REQUIRE(s->has_value());
    CHECK((**s)["name"] == "Coop General (renamed)");
  }
  ClientRig r("35");
  auto s = r.client.get_state(fx::kRoom, "m.room.avatar", "");
  REQUIRE(s.ok());
  CHECK_FALSE(s->has_value());
}

TEST_CASE("aliases: create, conflict, resolve, unknown") {
  {
    ClientRig r("37");
    CHECK(r.client.put_alias("#coop-board:localhost", fx::kRoom).ok());
  }
  {
    ClientRig r("38");
    auto st = r.client.put_alias("#coop-board:localhost", fx::kRoom);
    REQUIRE_FALSE(st.ok());
    CHECK(st.error().kind == ErrorKind::kConflict);  // 409 M_UNKNOWN
  }
  {
    ClientRig r("39");
    auto id = r.client.resolve_alias("#coop-board:localhost");
    REQUIRE(id.ok());
    CHECK(id->value() == fx::kRoom);
  }
  ClientRig r("40");
  auto id = r.client.resolve_alias("#nope:localhost");
  REQUIRE(id.ok());
  CHECK_FALSE(id->has_value());
}

TEST_CASE("membership: invite, re-invite, join, forbidden join, members, kick") {
  {
    ClientRig r("23");
    CHECK(r.client.invite(fx::kRoom, "@bob:localhost", "welcome").ok());
  }
  {
    ClientRig r("24");
    CHECK(r.client.invite(fx::kRoom, "@bob:localhost", "").ok());
  }
  {
    ClientRig r("25");
    auto j = r.client.join(fx::kRoom);
    REQUIRE(j.ok());
    CHECK(*j == fx::kRoom);
  }
  {
    ClientRig r("26");
    auto j = r.client.join(fx::kRoom);
    REQUIRE_FALSE(j.ok());
    CHECK(j.error().kind == ErrorKind::kPermanent);
    CHECK(j.error().message.find("not invited") != std::string::npos);
  }
  {
    ClientRig r("27");
    auto m = r.client.joined_members(fx::kRoom);
    REQUIRE(m.ok());
    CHECK(m->size() == 5);
    CHECK(m->at("@bob:localhost") == "Bob B. (Coop)");
  }
  {
    ClientRig r("28");
    auto m = r.client.members(fx::kRoom);
    REQUIRE(m.ok());
    REQUIRE(m->size() == 5);
    CHECK(m->at(2).state_key == "@bob:localhost");
    CHECK(m->at(2).content["membership"] == "join");
  }
  {
    ClientRig r("43");
    CHECK(r.client.kick(fx::kRoom, "@dave:localhost", "left the coop").ok());
  }
  {
    ClientRig r("54");
    auto j = r.client.join(fx::kRoom, "@coop_alice:localhost");
    CHECK(j.ok());
  }
}

TEST_CASE("messages: send, same txnId, forbidden after kick, appservice sender") {
  const nlohmann::json hello = {{"msgtype", "m.text"},
                                {"body", "Hello from the coop sync daemon"},
                                {"format", "org.matrix.custom.html"},
                                {"formatted_body", "<b>Hello</b> from the coop sync daemon"}};
  std::string first;
  {
    ClientRig r("29");
    auto id = r.client.send(fx::kRoom, "m.room.message", "coop-txn-1795262025", hello);
    REQUIRE(id.ok());
    first = *id;
  }
  {
    ClientRig r("30");
    auto id = r.client.send(fx::kRoom, "m.room.message", "coop-txn-1795262025", hello);
    REQUIRE(id.ok());
    CHECK(*id == first);
  }
  {
    ClientRig r("44");
    auto id = r.client.send(fx::kRoom, "m.room.message", "t-after-kick",
                            {{"msgtype", "m.text"}, {"body", "am I still here?"}});
    REQUIRE_FALSE(id.ok());
    CHECK(id.error().kind == ErrorKind::kPermanent);
  }
  ClientRig r("55");
  auto id = r.client.send(fx::kRoom, "m.room.message", "as-1795262047",
                          {{"msgtype", "m.text"}, {"body", "Sent by the bridge as coop_alice"}},
                          "@coop_alice:localhost");
  CHECK(id.ok());
}

TEST_CASE("429 carries retry_after_ms in the body only; the client paces and retries") {
  {
    ClientRig r("50");  // no waiting allowed: the error comes back with the hint
    auto id = r.client.send(fx::kRoom, "m.room.message", "rl-x-1795262045",
                            {{"msgtype", "m.text"}, {"body", "burst 10"}});
    REQUIRE_FALSE(id.ok());
    CHECK(id.error().kind == ErrorKind::kRateLimited);
    CHECK(id.error().retry_after == std::chrono::milliseconds(3907));
    CHECK(r.ex.response.header("Retry-After").empty());
  }
  // With a budget, the client sleeps the hint and sends again: the second answer is 29's.
  const auto limited = fx::load("50");
  const auto ok = fx::load("29");
  int calls = 0;
  testing::FakeHttpClient http([&](const http::Request&) -> Result<http::Response> {
    return ++calls == 1 ? limited.response : ok.response;
  });
  std::vector<std::chrono::milliseconds> sleeps;
  CsClient client(http, ClientOptions{fx::kBase, std::chrono::seconds(60), std::chrono::seconds(30)},
                  [&](std::chrono::milliseconds d) { sleeps.push_back(d); });
  auto id = client.send(fx::kRoom, "m.room.message", "t1", {{"msgtype", "m.text"}, {"body", "x"}});
  REQUIRE(id.ok());
  CHECK(calls == 2);
  REQUIRE(sleeps.size() == 1);
  CHECK(sleeps[0] >= std::chrono::milliseconds(3907));
  CHECK(client.stats().rate_limited == 1);
  CHECK(client.stats().held_back >= std::chrono::milliseconds(3907));
}

TEST_CASE("sync: filter, initial, long-poll, empty, bad since") {
  {
    ClientRig r("45");
    auto f = r.client.create_filter("@bob:localhost", nlohmann::json::parse(r.ex.body));
    REQUIRE(f.ok());
    CHECK(*f == "0");
  }
  {
    ClientRig r("46");
    auto s = r.client.sync("0", "", std::chrono::milliseconds(0));
    REQUIRE(s.ok());
    CHECK(s->next_batch == "s34_4_0_1_1_1_1_6_0");
    REQUIRE(s->joined.size() == 1);
    const auto& room = s->joined[0];
    CHECK(room.room_id == fx::kRoom);
    CHECK(room.limited);
    REQUIRE(room.timeline.size() == 5);
    CHECK(room.timeline[4].content["membership"] == "leave");
    CHECK(room.timeline[4].state_key == std::optional<std::string>("@dave:localhost"));
    CHECK(room.state.size() == 12);
  }
  {
    ClientRig r("47");
    auto s = r.client.sync("0", "s34_4_0_1_1_1_1_6_0", std::chrono::milliseconds(30000));
    REQUIRE(s.ok());
    CHECK(s->next_batch == "s35_5_0_1_1_1_1_6_0");
    REQUIRE(s->joined.size() == 1);
    CHECK(s->joined[0].timeline[0].content["body"] == "message that wakes the long poll");
  }
  {
    ClientRig r("48");
    auto s = r.client.sync("0", "s35_5_0_1_1_1_1_6_0", std::chrono::milliseconds(2000));
    REQUIRE(s.ok());
    CHECK(s->joined.empty());
    CHECK(s->next_batch == "s35_5_0_1_1_1_1_6_0");
  }
  ClientRig r("49");
  auto s = r.client.sync("", "garbage", std::chrono::milliseconds(-1));
  REQUIRE_FALSE(s.ok());
  CHECK(s.error().kind == ErrorKind::kPermanent);
}

TEST_CASE("appservice registration: new user, outside namespace") {
  {
    ClientRig r("52");
    auto u = r.client.register_appservice_user("coop_alice");
    REQUIRE(u.ok());
    CHECK(*u == "@coop_alice:localhost");
  }
  ClientRig r("53");
  auto u = r.client.register_appservice_user("mallory");
  REQUIRE_FALSE(u.ok());
  CHECK(u.error().kind == ErrorKind::kPermanent);
  CHECK(u.error().message.find("M_EXCLUSIVE") != std::string::npos);
}

TEST_CASE("every captured error maps to its kind; every answer body parses") {
  const std::map<std::string, ErrorKind> expected = {
      {"05", ErrorKind::kConflict},    {"07", ErrorKind::kAuth},        {"09", ErrorKind::kAuth},
      {"10", ErrorKind::kAuth},        {"14", ErrorKind::kNotFound},    {"16", ErrorKind::kAuth},
      {"26", ErrorKind::kPermanent},   {"33", ErrorKind::kPermanent},   {"35", ErrorKind::kNotFound},
      {"38", ErrorKind::kConflict},    {"40", ErrorKind::kNotFound},    {"44", ErrorKind::kPermanent},
      {"49", ErrorKind::kPermanent},   {"50", ErrorKind::kRateLimited}, {"51", ErrorKind::kRateLimited},
      {"53", ErrorKind::kPermanent},   {"61", ErrorKind::kAuth},        {"63", ErrorKind::kAuth}};
  int errors = 0;
  for (const auto& entry : std::filesystem::directory_iterator(fx::dir())) {
    if (entry.path().extension() != ".http") continue;
    const auto ex = fx::parse(entry.path());
    CHECK_MESSAGE(parse_json(ex.response.body, ex.name).ok(), ex.name);
    if (ex.response.status < 400) continue;
    ++errors;
    const auto number = ex.name.substr(0, 2);
    REQUIRE_MESSAGE(expected.count(number) == 1, ex.name);
    // 403s of credentials and admin rights are kAuth in the calls that make them.
    const bool auth_call = number == "07" || number == "16" || number == "63";
    const auto f = to_failure(ex.response, ex.name, auth_call ? Forbidden::kAuth : Forbidden::kPermanent);
    CHECK_MESSAGE(f.error.kind == expected.at(number), ex.name);
    CHECK_MESSAGE(f.error.http_status == ex.response.status, ex.name);
    if (f.error.kind == ErrorKind::kRateLimited) {
      CHECK(f.error.retry_after.has_value());
      CHECK(f.error.retry_after->count() ==
            nlohmann::json::parse(ex.response.body)["retry_after_ms"].get<long long>());
    }
  }
  CHECK(errors == static_cast<int>(expected.size()));
}

TEST_CASE("hostile answers become typed errors") {
  for (const std::string& body : {std::string("{\"versions\": 5}"), std::string("not json"),
                                 std::string(100000, '['), std::string("{\"user_id\": 7}")}) {
    testing::FakeHttpClient http([&](const http::Request&) -> Result<http::Response> {
      return testing::respond(200, body);
    });
    CsClient client(http, ClientOptions{fx::kBase});
    auto v = client.versions();
    REQUIRE_FALSE(v.ok());
    CHECK(v.error().kind == ErrorKind::kInvalidInput);
    auto w = client.whoami();
    REQUIRE_FALSE(w.ok());
    CHECK(w.error().kind == ErrorKind::kInvalidInput);
  }
  // An absurd retry hint is clipped to an hour, a negative one to zero.
  CHECK(to_failure(testing::respond(429, R"({"errcode":"M_LIMIT_EXCEEDED","retry_after_ms":1e300})"),
                   "x").error.retry_after == std::chrono::milliseconds(5000));
  CHECK(to_failure(testing::respond(429, R"({"errcode":"M_LIMIT_EXCEEDED","retry_after_ms":99999999999})"),
                   "x").error.retry_after == std::chrono::hours(1));
  CHECK(to_failure(testing::respond(429, R"({"errcode":"M_LIMIT_EXCEEDED","retry_after_ms":-5})"),
                   "x").error.retry_after == std::chrono::milliseconds(0));
}

TEST_CASE("lookup by email: 1.67 does not serve it (400 M_UNRECOGNIZED), later ones answer user_id") {
  // No capture: 1.67 predates the endpoint, so its answer is the generic one for a path
  // no servlet serves; the >= 1.72 shape is Synapse's documented {"user_id": ...}.
  std::string answer;
  int status = 0;
  testing::FakeHttpClient http([&](const http::Request& r) -> Result<http::Response> {
    CHECK(fx::target_of(r, fx::kBase) ==
          "/_synapse/admin/v1/threepid/email/users/" + http::url_encode("bob@coop.example"));
    return testing::respond(status, answer);
  });
  CsClient client(http, ClientOptions{fx::kBase, std::chrono::milliseconds(0), std::chrono::seconds(30)});
  client.set_access_token(kAdminToken);
  status = 400;
  answer = R"({"errcode":"M_UNRECOGNIZED","error":"Unrecognized request"})";
  auto old = client.admin_user_by_email("bob@coop.example");
  REQUIRE_FALSE(old.ok());
  CHECK(old.error().kind == ErrorKind::kPermanent);
  status = 200;
  answer = R"({"user_id":"@bob:localhost"})";
  auto found = client.admin_user_by_email("bob@coop.example");
  REQUIRE_MESSAGE(found.ok(), (found.ok() ? "" : found.error().describe()));
  REQUIRE(found->has_value());
  CHECK(**found == "@bob:localhost");
  status = 404;
  answer = R"({"errcode":"M_NOT_FOUND","error":"User not found"})";
  auto none = client.admin_user_by_email("bob@coop.example");
  REQUIRE(none.ok());
  CHECK_FALSE(none->has_value());
}
