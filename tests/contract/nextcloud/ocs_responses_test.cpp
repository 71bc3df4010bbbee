// Every captured OCS answer parses to the HTTP and OCS codes INDEX.md lists, and to the
// values the connector reads from it.
#include "connectors/nextcloud/ocs_client.hpp"
#include "tests/contract/nextcloud/fixture_file.hpp"

#include <doctest/doctest.h>

using namespace coopsync;
using namespace coopsync::nextcloud;
namespace nc = coopsync::testing::nc;

TEST_CASE("every OCS fixture parses to INDEX.md's HTTP and OCS status codes") {
  testing::skip_without_fixtures("nextcloud");
  const auto table = nc::index_table();
  REQUIRE(table.size() == 87);
  int checked = 0;
  for (const auto& name : nc::names()) {
    const auto ex = nc::load(name);
    if (ex.target.rfind("/ocs/", 0) != 0) continue;
    CAPTURE(name);
    const auto& want = table.at(name);
    CHECK(ex.response.status == want.http);
    auto reply = parse_ocs(ex.response, name);
    if (want.ocs < 0) {
      // 39: the CSRF answer is not an envelope.
      CHECK_FALSE(reply.ok());
      CHECK(reply.error().kind == ErrorKind::kInvalidInput);
      continue;
    }
    REQUIRE(reply.ok());
    CHECK(reply->ocs_status == want.ocs);
    CHECK(reply->http_status == want.http);
    CHECK(reply->ok() == (want.ocs == 100 || want.ocs == 200));
    if (!reply->ok()) {
      const Error e = ocs_error(*reply, ex.response, name);
      if (want.ocs == 997) CHECK(e.kind == ErrorKind::kAuth);
      if (want.ocs == 998 || want.ocs == 404) CHECK(e.kind == ErrorKind::kNotFound);
      if (want.ocs == 102 || want.ocs == 103 || want.ocs == 104) CHECK(e.kind == ErrorKind::kPermanent);
      CHECK(e.message.find(name) != std::string::npos);
    }
    ++checked;
  }
  CHECK(checked > 50);
}

TEST_CASE("OCS payloads carry what the connector reads (JSON and XML)") {
  testing::skip_without_fixtures("nextcloud");
  auto data = [](const char* name) {
    auto r = parse_ocs(nc::load(name).response, name);
    REQUIRE(r.ok());
    return r->data;
  };
  CHECK(data("07-ocs-v2-user-create-json")["id"] == "alice");
  CHECK(data("08-ocs-v1-user-create-xml")["id"] == "bob");
  CHECK(data("12-ocs-v2-users-list-search-json")["users"] == nlohmann::json({"admin", "alice"}));
  CHECK(data("14-ocs-v1-users-list-xml")["users"] == nlohmann::json({"admin", "alice", "bob"}));
  const auto details = data("15-ocs-v2-users-details-json")["users"]["bob"];
  CHECK(details["email"] == "bob@coop.example");
  CHECK(details["enabled"] == true);
  CHECK(data("16-ocs-v2-user-get-json")["displayname"] == "Alice Martin");
  CHECK(data("17-ocs-v1-user-get-xml")["enabled"] == "1");
  CHECK(data("17-ocs-v1-user-get-xml")["groups"] == nlohmann::json({"members", "board"}));
  const auto disabled = data("24-ocs-v2-user-get-disabled-json");
  CHECK(disabled["enabled"] == false);
  CHECK(disabled["displayname"] == "Alice Martin-Lef\xc3\xa8vre");
  CHECK(data("29-ocs-v2-group-members-json")["users"] == nlohmann::json({"alice", "bob"}));
  CHECK(data("30-ocs-v1-group-members-legacy-xml")["users"] == nlohmann::json({"alice", "bob"}));
  CHECK(data("34-ocs-v2-group-members-after-json")["users"].empty());
  const auto groups = data("31-ocs-v2-groups-details-json")["groups"];
  REQUIRE(groups.size() == 3);
  CHECK(groups[1]["displayname"] == "Board of Directors");
  const auto share = data("45-ocs-v2-share-create-group-json");
  CHECK(share["id"] == "1");
  CHECK(share["share_type"] == 1);
  CHECK(share["permissions"] == 31);
  CHECK(data("46-ocs-v1-share-create-group-xml")["share_with"] == "board");
  CHECK(data("48-ocs-v2-shares-list-path-json").size() == 2);
  CHECK(data("49-ocs-v2-share-update-json")["permissions"] == 15);
  CHECK(data("36-ocs-v2-user-delete-json").is_array());  // success is `data: []`
}

TEST_CASE("bad credentials are an auth error whatever the envelope (81-84)") {
  testing::skip_without_fixtures("nextcloud");
  for (const char* name : {"81-ocs-v2-disabled-user-login-json", "82-ocs-v2-wrong-password-json",
                           "83-ocs-v1-wrong-password-xml", "84-ocs-v2-no-auth-json"}) {
    CAPTURE(name);
    const auto ex = nc::load(name);
    auto reply = parse_ocs(ex.response, name);
    REQUIRE(reply.ok());
    CHECK(ocs_error(*reply, ex.response, name).kind == ErrorKind::kAuth);
  }
}

TEST_CASE("hostile OCS answers are typed errors") {
  http::Response r;
  r.status = 200;
  for (const char* body : {"", "{", "{\"ocs\":1}", "{\"ocs\":{\"meta\":{}}}", "<ocs><meta>",
                           "<html>proxy error</html>", "\xff\xfe", "[1,2,3]",
                           "{\"ocs\":{\"meta\":{\"statuscode\":\"abc\"}}}"}) {
    CAPTURE(body);
    r.body = body;
    auto reply = parse_ocs(r, "GET /x");
    CHECK_FALSE(reply.ok());
    if (!reply.ok()) CHECK(reply.error().kind == ErrorKind::kInvalidInput);
  }
}
