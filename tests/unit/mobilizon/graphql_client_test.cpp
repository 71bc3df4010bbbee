// The session logic of the Mobilizon client against a scripted server (FakeHttpClient):
// login, refresh before expiry, rotation persisted at once, refresh-and-replay after a 401,
// fallback to login, and the mapping of GraphQL errors to typed errors.
#include "connectors/mobilizon/documents.hpp"
#include "connectors/mobilizon/graphql_client.hpp"
#include "connectors/mobilizon/graphql_errors.hpp"
#include "tests/support/fake_http.hpp"
#include "tests/support/result_text.hpp"

#include <doctest/doctest.h>

#include <map>

using namespace coopsync;
using namespace coopsync::mobilizon;
using coopsync::testing::FakeHttpClient;
using coopsync::testing::respond;

namespace {

std::string b64url(const std::string& in) {
  static const char* tbl = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  unsigned int buf = 0;
  int bits = 0;
  for (unsigned char c : in) {
    buf = (buf << 8) | c;
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out.push_back(tbl[(buf >> bits) & 63]);
    }
  }
  if (bits > 0) out.push_back(tbl[(buf << (6 - bits)) & 63]);
  return out;
}

std::string jwt(long long exp, const std::string& tag) {
  return b64url(R"({"alg":"HS512","typ":"JWT"})") + "." + b64url(R"({"exp":)" + std::to_string(exp) + R"(,"t":")" + tag + R"("})") + ".sig";
}

struct MemoryState : StateStore {
  std::map<std::string, std::string> values;
  int puts = 0;
  bool fail_puts = false;  // a full disk, a locked database
  std::optional<std::string> get(const std::string& key) override {
    auto it = values.find(key);
    return it == values.end() ? std::nullopt : std::optional<std::string>(it->second);
  }
  Status put(const std::string& key, const std::string& value) override {
    if (fail_puts) return make_error(ErrorKind::kInternal, "disk full");
    ++puts;
    values[key] = value;
    return ok_status();
  }
};

// A tiny scripted Mobilizon: tokens carry a serial; the current access token is the only
// valid one; refresh tokens rotate.
struct FakeServer {
  long long now = 1'000'000;
  int serial = 0;
  std::string access, refresh;
  bool expire_next_call = false;
  bool unauthenticated_next_call = false;  // HTTP 200 with an `unauthenticated` GraphQL error
  std::vector<std::string> ops;
  std::string password = "s3cret-password";
  // When set: for each authenticated call, whether the refresh token issued with its
  // access token was already the stored one when the call arrived.
  const MemoryState* state = nullptr;
  std::map<std::string, std::string> issued;  // access token -> refresh token of its pair
  std::vector<bool> stored_at_call;

  nlohmann::json pair() {
    ++serial;
    access = jwt(now + 900, "a" + std::to_string(serial));
    refresh = jwt(now + 5'000'000, "r" + std::to_string(serial));
    issued[access] = refresh;
    return {{"accessToken", access}, {"refreshToken", refresh}};
  }

  Result<http::Response> handle(const http::Request& req) {
    auto body = nlohmann::json::parse(req.body);
    const std::string op = body["operationName"];
    ops.push_back(op);
    std::string auth;
    for (const auto& [k, v] : req.headers)
      if (k == "Authorization") auth = v;
    if (op == "Login") {
      if (body["variables"]["password"] != password)
        return respond(200, R"({"data":{"login":null},"errors":[{"code":"unknown_error","message":"Impossible to authenticate, either your email or password are invalid.","status_code":500,"field":null}]})");
      auto p = pair();
      p["user"] = {{"id", "3"}, {"defaultActor", {{"id", "9"}, {"preferredUsername", "coopbridge"}}}};
      return respond(200, nlohmann::json({{"data", {{"login", p}}}}).dump());
    }
    if (op == "RefreshToken") {
      if (body["variables"]["refreshToken"] != refresh)
        return respond(200, R"({"data":{"refreshToken":null},"errors":[{"code":"unknown_error","message":"Cannot refresh the token","status_code":500,"field":null}]})");
      return respond(200, nlohmann::json({{"data", {{"refreshToken", pair()}}}}).dump());
    }
    if (expire_next_call) {
      expire_next_call = false;
      access.clear();
    }
    if (auth != "Bearer " + access) return respond(401, R"({"message":"invalid_token","details":":token_expired"})");
    if (state != nullptr) {
      auto it = state->values.find(kRefreshTokenKey);
      stored_at_call.push_back(it != state->values.end() && it->second == issued[access]);
    }
    if (unauthenticated_next_call) {
      // What a resolver answers when the token it was given is no longer good (example 13).
      unauthenticated_next_call = false;
      access.clear();
      return respond(200, R"({"data":{"event":null},"errors":[{"code":"unauthenticated","message":"You need to be logged in","status_code":401,"field":null,"path":["event"]}]})");
    }
    if (op == "Event") return respond(200, R"({"data":{"event":{"uuid":"u1"}}})");
    if (op == "Group") return respond(200, R"({"data":{"group":null},"errors":[{"code":"group_not_found","message":"Group not found","status_code":404,"field":null,"path":["group"]}]})");
    return respond(500, "<html>nginx</html>");
  }
};

struct Fixture {
  FakeServer server;
  MemoryState state;
  FakeHttpClient* http = nullptr;
  std::unique_ptr<GraphqlClient> client;

  Fixture() {
    auto fake = std::make_unique<FakeHttpClient>([this](const http::Request& r) { return server.handle(r); });
    http = fake.get();
    Session s{"https://m.example/", "bridge@example.coop", server.password, std::chrono::seconds(5)};
    client = std::make_unique<GraphqlClient>(s, std::move(fake), &state, nullptr,
                                             [this] { return std::chrono::sys_seconds(std::chrono::seconds(server.now)); });
  }
  Result<nlohmann::json> get_event() {
    return client->call({"Event", &documents::event(), {{"uuid", "u1"}}});
  }
};

}  // namespace

TEST_CASE("jwt_expiry reads exp and refuses garbage") {
  CHECK(jwt_expiry(jwt(1234, "x"))->time_since_epoch().count() == 1234);
  CHECK_FALSE(jwt_expiry("not-a-jwt").has_value());
  CHECK_FALSE(jwt_expiry("a.!!!.c").has_value());
  CHECK_FALSE(jwt_expiry(std::string(10000, 'a') + ".b.c").has_value());
}

TEST_CASE("logs in once, sends the bearer token, persists the refresh token") {
  Fixture f;
  REQUIRE(f.get_event().ok());
  REQUIRE(f.get_event().ok());
  CHECK(f.server.ops == std::vector<std::string>{"Login", "Event", "Event"});
  CHECK(f.state.values[kRefreshTokenKey] == f.server.refresh);
  CHECK(f.http->requests()[0].url == "https://m.example/api");
}

TEST_CASE("refreshes shortly before the access token expires, and persists the rotated token") {
  Fixture f;
  REQUIRE(f.get_event().ok());
  const std::string first_refresh = f.server.refresh;
  f.server.now += 900 - 30;  // inside the refresh margin
  REQUIRE(f.get_event().ok());
  CHECK(f.server.ops == std::vector<std::string>{"Login", "Event", "RefreshToken", "Event"});
  CHECK(f.state.values[kRefreshTokenKey] == f.server.refresh);
  CHECK(f.state.values[kRefreshTokenKey] != first_refresh);
  CHECK(f.client->refreshes() == 1);
}

TEST_CASE("a token rejected mid-pass (HTTP 401) is refreshed once and the call replayed") {
  Fixture f;
  REQUIRE(f.get_event().ok());
  f.server.expire_next_call = true;
  auto r = f.get_event();
  REQUIRE(r.ok());
  CHECK((*r)["event"]["uuid"] == "u1");
  CHECK(f.server.ops == std::vector<std::string>{"Login", "Event", "Event", "RefreshToken", "Event"});
}

TEST_CASE("an `unauthenticated` GraphQL error (HTTP 200) is also refreshed once and replayed") {
  Fixture f;
  REQUIRE(f.get_event().ok());
  f.server.unauthenticated_next_call = true;
  auto r = f.get_event();
  REQUIRE_MESSAGE(r.ok(), coopsync::testing::error_text(r));
  CHECK((*r)["event"]["uuid"] == "u1");
  CHECK(f.server.ops == std::vector<std::string>{"Login", "Event", "Event", "RefreshToken", "Event"});
  CHECK(f.client->refreshes() == 1);
  CHECK(f.state.values[kRefreshTokenKey] == f.server.refresh);
}

TEST_CASE("each rotated refresh token is stored before the access token that came with it is used") {
  Fixture f;
  f.server.state = &f.state;
  REQUIRE(f.get_event().ok());
  f.server.now += 900 - 30;  // refresh before expiry
  REQUIRE(f.get_event().ok());
  f.server.expire_next_call = true;  // refresh after a 401
  REQUIRE(f.get_event().ok());
  CHECK(f.client->refreshes() == 2);
  CHECK(f.server.ops ==
        std::vector<std::string>{"Login", "Event", "RefreshToken", "Event", "Event", "RefreshToken", "Event"});
  // Every call made with a token pair found that pair's refresh token already stored: a
  // crash right after any refresh leaves the live refresh token behind, not a revoked one.
  // (The call rejected with 401 is not counted: its token was no longer valid.)
  CHECK(f.server.stored_at_call == std::vector<bool>{true, true, true});
}

TEST_CASE("a rotated refresh token that cannot be stored is not used: the call fails") {
  Fixture f;
  REQUIRE(f.get_event().ok());
  f.state.fail_puts = true;
  f.server.now += 900 - 30;
  auto r = f.get_event();
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().kind == ErrorKind::kInternal);
  CHECK(r.error().message.find("persist") != std::string::npos);
  // No call went out with the new access token.
  CHECK(f.server.ops == std::vector<std::string>{"Login", "Event", "RefreshToken"});
}

TEST_CASE("a revoked refresh token falls back to a fresh login") {
  Fixture f;
  REQUIRE(f.get_event().ok());
  f.server.refresh = "revoked-elsewhere";
  f.server.now += 2000;
  REQUIRE(f.get_event().ok());
  CHECK(f.server.ops == std::vector<std::string>{"Login", "Event", "RefreshToken", "Login", "Event"});
}

TEST_CASE("a refresh token saved by a previous run is used instead of the password") {
  Fixture f;
  (void)f.server.pair();
  f.state.values[kRefreshTokenKey] = f.server.refresh;
  auto fake = std::make_unique<FakeHttpClient>([&f](const http::Request& r) { return f.server.handle(r); });
  GraphqlClient client({"https://m.example", "bridge@example.coop", "pw", std::chrono::seconds(5)}, std::move(fake),
                       &f.state, nullptr, [&f] { return std::chrono::sys_seconds(std::chrono::seconds(f.server.now)); });
  REQUIRE(client.call({"Event", &documents::event(), {{"uuid", "u1"}}}).ok());
  CHECK(f.server.ops == std::vector<std::string>{"RefreshToken", "Event"});
}

TEST_CASE("bad credentials are an auth error that names no secret") {
  Fixture f;
  f.server.password = "the-real-one";
  auto r = f.get_event();
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().kind == ErrorKind::kAuth);
  CHECK(r.error().message.find("s3cret-password") == std::string::npos);
}

TEST_CASE("GraphQL and HTTP failures become typed errors") {
  Fixture f;
  auto nf = f.client->call({"Group", &documents::group(), {{"preferredUsername", "x"}}});
  REQUIRE_FALSE(nf.ok());
  CHECK(nf.error().kind == ErrorKind::kNotFound);
  auto down = f.client->call({"DeleteEvent", &documents::delete_event(), {{"eventId", "1"}}});
  REQUIRE_FALSE(down.ok());
  CHECK(down.error().kind == ErrorKind::kTransient);
}

TEST_CASE("the errors array is mapped by code and text") {
  auto map = [](const char* text) { return map_graphql_errors(nlohmann::json::parse(text), "op").kind; };
  CHECK(map(R"([{"code":"event_not_found","message":"Event not found","status_code":404}])") == ErrorKind::kNotFound);
  CHECK(map(R"([{"code":"unknown_error","message":"Event not found","status_code":500}])") == ErrorKind::kNotFound);
  CHECK(map(R"([{"code":"validation","message":["ends_on cannot be set before begins_on"],"field":"ends_on","status_code":422}])") == ErrorKind::kPermanent);
  CHECK(map(R"([{"code":"unauthenticated","message":"You need to be logged in","status_code":401}])") == ErrorKind::kAuth);
  CHECK(map(R"([{"code":"unknown_error","message":"Too many requests","status_code":500}])") == ErrorKind::kRateLimited);
  CHECK(map(R"([{"code":"unknown_error","message":"The event has already reached its maximum capacity","status_code":500}])") == ErrorKind::kPermanent);
  CHECK(map(R"([{"message":"Argument \"beginsOn\" has invalid value $beginsOn.","locations":[]}])") == ErrorKind::kPermanent);
  CHECK(map(R"([{"code":"unknown","message":"Something went wrong","status_code":500}])") == ErrorKind::kTransient);
  CHECK(map(R"("garbage")") == ErrorKind::kInvalidInput);
  const auto e = map_graphql_errors(nlohmann::json::parse(R"([{"code":"validation","message":["a","b"],"field":"title"}])"), "CreateEvent");
  CHECK(e.message.find("a; b") != std::string::npos);
  CHECK(e.message.find("field title") != std::string::npos);
}
