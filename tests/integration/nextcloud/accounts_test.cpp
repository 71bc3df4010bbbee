// Account lifecycle against the Nextcloud simulator, through the real libcurl client:
// create, update, disable, re-enable, adopt an existing account, id collisions, full
// listings, and the brute-force rule (a 401 stops all use of those credentials).
#include "tests/integration/nextcloud/nc_env.hpp"

#include <set>

using namespace coopsync;
using namespace coopsync::testing::nc;

TEST_CASE("account lifecycle: create, list, update, disable, re-enable, delete per policy") {
  SimEnv env;
  auto conn = env.connector(env.settings());
  REQUIRE(conn->check().ok());

  auto created = apply_one(*conn, make_write(EntityKind::kPerson, WriteOp::kCreate,
                                             Fields{{"email", "Alice.Martin@Coop.example"},
                                                    {"display_name", "Alice Martin"}, {"active", true}},
                                             "", "person-1"));
  REQUIRE_FALSE(created.error.has_value());
  CHECK(created.external_id == "alice.martin");
  CHECK_FALSE(created.adopted);
  auto st = env.state();
  REQUIRE(st["users"].contains("alice.martin"));
  CHECK(st["users"]["alice.martin"]["email"] == "Alice.Martin@Coop.example");
  CHECK(st["users"]["alice.martin"]["displayname"] == "Alice Martin");

  auto page = conn->changes(EntityKind::kPerson, "", std::chrono::milliseconds(0));
  REQUIRE(page.ok());
  CHECK(page->full_listing);
  CHECK_FALSE(page->has_more);
  CHECK(by_id(*page, "admin") == nullptr);  // the acting account is never listed
  const auto* alice = by_id(*page, "alice.martin");
  REQUIRE(alice != nullptr);
  CHECK(alice->fields["email"] == "alice.martin@coop.example");  // normalised
  CHECK(alice->fields["active"] == true);
  CHECK(alice->version == created.version);  // what we wrote is what we read: no echo

  auto updated = apply_one(*conn, make_write(EntityKind::kPerson, WriteOp::kUpdate,
                                             Fields{{"email", "alice@coop.example"},
                                                    {"display_name", "Alice Martin-Lef\xc3\xa8vre"}},
                                             "alice.martin", "person-1"));
  REQUIRE_FALSE(updated.error.has_value());
  st = env.state();
  CHECK(st["users"]["alice.martin"]["email"] == "alice@coop.example");
  CHECK(st["users"]["alice.martin"]["displayname"] == "Alice Martin-Lef\xc3\xa8vre");
  page = conn->changes(EntityKind::kPerson, "", std::chrono::milliseconds(0));
  REQUIRE(page.ok());
  CHECK(by_id(*page, "alice.martin")->version == updated.version);

  auto disabled = apply_one(*conn, make_write(EntityKind::kPerson, WriteOp::kDisable, Fields::object(),
                                              "alice.martin", "person-1"));
  REQUIRE_FALSE(disabled.error.has_value());
  CHECK(env.state()["users"]["alice.martin"]["enabled"] == false);
  page = conn->changes(EntityKind::kPerson, "", std::chrono::milliseconds(0));
  CHECK(by_id(*page, "alice.martin")->fields["active"] == false);

  auto enabled = apply_one(*conn, make_write(EntityKind::kPerson, WriteOp::kEnable, Fields::object(),
                                             "alice.martin", "person-1"));
  REQUIRE_FALSE(enabled.error.has_value());
  CHECK(env.state()["users"]["alice.martin"]["enabled"] == true);

  // Default delete policy: disable, never delete.
  auto deleted = apply_one(*conn, make_write(EntityKind::kPerson, WriteOp::kDelete, Fields::object(),
                                             "alice.martin", "person-1"));
  REQUIRE_FALSE(deleted.error.has_value());
  st = env.state();
  REQUIRE(st["users"].contains("alice.martin"));
  CHECK(st["users"]["alice.martin"]["enabled"] == false);

  auto missing = apply_one(*conn, make_write(EntityKind::kPerson, WriteOp::kUpdate,
                                             Fields{{"display_name", "X"}}, "nobody", "person-9"));
  REQUIRE(missing.error.has_value());
  CHECK(missing.error->kind == ErrorKind::kNotFound);
}

TEST_CASE("an existing account with the same email is adopted, not duplicated") {
  SimEnv env(nlohmann::json::array({{{"id", "bdupont"}, {"password", "Bob-Passw0rd-1234"},
                                     {"email", "bob@coop.example"}, {"displayname", "Bob D."}}}));
  auto conn = env.connector(env.settings());
  auto found = conn->find(EntityKind::kPerson, Fields{{"email", "BOB@coop.example "}});
  REQUIRE(found.ok());
  REQUIRE(found->size() == 1);
  CHECK((*found)[0].external_id == "bdupont");
  auto r = apply_one(*conn, make_write(EntityKind::kPerson, WriteOp::kCreate,
                                       Fields{{"email", "bob@coop.example"}, {"display_name", "Bob Dupont"}},
                                       "", "person-2"));
  REQUIRE_FALSE(r.error.has_value());
  CHECK(r.adopted);
  CHECK(r.external_id == "bdupont");
  CHECK(env.state()["users"].size() == 2);  // admin + bdupont, nobody new
  // A retried create (crash after the POST) adopts too.
  auto again = apply_one(*conn, make_write(EntityKind::kPerson, WriteOp::kCreate,
                                           Fields{{"email", "bob@coop.example"}}, "", "person-2"));
  CHECK(again.adopted);
}

TEST_CASE("user id collisions: suffix by default, conflict when configured") {
  SimEnv env(nlohmann::json::array({{{"id", "ana"}, {"password", "Ana-Passw0rd-1234"},
                                     {"email", "ana@elsewhere.example"}}}));
  auto conn = env.connector(env.settings());
  auto r = apply_one(*conn, make_write(EntityKind::kPerson, WriteOp::kCreate,
                                       Fields{{"email", "ana@coop.example"}, {"display_name", "Ana"}}, "", "p3"));
  REQUIRE_FALSE(r.error.has_value());
  CHECK(r.external_id == "ana2");
  auto s = env.settings();
  s.user_id_collision = "fail";
  auto strict = env.connector(s);
  auto c = apply_one(*strict, make_write(EntityKind::kPerson, WriteOp::kCreate,
                                         Fields{{"email", "ana@third.example"}}, "", "p4"));
  REQUIRE(c.error.has_value());
  CHECK(c.error->kind == ErrorKind::kConflict);
}

TEST_CASE("a refused app password is used once, never again (brute-force protection)") {
  SimEnv env;
  auto s = env.settings();
  s.app_password = "wrong-app-password-000000";
  s.caldav_password = s.app_password;
  auto conn = env.connector(s);
  auto first = conn->check();
  REQUIRE_FALSE(first.ok());
  CHECK(first.error().kind == ErrorKind::kAuth);
  CHECK(first.error().message.find("wrong-app-password") == std::string::npos);
  for (int i = 0; i < 5; ++i) {
    auto page = conn->changes(EntityKind::kPerson, "", std::chrono::milliseconds(0));
    REQUIRE_FALSE(page.ok());
    CHECK(page.error().kind == ErrorKind::kAuth);
    auto results = conn->apply({make_write(EntityKind::kPerson, WriteOp::kCreate,
                                           Fields{{"email", "x@coop.example"}}, "", "p5")});
    CHECK(results[0].error->kind == ErrorKind::kAuth);
  }
  CHECK(conn->requests_made() == 1);
  CHECK(env.state()["failed_logins"] == 1);  // the server saw exactly one failure
}

TEST_CASE("transient faults and rate limits come back typed, with Retry-After") {
  SimEnv env;
  auto conn = env.connector(env.settings());
  env.raw("POST", env.url() + "/_sim/faults",
          R"({"every_nth": 1, "count": 1, "kinds": ["status:503"], "retry_after_ms": 7000})");
  auto page = conn->changes(EntityKind::kPerson, "", std::chrono::milliseconds(0));
  REQUIRE_FALSE(page.ok());
  CHECK(page.error().kind == ErrorKind::kTransient);
  REQUIRE(page.error().retry_after.has_value());
  CHECK(page.error().retry_after->count() == 7000);
  env.raw("POST", env.url() + "/_sim/faults", R"({"every_nth": 1, "count": 1, "kinds": ["rate_limit"]})");
  auto limited = conn->changes(EntityKind::kGroup, "", std::chrono::milliseconds(0));
  REQUIRE_FALSE(limited.ok());
  CHECK(limited.error().kind == ErrorKind::kRateLimited);
  auto fine = conn->changes(EntityKind::kPerson, "", std::chrono::milliseconds(0));
  CHECK(fine.ok());
}

TEST_CASE("paged user listing covers every account exactly once") {
  nlohmann::json users = nlohmann::json::array();
  for (int i = 0; i < 25; ++i) {
    users.push_back({{"id", "user" + std::to_string(100 + i)}, {"password", "P-ssw0rd-123456"},
                     {"email", "user" + std::to_string(i) + "@coop.example"}});
  }
  SimEnv env(users);
  auto s = env.settings();
  s.page_size = 10;
  auto conn = env.connector(s);
  std::set<std::string> seen;
  std::string cursor;
  int pages = 0;
  do {
    auto page = conn->changes(EntityKind::kPerson, cursor, std::chrono::milliseconds(0));
    REQUIRE(page.ok());
    CHECK(page->full_listing);
    for (const auto& r : page->records) CHECK(seen.insert(r.external_id).second);
    cursor = page->cursor;
    ++pages;
    if (!page->has_more) break;
  } while (pages < 10);
  CHECK(seen.size() == 25);
  CHECK(pages == 3);
  CHECK(cursor.empty());  // the next pass starts a new full listing
}
