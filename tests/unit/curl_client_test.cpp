// The libcurl client against a real loopback server (tests/sim/echo): the failure paths
// every connector relies on must come back as the right error kinds.
#include "core/http/http_client.hpp"
#include "tests/support/sim_process.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

using namespace coopsync;
using coopsync::testing::SimProcess;

namespace {
http::HttpClientPtr client(std::size_t limit = 1 << 20) {
  http::ClientOptions o;
  o.max_response_bytes = limit;
  o.system = "echo";
  return http::make_curl_client(o);
}
http::Request get(const SimProcess& sim, const std::string& path_and_query) {
  http::Request r;
  r.url = sim.base_url() + path_and_query;
  return r;
}
}  // namespace

TEST_CASE("curl client: verbs, headers, body and basic auth reach the server") {
  SimProcess sim({"/usr/bin/python3", coopsync::testing::sim_script("echo")});
  auto c = client();
  http::Request r = get(sim, "/dav/x?depth=1");
  r.method = "PROPFIND";
  r.body = "<propfind/>";
  r.headers = {{"Depth", "1"}, {"Content-Type", "application/xml"}};
  r.basic_user = "alice";
  r.basic_password = "s3cret-pass";
  auto res = c->send(r);
  REQUIRE(res.ok());
  CHECK(res->status == 200);
  auto echo = nlohmann::json::parse(res->body);
  CHECK(echo["method"] == "PROPFIND");
  CHECK(echo["path"] == "/dav/x");
  CHECK(echo["body"] == "<propfind/>");
  CHECK(echo["headers"]["Depth"] == "1");
  CHECK(echo["headers"]["Authorization"].get<std::string>().rfind("Basic ", 0) == 0);
  CHECK_FALSE(echo["headers"].contains("Expect"));
}

TEST_CASE("curl client: an HTTP error status is a response; status_to_error maps it") {
  SimProcess sim({"/usr/bin/python3", coopsync::testing::sim_script("echo")});
  auto c = client();
  auto res = c->send(get(sim, "/?status=429&header=Retry-After:7"));
  REQUIRE(res.ok());
  CHECK(res->status == 429);
  CHECK(res->header("retry-after") == "7");
  auto err = http::status_to_error(*res, "echo GET /");
  REQUIRE(err);
  CHECK(err->kind == ErrorKind::kRateLimited);
  CHECK(err->retry_after == std::chrono::milliseconds(7000));
  auto res5 = c->send(get(sim, "/?status=503"));
  REQUIRE(res5.ok());
  CHECK(http::status_to_error(*res5, "x")->kind == ErrorKind::kTransient);
  CHECK(http::status_to_error(*c->send(get(sim, "/?status=401")), "x")->kind == ErrorKind::kAuth);
  CHECK(http::status_to_error(*c->send(get(sim, "/?status=412")), "x")->kind == ErrorKind::kConflict);
  CHECK(http::status_to_error(*c->send(get(sim, "/?status=422")), "x")->kind == ErrorKind::kPermanent);
  CHECK_FALSE(http::status_to_error(*c->send(get(sim, "/?status=204")), "x"));
}

TEST_CASE("curl client: an oversize body is refused, not buffered") {
  SimProcess sim({"/usr/bin/python3", coopsync::testing::sim_script("echo")});
  auto c = client(1000);
  auto res = c->send(get(sim, "/?bytes=5000"));
  REQUIRE_FALSE(res.ok());
  CHECK(res.error().kind == ErrorKind::kInvalidInput);
  CHECK(res.error().message.find("larger than 1000 bytes") != std::string::npos);
  auto fine = c->send(get(sim, "/?bytes=999"));  // the client stays usable
  REQUIRE(fine.ok());
  CHECK(fine->body.size() == 999);
}

TEST_CASE("curl client: timeouts, refused and dropped connections are transient") {
  SimProcess sim({"/usr/bin/python3", coopsync::testing::sim_script("echo")});
  auto c = client();
  http::Request slow = get(sim, "/?sleep_ms=3000");
  slow.timeout = std::chrono::milliseconds(300);
  auto res = c->send(slow);
  REQUIRE_FALSE(res.ok());
  CHECK(res.error().kind == ErrorKind::kTransient);

  // Drop: switch the server's fault injection on for every request.
  http::Request faults = get(sim, "/_sim/faults");
  faults.method = "POST";
  faults.body = R"({"every_nth": 1, "kinds": ["drop"]})";
  REQUIRE(c->send(faults).ok());
  auto dropped = c->send(get(sim, "/anything"));
  REQUIRE_FALSE(dropped.ok());
  CHECK(dropped.error().kind == ErrorKind::kTransient);

  const int port = sim.port();
  sim.stop();
  http::Request refused;
  refused.url = "http://127.0.0.1:" + std::to_string(port) + "/";
  auto r2 = c->send(refused);
  REQUIRE_FALSE(r2.ok());
  CHECK(r2.error().kind == ErrorKind::kTransient);
}

TEST_CASE("curl client: send_all answers in input order with bounded concurrency") {
  SimProcess sim({"/usr/bin/python3", coopsync::testing::sim_script("echo")});
  auto c = client();
  std::vector<http::Request> batch;
  for (int i = 0; i < 12; ++i) batch.push_back(get(sim, "/item/" + std::to_string(i) + "?sleep_ms=" + std::to_string((12 - i) * 10)));
  auto results = c->send_all(batch, 4);
  REQUIRE(results.size() == 12);
  for (int i = 0; i < 12; ++i) {
    REQUIRE(results[i].ok());
    CHECK(nlohmann::json::parse(results[i]->body)["path"] == "/item/" + std::to_string(i));
  }
}

namespace {
// The echo server holds each `?gate=N` answer until N requests have been inside it at once;
// its state says the most it ever held at once: how many the client really had in flight.
std::vector<http::Request> gated(const SimProcess& sim, int count, int gate) {
  std::vector<http::Request> batch;
  for (int i = 0; i < count; ++i) batch.push_back(get(sim, "/g/" + std::to_string(i) + "?gate=" + std::to_string(gate)));
  return batch;
}
int peak(const SimProcess& sim) {
  auto r = client()->send(get(sim, "/_sim/state"));
  REQUIRE(r.ok());
  return nlohmann::json::parse(r->body)["peak"].get<int>();
}
void check_all_met(const std::vector<Result<http::Response>>& results) {
  for (const auto& r : results) {
    REQUIRE(r.ok());
    CHECK(nlohmann::json::parse(r->body)["gate_met"] == true);
  }
}
}  // namespace

TEST_CASE("curl client: send_all really has max_in_flight requests open at once") {
  SimProcess sim({"/usr/bin/python3", coopsync::testing::sim_script("echo")});
  auto results = client()->send_all(gated(sim, 6, 6), 64);
  REQUIRE(results.size() == 6);
  check_all_met(results);
  CHECK(peak(sim) == 6);
}

TEST_CASE("limit_in_flight: a system's max_in_flight caps send_all, whatever the caller asks") {
  SimProcess sim({"/usr/bin/python3", coopsync::testing::sim_script("echo")});
  auto limited = http::limit_in_flight(client(), 3);
  auto results = limited->send_all(gated(sim, 9, 3), 64);  // the caller asks for 64
  REQUIRE(results.size() == 9);
  check_all_met(results);  // 3 were open together...
  CHECK(peak(sim) == 3);   // ...and never more
  // A caller asking for less than the ceiling gets less; plain send() goes through.
  auto one = http::limit_in_flight(client(), 3)->send_all(gated(sim, 2, 1), 1);
  check_all_met(one);
  CHECK(peak(sim) == 3);
  auto single = limited->send(get(sim, "/plain"));
  REQUIRE(single.ok());
  CHECK(nlohmann::json::parse(single->body)["path"] == "/plain");
}

TEST_CASE("Retry-After parsing: seconds, HTTP date, garbage") {
  CHECK(http::parse_retry_after("120") == std::chrono::milliseconds(120000));
  CHECK_FALSE(http::parse_retry_after("soon"));
  CHECK_FALSE(http::parse_retry_after(""));
  CHECK(http::parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT") == std::chrono::milliseconds(0));
  CHECK(http::url_encode("a b/é") == "a%20b%2F%C3%A9");
}
