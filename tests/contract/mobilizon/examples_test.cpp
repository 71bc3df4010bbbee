// The connector against the captured example exchanges (../shared/fixtures/mobilizon/
// examples): every error example maps to the right typed error, and a pass fed with the
// example responses (FakeHttpClient, routed by operationName) yields the expected records.
#include "connectors/mobilizon/documents.hpp"
#include "connectors/mobilizon/graphql_errors.hpp"
#include "connectors/mobilizon/mapper.hpp"
#include "connectors/mobilizon/mobilizon_connector.hpp"
#include "tests/support/fake_http.hpp"
#include "tests/support/memory_state.hpp"
#include "tests/support/fixtures.hpp"
#include "tests/support/result_text.hpp"

#include <doctest/doctest.h>

#include <map>

using namespace coopsync;
using namespace coopsync::mobilizon;
using coopsync::testing::FakeHttpClient;
using coopsync::testing::respond;

namespace {

nlohmann::json example(const std::string& name) {
  coopsync::testing::skip_without_fixtures("mobilizon");
  return nlohmann::json::parse(
      coopsync::testing::read_file(coopsync::testing::fixtures_dir() / "mobilizon" / "examples" / (name + ".json")));
}

http::Response answer(const std::string& name) {
  auto ex = example(name);
  return respond(ex["http_status"].get<int>(), ex["response"].dump(), {{"Content-Type", "application/json"}});
}

// A connector whose server answers each operation with one example.
struct Replay {
  std::map<std::string, std::string> routes;
  std::vector<std::string> ops;
  testing::MemoryState state;
  std::unique_ptr<MobilizonConnector> connector;

  explicit Replay(std::map<std::string, std::string> r) : routes(std::move(r)) {
    ConnectorContext ctx;
    ctx.name = "events";
    ctx.state = &state;
    ctx.make_http = [this](const http::ClientOptions&) {
      return std::make_unique<FakeHttpClient>([this](const http::Request& req) -> Result<http::Response> {
        const std::string op = nlohmann::json::parse(req.body)["operationName"];
        ops.push_back(op);
        auto it = routes.find(op);
        if (it == routes.end()) return make_error(ErrorKind::kInternal, "unexpected operation " + op);
        return answer(it->second);
      });
    };
    Settings s;
    s.url = "https://mobilizon.example.coop";
    s.email = "bridge@example.coop";
    s.password = "correct horse battery staple";
    s.identity = "coopbridge";
    s.groups = {"jardin_partage"};
    s.page_size = 3;
    connector = std::make_unique<MobilizonConnector>(s, ctx);
  }
};

}  // namespace

TEST_CASE("every error example maps to a typed error") {
  const std::map<std::string, ErrorKind> expected = {
      {"02_login_bad_password", ErrorKind::kAuth},
      {"03_login_unknown_user", ErrorKind::kAuth},
      {"05_refresh_token_invalid", ErrorKind::kPermanent},
      {"12_create_event_ends_before_begins", ErrorKind::kPermanent},
      {"13_create_event_unauthenticated", ErrorKind::kAuth},
      {"14_create_event_not_group_moderator", ErrorKind::kPermanent},
      {"16_update_event_forbidden", ErrorKind::kPermanent},
      {"17_update_event_not_found", ErrorKind::kNotFound},
      {"19_delete_event_forbidden", ErrorKind::kPermanent},
      {"21_event_not_found", ErrorKind::kNotFound},
      {"25_event_participants_not_moderator", ErrorKind::kPermanent},
      {"27_join_event_full", ErrorKind::kPermanent},
      {"30_update_participation_same_role", ErrorKind::kPermanent},
      {"32_create_group_name_taken", ErrorKind::kPermanent},
      {"35_invite_member_already_member", ErrorKind::kPermanent},
      {"36_invite_member_unknown_profile", ErrorKind::kNotFound},
      {"38_remove_member_not_moderator", ErrorKind::kPermanent},
      {"39_group_not_found", ErrorKind::kNotFound},
      {"41_search_persons_forbidden", ErrorKind::kPermanent},
      {"43_graphql_document_error", ErrorKind::kPermanent},
      {"44_rate_limited", ErrorKind::kRateLimited},
      {"45_fetch_person_not_found", ErrorKind::kNotFound},
  };
  for (const auto& [name, kind] : expected) {
    auto ex = example(name);
    INFO(name);
    REQUIRE(ex["response"].contains("errors"));
    const Error e = map_graphql_errors(ex["response"]["errors"], name);
    CHECK(e.kind == kind);
  }
  CHECK(is_unauthenticated(example("13_create_event_unauthenticated")["response"]["errors"]));
}

TEST_CASE("the example event reads as the canonical event") {
  auto r = event_to_record(example("20_event_by_uuid")["response"]["data"]["event"], Settings{});
  REQUIRE(r.ok());
  CHECK(r->fields["start"] == "2025-06-12T16:00:00Z");
  CHECK(r->fields["end"] == "2025-06-12T18:30:00Z");
  CHECK(r->fields["timezone"] == "Europe/Paris");
  CHECK(r->fields["capacity"] == 80);
  CHECK(r->fields["group"] == "jardin_partage");
  CHECK(r->version == "2025-05-02T08:15:02Z");
}

TEST_CASE("a first pass over the example responses: full listing, shifting pages de-duplicated") {
  Replay replay({{"Login", "01_login"},
                 {"LoggedUser", "07_logged_user"},
                 {"GroupEventActivity", "23_group_activity_events"},
                 {"GroupEvents", "22_group_events_page"},
                 {"Event", "20_event_by_uuid"}});
  std::string cursor;
  std::vector<ExternalRecord> records;
  bool full = false;
  for (int i = 0; i < 20; ++i) {
    auto page = replay.connector->changes(EntityKind::kEvent, cursor, std::chrono::milliseconds(0));
    REQUIRE_MESSAGE(page.ok(), coopsync::testing::error_text(page));
    for (auto& r : page->records) records.push_back(std::move(r));
    cursor = page->cursor;
    full = page->full_listing;
    if (!page->has_more) break;
  }
  CHECK(full);
  // Page 2 answered the same three events again (a shifted page): reported once each, but
  // the draft ("Réunion CA (brouillon)") is not published, so not reported.
  CHECK(records.size() == 2);
  CHECK(replay.ops.front() == "Login");
  CHECK(replay.state.values.count("refresh_token") == 1);

  // Next pass: the activity stream (newest first) is read back to the watermark; the
  // example's newest activity is the watermark itself, so nothing is new.
  auto next = replay.connector->changes(EntityKind::kEvent, cursor, std::chrono::milliseconds(0));
  REQUIRE(next.ok());
  CHECK(next->records.empty());

  // A damaged cursor does not block the system: it rescans (not a full listing: the
  // engine must not take unlisted records as deleted on that basis).
  std::string damaged = "{\"v\":1,\"mirror\":[";
  std::vector<ExternalRecord> rescanned;
  for (int i = 0; i < 20; ++i) {
    auto page = replay.connector->changes(EntityKind::kEvent, damaged, std::chrono::milliseconds(0));
    REQUIRE(page.ok());
    CHECK_FALSE(page->full_listing);
    for (auto& r : page->records) rescanned.push_back(std::move(r));
    damaged = page->cursor;
    if (!page->has_more) break;
  }
  CHECK(rescanned.size() == 2);
}

TEST_CASE("the example participants become registrations") {
  Replay replay({{"Login", "01_login"},
                 {"LoggedUser", "07_logged_user"},
                 {"GroupEventIndex", "22_group_events_page"},
                 {"EventParticipants", "24_event_participants"}});
  std::string cursor;
  std::vector<ExternalRecord> records;
  for (int i = 0; i < 20; ++i) {
    auto page = replay.connector->changes(EntityKind::kRegistration, cursor, std::chrono::milliseconds(0));
    REQUIRE_MESSAGE(page.ok(), coopsync::testing::error_text(page));
    for (auto& r : page->records) records.push_back(std::move(r));
    cursor = page->cursor;
    if (!page->has_more) break;
  }
  // Three listed events, each answered with the example's four participants, of which one
  // (9) is the bridge's own identity (07_logged_user): never a person nor a registration.
  CHECK(records.size() == 9);
  std::map<std::string, std::string> status;
  for (const auto& r : records) status[r.fields["person"].get<std::string>()] = r.fields["status"];
  CHECK(status["21"] == "waitlisted");
  CHECK(status["7"] == "registered");
  CHECK(status["88"] == "registered");
  CHECK(status.count("9") == 0);
}

TEST_CASE("an expired token (HTTP 401, non-GraphQL body) is refreshed and the call replayed") {
  Replay replay({{"Login", "01_login"}, {"LoggedUser", "07_logged_user"}, {"RefreshToken", "04_refresh_token"}});
  replay.routes["Event"] = "06_expired_access_token_http401";
  auto result = replay.connector->client().call({"Event", &documents::event(), {{"uuid", "x"}}});
  REQUIRE_FALSE(result.ok());
  // Still 401 after one refresh: an auth error, after exactly one refresh.
  CHECK(result.error().kind == ErrorKind::kAuth);
  CHECK(replay.connector->client().refreshes() == 1);
  CHECK(replay.ops == std::vector<std::string>{"Login", "Event", "RefreshToken", "Event"});
}
