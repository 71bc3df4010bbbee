// Error statuses of issue 4 that no fixture captures, through the connector against the
// simulator's fault injection (shaped like Sabre's and OCS's own error answers): 423 Locked on
// a CalDAV PUT is transient (retried on a later pass, never a dead letter), 429 and 503 on
// DAV carry their Retry-After to the engine, and an OCS request whose OCS-APIRequest header
// is lost on the way (a proxy) meets Nextcloud's 412 "CSRF check failed": a permanent error
// that says why, sent once.
#include "connectors/nextcloud/ocs_client.hpp"
#include "tests/integration/nextcloud/nc_env.hpp"
#include "tests/support/result_text.hpp"

#include <algorithm>

using coopsync::testing::error_text;

using namespace coopsync;
using namespace coopsync::testing::nc;

namespace {

// The real client behind a "proxy" that drops one request header, counting what it sends.
class DroppingProxy : public http::HttpClient {
 public:
  explicit DroppingProxy(std::string header)
      : inner_(http::make_curl_client(http::ClientOptions{})), header_(std::move(header)) {}
  Result<http::Response> send(const http::Request& request) override {
    http::Request r = request;
    r.headers.erase(std::remove_if(r.headers.begin(), r.headers.end(),
                                   [&](const auto& h) { return h.first == header_; }),
                    r.headers.end());
    ++sent;
    return inner_->send(r);
  }
  int sent = 0;

 private:
  http::HttpClientPtr inner_;
  std::string header_;
};

void fault(SimEnv& env, const std::string& kind, const std::string& method, int retry_after_ms = 1000) {
  env.raw("POST", env.url() + "/_sim/faults",
          R"({"every_nth": 1, "count": 1, "kinds": [")" + kind + R"("], "methods": [")" + method +
              R"("], "path_prefix": "/remote.php/dav/", "retry_after_ms": )" +
              std::to_string(retry_after_ms) + "}");
}

Fields event_fields(const std::string& title) {
  return Fields{{"title", title}, {"start", "2027-03-02T17:00:00Z"}, {"end", "2027-03-02T19:00:00Z"},
                {"timezone", "Europe/Paris"}, {"group", "lyon"}};
}

}  // namespace

TEST_CASE("423 Locked on a CalDAV PUT is transient: the same write succeeds when unlocked") {
  SimEnv env;
  auto conn = env.connector(env.settings());
  REQUIRE_FALSE(apply_one(*conn, make_write(EntityKind::kGroup, WriteOp::kCreate,
                                            Fields{{"name", "Lyon"}, {"slug", "lyon"}}, "", "g-lyon"))
                    .error.has_value());
  auto made = apply_one(*conn, make_write(EntityKind::kEvent, WriteOp::kCreate, event_fields("Assembly"),
                                          "", "evt-423"));
  REQUIRE_MESSAGE(!made.error.has_value(), error_text(made.error));
  fault(env, "status:423", "PUT");
  const Write update = make_write(EntityKind::kEvent, WriteOp::kUpdate, event_fields("Assembly (room 2)"),
                                  made.external_id, "evt-423", made.version);
  auto locked = apply_one(*conn, update);
  REQUIRE(locked.error.has_value());
  CHECK(locked.error->kind == ErrorKind::kTransient);
  CHECK(locked.error->http_status == 423);
  CHECK(locked.error->retryable());
  auto later = apply_one(*conn, update);  // the engine's retry, once the lock is gone
  REQUIRE_MESSAGE(!later.error.has_value(), error_text(later.error));
  CHECK(later.version != made.version);
}

TEST_CASE("DAV 503 and 429 come back typed with their Retry-After") {
  SimEnv env;
  auto conn = env.connector(env.settings());
  REQUIRE_FALSE(apply_one(*conn, make_write(EntityKind::kGroup, WriteOp::kCreate,
                                            Fields{{"name", "Lyon"}, {"slug", "lyon"}}, "", "g-lyon"))
                    .error.has_value());
  fault(env, "status:503", "REPORT", 9000);
  auto down = conn->changes(EntityKind::kEvent, "", std::chrono::milliseconds(0));
  REQUIRE_FALSE(down.ok());
  CHECK(down.error().kind == ErrorKind::kTransient);
  CHECK(down.error().http_status == 503);
  REQUIRE(down.error().retry_after.has_value());
  CHECK(down.error().retry_after->count() == 9000);
  fault(env, "rate_limit", "PUT", 4000);
  auto limited = apply_one(*conn, make_write(EntityKind::kEvent, WriteOp::kCreate, event_fields("Fair"), "",
                                             "evt-429"));
  REQUIRE(limited.error.has_value());
  CHECK(limited.error->kind == ErrorKind::kRateLimited);
  REQUIRE(limited.error->retry_after.has_value());
  CHECK(limited.error->retry_after->count() == 4000);
  auto fine = conn->changes(EntityKind::kEvent, "", std::chrono::milliseconds(0));
  REQUIRE(fine.ok());
  CHECK(fine->records.empty());
}

TEST_CASE("an OCS request without OCS-APIRequest gets 412 (CSRF): permanent, says why, sent once") {
  SimEnv env;
  DroppingProxy proxy("OCS-APIRequest");
  nextcloud::Session session(&proxy, "admin", kAdminApp, "nextcloud");
  nextcloud::OcsClient ocs(&session, env.url());
  auto r = ocs.call("GET", "/cloud/users", {{"limit", "1"}});
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().kind == ErrorKind::kPermanent);
  CHECK(r.error().http_status == 412);
  CHECK(r.error().message.find("OCS-APIRequest") != std::string::npos);
  CHECK_FALSE(r.error().retryable());
  CHECK(proxy.sent == 1);
  CHECK_FALSE(session.poisoned());  // not an authentication failure: the credentials stay usable
}
