// Group lifecycle against the simulator: the group, its shared folder (MKCOL + group share
// with the configured permissions) and its calendar, all idempotent; memberships follow.
#include "tests/integration/nextcloud/nc_env.hpp"
#include "tests/support/result_text.hpp"

using coopsync::testing::error_text;

using namespace coopsync;
using namespace coopsync::testing::nc;

namespace {
int shares_with(const nlohmann::json& st, const std::string& gid) {
  int n = 0;
  for (const auto& sh : st["shares"]) n += sh["with"] == gid ? 1 : 0;
  return n;
}
}  // namespace

TEST_CASE("group lifecycle: group, folder, share and calendar, idempotent") {
  SimEnv env(nlohmann::json::array({{{"id", "alice"}, {"password", "Alice-Passw0rd-1234"},
                                     {"email", "alice@coop.example"}}}));
  auto conn = env.connector(env.settings());
  const Fields lyon{{"name", "Lyon"}, {"slug", "lyon"}};
  auto created = apply_one(*conn, make_write(EntityKind::kGroup, WriteOp::kCreate, lyon, "", "g1"));
  REQUIRE_MESSAGE(!created.error.has_value(), error_text(created.error));
  CHECK(created.external_id == "lyon");
  CHECK_FALSE(created.adopted);
  auto st = env.state();
  REQUIRE(st["groups"].contains("lyon"));
  CHECK(st["groups"]["lyon"]["displayname"] == "Lyon");
  REQUIRE(shares_with(st, "lyon") == 1);
  CHECK(st["shares"][0]["path"] == "/Groups/lyon");
  CHECK(st["shares"][0]["permissions"] == 15);
  CHECK(st["calendars"]["admin"].contains("group-lyon"));

  // Again (a retry after a crash, or the next pass): adopted, nothing doubled.
  auto again = apply_one(*conn, make_write(EntityKind::kGroup, WriteOp::kCreate, lyon, "", "g1"));
  REQUIRE_FALSE(again.error.has_value());
  CHECK(again.adopted);
  CHECK(shares_with(env.state(), "lyon") == 1);

  // Someone changed the share by hand: the configured permissions come back.
  env.ocs("PUT", "/apps/files_sharing/api/v1/shares/" + std::to_string(st["shares"][0]["id"].get<int>()),
          "permissions=1");
  auto renamed = apply_one(*conn, make_write(EntityKind::kGroup, WriteOp::kUpdate,
                                             Fields{{"name", "Lyon & Rh\xc3\xb4ne"}, {"slug", "lyon"}}, "lyon", "g1"));
  REQUIRE_FALSE(renamed.error.has_value());
  st = env.state();
  CHECK(st["groups"]["lyon"]["displayname"] == "Lyon & Rh\xc3\xb4ne");
  CHECK(st["shares"][0]["permissions"] == 15);

  auto page = conn->changes(EntityKind::kGroup, "", std::chrono::milliseconds(0));
  REQUIRE(page.ok());
  CHECK(page->full_listing);
  REQUIRE(page->records.size() == 1);  // "admin" is excluded
  CHECK(page->records[0].fields["name"] == "Lyon & Rh\xc3\xb4ne");
  CHECK(page->records[0].version == renamed.version);

  // Memberships
  auto joined = apply_one(*conn, make_write(EntityKind::kMembership, WriteOp::kCreate,
                                            Fields{{"person", "alice"}, {"group", "lyon"}}, "", "m1"));
  REQUIRE_FALSE(joined.error.has_value());
  CHECK(joined.external_id == "alice:lyon");
  auto members = conn->changes(EntityKind::kMembership, "", std::chrono::milliseconds(0));
  REQUIRE(members.ok());
  REQUIRE(by_id(*members, "alice:lyon") != nullptr);
  CHECK(by_id(*members, "alice:lyon")->fields["person"] == "alice");
  // Alice now sees the folder in her own files, shared.
  auto mine = env.raw("PROPFIND", env.url() + "/remote.php/dav/files/alice/", "", {{"Depth", "1"}}, "alice",
                      "Alice-Passw0rd-1234");
  CHECK(mine.status == 207);
  CHECK(mine.body.find("SGDNVCK") != std::string::npos);

  auto no_group = apply_one(*conn, make_write(EntityKind::kMembership, WriteOp::kCreate,
                                              Fields{{"person", "alice"}, {"group", "nowhere"}}, "", "m2"));
  REQUIRE(no_group.error.has_value());
  CHECK(no_group.error->kind == ErrorKind::kConflict);

  auto left = apply_one(*conn, make_write(EntityKind::kMembership, WriteOp::kDelete, Fields::object(),
                                          "alice:lyon", "m1"));
  REQUIRE_FALSE(left.error.has_value());
  members = conn->changes(EntityKind::kMembership, "", std::chrono::milliseconds(0));
  CHECK(by_id(*members, "alice:lyon") == nullptr);
  auto left_again = apply_one(*conn, make_write(EntityKind::kMembership, WriteOp::kDelete, Fields::object(),
                                                "alice:lyon", "m1"));
  CHECK_FALSE(left_again.error.has_value());

  // Default group policy keeps the group; "delete" removes it (folder and calendar stay).
  CHECK_FALSE(apply_one(*conn, make_write(EntityKind::kGroup, WriteOp::kDelete, Fields::object(), "lyon", "g1"))
                  .error.has_value());
  CHECK(env.state()["groups"].contains("lyon"));
  auto s = env.settings();
  s.group_delete = "delete";
  auto deleter = env.connector(s);
  CHECK_FALSE(apply_one(*deleter, make_write(EntityKind::kGroup, WriteOp::kDelete, Fields::object(), "lyon", "g1"))
                  .error.has_value());
  st = env.state();
  CHECK_FALSE(st["groups"].contains("lyon"));
  CHECK(st["calendars"]["admin"].contains("group-lyon"));
}

TEST_CASE("a group made by hand is adopted by find and by create") {
  SimEnv env;
  env.ocs("POST", "/cloud/groups", "groupid=nantes&displayname=Nantes");
  auto conn = env.connector(env.settings());
  auto found = conn->find(EntityKind::kGroup, Fields{{"name", "Nantes"}});
  REQUIRE(found.ok());
  REQUIRE(found->size() == 1);
  CHECK((*found)[0].external_id == "nantes");
  auto r = apply_one(*conn, make_write(EntityKind::kGroup, WriteOp::kCreate,
                                       Fields{{"name", "Nantes"}, {"slug", "nantes"}}, "", "g2"));
  REQUIRE_MESSAGE(!r.error.has_value(), error_text(r.error));
  CHECK(r.adopted);
  CHECK(shares_with(env.state(), "nantes") == 1);
}

TEST_CASE("an account is created with its memberships in one request; a group gone means none") {
  SimEnv env;
  env.ocs("POST", "/cloud/groups", "groupid=lyon&displayname=Lyon");
  env.ocs("POST", "/cloud/groups", "groupid=nantes&displayname=Nantes");
  auto conn = env.connector(env.settings());
  CHECK(conn->capabilities().fold_memberships_into == EntityKind::kPerson);
  auto w = make_write(EntityKind::kPerson, WriteOp::kCreate,
                      Fields{{"email", "ana@coop.example"}, {"display_name", "Ana"}, {"active", true}},
                      "", "p1");
  w.listed = true;
  w.memberships = {{"m1", "lyon"}, {"m2", "nantes"}};
  const auto before = conn->requests_made();
  auto made = apply_one(*conn, w);
  REQUIRE_MESSAGE(!made.error.has_value(), made.error->describe());
  CHECK(conn->requests_made() - before == 1);
  CHECK(made.external_id == "ana");
  REQUIRE(made.memberships.size() == 2);
  CHECK(made.memberships[0].external_id == "ana:lyon");
  CHECK(made.memberships[1].external_id == "ana:nantes");
  // As the membership listing names them, with the same version: the next pass writes nothing.
  auto members = conn->changes(EntityKind::kMembership, "", std::chrono::milliseconds(0));
  REQUIRE(members.ok());
  for (const auto& m : made.memberships) {
    const auto* listed = by_id(*members, m.external_id);
    REQUIRE(listed != nullptr);
    CHECK(listed->version == m.version);
  }

  // One of the groups was deleted since it was read (104, fixture 11): the account is
  // made all the same, without memberships, which then go on their own.
  w = make_write(EntityKind::kPerson, WriteOp::kCreate,
                 Fields{{"email", "bo@coop.example"}, {"display_name", "Bo"}, {"active", true}}, "", "p2");
  w.listed = true;
  w.memberships = {{"m3", "lyon"}, {"m4", "gone"}};
  made = apply_one(*conn, w);
  REQUIRE_MESSAGE(!made.error.has_value(), made.error->describe());
  CHECK(made.external_id == "bo");
  REQUIRE(made.memberships.size() == 2);
  CHECK(made.memberships[0].external_id.empty());
  CHECK(made.memberships[1].external_id.empty());
  auto st = env.state();
  REQUIRE(st["users"].contains("bo"));
  CHECK(st["users"]["bo"]["groups"].empty());
}
