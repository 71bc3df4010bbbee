// Group calendars shared with their group through Nextcloud's CalDAV sharing (POST oc:share,
// read back with oc:invite), against the simulator: exactly one share per group however
// often the group is applied, the configured access restored, "none" honoured, and a share
// Nextcloud silently ignores reported instead of taken for done.
#include "tests/integration/nextcloud/nc_env.hpp"
#include "tests/support/result_text.hpp"

using coopsync::testing::error_text;

using namespace coopsync;
using namespace coopsync::testing::nc;

namespace {

nlohmann::json shares_of(SimEnv& env, const std::string& calendar) {
  return env.state()["calendars"]["admin"][calendar]["shares"];
}

}  // namespace

TEST_CASE("a group's calendar is shared with the group exactly once, even when applied twice") {
  SimEnv env;
  auto conn = env.connector(env.settings());
  const Fields lyon{{"name", "Lyon"}, {"slug", "lyon"}};
  auto created = apply_one(*conn, make_write(EntityKind::kGroup, WriteOp::kCreate, lyon, "", "g1"));
  REQUIRE_MESSAGE(!created.error.has_value(), error_text(created.error));
  auto shares = shares_of(env, "group-lyon");
  REQUIRE(shares.size() == 1);
  CHECK(shares[0]["principal"] == "principals/groups/lyon");
  CHECK(shares[0]["access"] == "read-write");  // the default: members add the group's events
  CHECK(env.state()["calendar_share_posts"] == 1);

  // Applied again (a retry, the next pass) by this and by a fresh connector: still one share.
  auto again = apply_one(*conn, make_write(EntityKind::kGroup, WriteOp::kCreate, lyon, "", "g1"));
  REQUIRE_FALSE(again.error.has_value());
  auto fresh = env.connector(env.settings());
  auto updated = apply_one(*fresh, make_write(EntityKind::kGroup, WriteOp::kUpdate, lyon, "lyon", "g1"));
  REQUIRE_FALSE(updated.error.has_value());
  CHECK(shares_of(env, "group-lyon").size() == 1);
  CHECK(env.state()["calendar_share_posts"] == 1);  // read oc:invite, found, wrote nothing

  // Someone made it read-only by hand: the configured access comes back, still one share.
  auto hand = env.raw("POST", env.url() + "/remote.php/dav/calendars/admin/group-lyon/",
                      nextcloud::dav_body::share("principal:principals/groups/lyon", false),
                      {{"Content-Type", "application/xml; charset=utf-8"}}, "admin", kAdminApp);
  REQUIRE(hand.status == 200);
  REQUIRE(shares_of(env, "group-lyon")[0]["access"] == "read");
  auto restored = apply_one(*conn, make_write(EntityKind::kGroup, WriteOp::kUpdate, lyon, "lyon", "g1"));
  REQUIRE_FALSE(restored.error.has_value());
  shares = shares_of(env, "group-lyon");
  REQUIRE(shares.size() == 1);
  CHECK(shares[0]["access"] == "read-write");
  CHECK(env.state()["calendar_share_posts"] == 3);  // ours, the hand's, ours again

  // A second group gets its own calendar and share; the first is untouched.
  auto nantes = apply_one(*conn, make_write(EntityKind::kGroup, WriteOp::kCreate,
                                            Fields{{"name", "Nantes"}, {"slug", "nantes"}}, "", "g2"));
  REQUIRE_FALSE(nantes.error.has_value());
  CHECK(shares_of(env, "group-nantes").size() == 1);
  CHECK(shares_of(env, "group-nantes")[0]["principal"] == "principals/groups/nantes");
  CHECK(shares_of(env, "group-lyon").size() == 1);
}

TEST_CASE("a member sees the shared group calendar in their own calendar home") {
  SimEnv env(nlohmann::json::array({{{"id", "alice"}, {"password", "Alice-Passw0rd-1234"},
                                     {"email", "alice@coop.example"}}}));
  auto conn = env.connector(env.settings());
  REQUIRE_FALSE(apply_one(*conn, make_write(EntityKind::kGroup, WriteOp::kCreate,
                                            Fields{{"name", "Lyon"}, {"slug", "lyon"}}, "", "g1"))
                    .error.has_value());
  auto home = [&] {
    return env.raw("PROPFIND", env.url() + "/remote.php/dav/calendars/alice/", "", {{"Depth", "1"}},
                   "alice", "Alice-Passw0rd-1234");
  };
  CHECK(home().body.find("group-lyon_shared_by_admin") == std::string::npos);  // not a member yet
  REQUIRE_FALSE(apply_one(*conn, make_write(EntityKind::kMembership, WriteOp::kCreate,
                                            Fields{{"person", "alice"}, {"group", "lyon"}}, "", "m1"))
                    .error.has_value());
  auto listed = home();
  CHECK(listed.status == 207);
  CHECK(listed.body.find("/remote.php/dav/calendars/alice/group-lyon_shared_by_admin/") != std::string::npos);
}

TEST_CASE("calendar_share: read shares read-only, none shares nothing") {
  SimEnv env;
  auto s = env.settings();
  s.calendar_share = "read";
  auto reader = env.connector(s);
  auto made = apply_one(*reader, make_write(EntityKind::kGroup, WriteOp::kCreate,
                                            Fields{{"name", "Board"}, {"slug", "board"}}, "", "g1"));
  REQUIRE_FALSE(made.error.has_value());
  auto shares = shares_of(env, "group-board");
  REQUIRE(shares.size() == 1);
  CHECK(shares[0]["access"] == "read");

  s.calendar_share = "none";
  auto none = env.connector(s);
  made = apply_one(*none, make_write(EntityKind::kGroup, WriteOp::kCreate,
                                     Fields{{"name", "Quiet"}, {"slug", "quiet"}}, "", "g2"));
  REQUIRE_FALSE(made.error.has_value());
  CHECK(env.state()["calendars"]["admin"].contains("group-quiet"));
  CHECK(shares_of(env, "group-quiet").empty());
}

TEST_CASE("a share Nextcloud ignores (group sharing disabled) is an error, not a success") {
  SimEnv env(nlohmann::json::array(), {{"sharing", {{"allow_group_sharing", false}}}});
  auto conn = env.connector(env.settings());
  auto made = apply_one(*conn, make_write(EntityKind::kGroup, WriteOp::kCreate,
                                          Fields{{"name", "Lyon"}, {"slug", "lyon"}}, "", "g1"));
  REQUIRE(made.error.has_value());
  CHECK(made.error->kind == ErrorKind::kPermanent);
  CHECK(made.error->message.find("did not record") != std::string::npos);
  CHECK(shares_of(env, "group-lyon").empty());
}

TEST_CASE("calendar sharing is skipped on a CalDAV server without it (Radicale)") {
  auto rad = start_radicale();
  if (!rad) return;
  SimEnv env;
  auto conn = env.connector(with_caldav(env.settings(), *rad));
  auto made = apply_one(*conn, make_write(EntityKind::kGroup, WriteOp::kCreate,
                                          Fields{{"name", "Lyon"}, {"slug", "lyon"}}, "", "g1"));
  REQUIRE_MESSAGE(!made.error.has_value(), error_text(made.error));
  auto again = apply_one(*conn, make_write(EntityKind::kGroup, WriteOp::kUpdate,
                                           Fields{{"name", "Lyon"}, {"slug", "lyon"}}, "lyon", "g1"));
  CHECK_FALSE(again.error.has_value());
}
