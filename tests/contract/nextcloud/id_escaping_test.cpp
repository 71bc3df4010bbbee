// User and group ids in OCS paths and forms, as a real Nextcloud 27 needs them. Group ids
// are free text (the web UI makes the display name the id: spaces, accents, ':' and '/'
// happen); user ids allow [A-Za-z0-9 _.@-'] and never ':' or '/'. Nextcloud's provisioning
// routes take a group id with `requirements => ['groupId' => '.+']` (apps/provisioning_api/
// appinfo/routes.php) so that a '/' in it can be sent as is, which is the only form that
// also passes Apache's default AllowEncodedSlashes Off (a %2F is refused with 404 before
// PHP runs).
#include "connectors/nextcloud/nextcloud_connector.hpp"
#include "tests/contract/nextcloud/fixture_file.hpp"
#include "tests/support/fake_http.hpp"

#include <doctest/doctest.h>

using namespace coopsync;
using namespace coopsync::nextcloud;
namespace nc = coopsync::testing::nc;

namespace {

const std::string kTeam = "\xc3\x89quipe Lyon/Villeurbanne";  // "Équipe Lyon/Villeurbanne"
const std::string kBoard = "Conseil: bureau";

std::string ok_json(const std::string& data) {
  return R"({"ocs":{"meta":{"status":"ok","statuscode":200,"message":"OK"},"data":)" + data + "}}";
}

}  // namespace

TEST_CASE("group ids go into OCS paths percent-encoded, except '/', which stays a slash") {
  std::vector<std::string> targets;
  auto http = std::make_unique<testing::FakeHttpClient>(
      [&](const http::Request& r) -> Result<http::Response> {
    targets.push_back(nc::target_of(r.url));
    if (targets.size() == 1) {
      return testing::respond(
          200, ok_json(R"({"groups":[")" + kTeam + R"(",")" + kBoard + R"("]})"));
    }
    return testing::respond(200, ok_json(R"({"users":["alice"]})"));
  });
  NextcloudConnector conn(nc::capture_settings(), std::move(http), nullptr);
  auto page = conn.changes(EntityKind::kMembership, "", std::chrono::milliseconds(0));
  REQUIRE_MESSAGE(page.ok(), (page.ok() ? "" : page.error().describe()));
  REQUIRE(targets.size() == 3);
  CHECK(targets[1] ==
        "/ocs/v2.php/cloud/groups/%C3%89quipe%20Lyon/Villeurbanne/users?format=json");
  CHECK(targets[2] == "/ocs/v2.php/cloud/groups/Conseil%3A%20bureau/users?format=json");
  REQUIRE(page->records.size() == 2);
  CHECK(page->records[0].external_id == "alice:" + kTeam);
  CHECK(page->records[1].external_id == "alice:" + kBoard);
}

TEST_CASE("a membership known only by its id splits at the first ':' (user ids have none)") {
  std::vector<http::Request> seen;
  auto http = std::make_unique<testing::FakeHttpClient>(
      [&](const http::Request& r) -> Result<http::Response> {
    seen.push_back(r);
    return testing::respond(200, ok_json("[]"));
  });
  NextcloudConnector conn(nc::capture_settings(), std::move(http), nullptr);
  Write w;
  w.kind = EntityKind::kMembership;
  w.op = WriteOp::kDelete;
  w.external_id = "jean.dupont@coop.example:" + kBoard;
  auto results = conn.apply({w});
  REQUIRE(results.size() == 1);
  CHECK_FALSE(results[0].error.has_value());
  CHECK(results[0].external_id == w.external_id);
  REQUIRE(seen.size() == 1);
  CHECK(seen[0].method == "DELETE");
  CHECK(nc::target_of(seen[0].url) ==
        "/ocs/v2.php/cloud/users/jean.dupont%40coop.example/groups"
        "?groupid=Conseil%3A%20bureau&format=json");
}

TEST_CASE("a group is found by id even when its search matches more than one page") {
  // /cloud/groups/details?search= matches ids and display names by substring, ordered by
  // id: with many "lyon-..." groups, "lyon" itself may sit past the first page.
  std::vector<std::string> targets;
  auto http = std::make_unique<testing::FakeHttpClient>(
      [&](const http::Request& r) -> Result<http::Response> {
        targets.push_back(nc::target_of(r.url));
        std::string groups;
        if (targets.size() == 1) {
          for (int i = 0; i < 50; ++i) {
            groups += (i ? "," : "") + std::string(R"({"id":"a-lyon-)") + std::to_string(i) +
                      R"(","displayname":"A Lyon )" + std::to_string(i) + R"("})";
          }
        } else {
          groups = R"({"id":"lyon","displayname":"Lyon"})";
        }
        return testing::respond(200, ok_json(R"({"groups":[)" + groups + "]}"));
      });
  NextcloudConnector conn(nc::capture_settings(), std::move(http), nullptr);
  auto found = conn.find(EntityKind::kGroup, Fields{{"slug", "lyon"}});
  REQUIRE_MESSAGE(found.ok(), (found.ok() ? "" : found.error().describe()));
  REQUIRE(found->size() == 1);
  CHECK((*found)[0].external_id == "lyon");
  REQUIRE(targets.size() == 2);
  CHECK(targets[1] ==
        "/ocs/v2.php/cloud/groups/details?search=lyon&limit=50&offset=50&format=json");
}
