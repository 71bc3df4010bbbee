// Memberships that come back (issue 3's moves): a member back in a group she left is made
// there again, however often, and a membership coopsync wrote but never heard back from
// (the answer was lost) is not taken for the member joining again once she has left.
#include "tests/unit/engine_harness.hpp"

using namespace coopsync;
using coopsync::testing::EngineHarness;
using coopsync::testing::FileSystem;

namespace moveback_test {
nlohmann::json member_ana() {
  return {{"given_name", "Ana"}, {"family_name", "Martin"}, {"email", "ana.martin@coop.example"},
          {"active", true}};
}

// A record deleted in that system comes back under the same id (Odoo's "partner:tag"
// membership when the tag is put back on the partner).
void restore(const FileSystem& fs, EntityKind kind, const std::string& id) {
  auto s = fs.load();
  s["seq"] = s["seq"].get<int>() + 1;
  auto& r = s["records"][to_string(kind)][id];
  r["deleted"] = false;
  r["seq"] = s["seq"];
  fs.save(s);
}

void set_state(const FileSystem& fs, const char* key, const nlohmann::json& value) {
  auto s = fs.load();
  s[key] = value;
  fs.save(s);
}

void fail_next_writes(const FileSystem& fs, int n) { set_state(fs, "fail_writes", n); }
}  // namespace moveback_test

TEST_CASE("a membership removed and restored in the ERP comes back in the cloud, each time") {
  EngineHarness h;
  const auto person = h.erp.add(EntityKind::kPerson, moveback_test::member_ana());
  const auto group = h.erp.add(EntityKind::kGroup, {{"name", "Lyon"}, {"slug", "lyon"}});
  const auto member =
      h.erp.add(EntityKind::kMembership, {{"person", person}, {"group", group}, {"role", "member"}});
  h.pass();
  REQUIRE(h.cloud.live(EntityKind::kMembership).size() == 1);
  for (int round = 0; round < 3; ++round) {
    CAPTURE(round);
    h.erp.remove(EntityKind::kMembership, member);
    auto gone = h.pass();
    CHECK(gone.systems["cloud"].deleted == 1);
    CHECK(h.cloud.live(EntityKind::kMembership).empty());
    // Back under the same ERP id: the same entity, the same projection onto no cloud record
    // as the create done before; it must be made again, not taken as done.
    moveback_test::restore(h.erp, EntityKind::kMembership, member);
    auto back = h.pass();
    CHECK(back.systems["cloud"].created == 1);
    CHECK(h.cloud.live(EntityKind::kMembership).size() == 1);
    CHECK(h.erp.live(EntityKind::kMembership).size() == 1);
    CHECK(h.pass().total_writes() == 0);
  }
}

TEST_CASE("a membership written with its answer lost, read back after the member left, stays gone") {
  EngineHarness h;
  const auto person = h.erp.add(EntityKind::kPerson, moveback_test::member_ana());
  const auto group = h.erp.add(EntityKind::kGroup, {{"name", "Lyon"}, {"slug", "lyon"}});
  h.pass();
  const auto cloud_person = h.cloud.live(EntityKind::kPerson).begin().key();
  const auto cloud_group = h.cloud.live(EntityKind::kGroup).begin().key();
  const auto member =
      h.erp.add(EntityKind::kMembership, {{"person", person}, {"group", group}, {"role", "member"}});
  moveback_test::fail_next_writes(h.cloud, 1);
  auto lost = h.pass();
  CHECK(lost.systems["cloud"].failed == 1);
  CHECK(lost.pending == 1);
  // The write did happen there (only its answer was lost), and then the member leaves.
  h.cloud.add(EntityKind::kMembership, {{"person", cloud_person}, {"group", cloud_group}});
  h.erp.remove(EntityKind::kMembership, member);
  h.pass();
  // Read back, it is coopsync's own write: linked, it leaves with the membership; it does
  // not bring the member back into the group in the ERP.
  CHECK(h.cloud.live(EntityKind::kMembership).empty());
  CHECK(h.erp.live(EntityKind::kMembership).empty());
  auto after = h.pass();
  CHECK(after.total_writes() == 0);
  CHECK(after.pending == 0);
}

TEST_CASE("a membership added by hand in the cloud after the member left brings her back") {
  EngineHarness h;
  const auto person = h.erp.add(EntityKind::kPerson, moveback_test::member_ana());
  const auto group = h.erp.add(EntityKind::kGroup, {{"name", "Lyon"}, {"slug", "lyon"}});
  const auto member =
      h.erp.add(EntityKind::kMembership, {{"person", person}, {"group", group}, {"role", "member"}});
  h.pass();
  h.erp.remove(EntityKind::kMembership, member);
  h.pass();
  REQUIRE(h.cloud.live(EntityKind::kMembership).empty());
  const auto cloud_person = h.cloud.live(EntityKind::kPerson).begin().key();
  const auto cloud_group = h.cloud.live(EntityKind::kGroup).begin().key();
  // Nothing of coopsync's is open there: this one is a join, made by hand.
  h.cloud.add(EntityKind::kMembership, {{"person", cloud_person}, {"group", cloud_group}});
  h.pass();
  CHECK(h.cloud.live(EntityKind::kMembership).size() == 1);
  CHECK(h.erp.live(EntityKind::kMembership).size() == 1);
  CHECK(h.pass().total_writes() == 0);
}

TEST_CASE("a create waiting in backoff for a membership that ended since is dropped, not sent, and made when she is back") {
  EngineHarness h;
  const auto person = h.erp.add(EntityKind::kPerson, moveback_test::member_ana());
  const auto group = h.erp.add(EntityKind::kGroup, {{"name", "Lyon"}, {"slug", "lyon"}});
  h.pass();
  const auto member =
      h.erp.add(EntityKind::kMembership, {{"person", person}, {"group", group}, {"role", "member"}});
  moveback_test::fail_next_writes(h.cloud, 1);
  auto failed = h.pass();
  CHECK(failed.systems["cloud"].failed == 1);
  CHECK(failed.pending == 1);
  const int writes = h.cloud.writes();
  h.erp.remove(EntityKind::kMembership, member);
  auto after = h.pass();
  // Planned anew, the membership is wanted nowhere: the old create is superseded. Sent, it
  // would have put her in the group for a pass. As it was tried (a transient failure may
  // have landed), a removal by its pair goes instead, and finds nothing to remove.
  CHECK(after.pending == 0);
  CHECK(after.systems["cloud"].created == 0);
  CHECK(h.cloud.writes() == writes);
  CHECK(h.cloud.live(EntityKind::kMembership).empty());
  // She is back: the same create is planned again, and made (the superseded one left no
  // key behind that would pass for it being done).
  moveback_test::restore(h.erp, EntityKind::kMembership, member);
  auto back = h.pass();
  CHECK(back.systems["cloud"].created == 1);
  CHECK(h.cloud.live(EntityKind::kMembership).size() == 1);
  CHECK(h.pass().total_writes() == 0);
}

TEST_CASE("a removal whose answer was lost, read back after the member came back, takes nothing away") {
  EngineHarness h;
  const auto person = h.erp.add(EntityKind::kPerson, moveback_test::member_ana());
  const auto group = h.erp.add(EntityKind::kGroup, {{"name", "Lyon"}, {"slug", "lyon"}});
  const auto member =
      h.erp.add(EntityKind::kMembership, {{"person", person}, {"group", group}, {"role", "member"}});
  h.pass();
  const auto cloud_member = h.cloud.live(EntityKind::kMembership).begin().key();
  h.erp.remove(EntityKind::kMembership, member);
  moveback_test::fail_next_writes(h.cloud, 1);
  auto lost = h.pass();
  CHECK(lost.systems["cloud"].failed == 1);
  // The removal did happen there (only its answer was lost), and she is back in the ERP.
  h.cloud.remove(EntityKind::kMembership, cloud_member);
  moveback_test::restore(h.erp, EntityKind::kMembership, member);
  h.pass();
  // The cloud reporting it gone is the echo of that removal, not her leaving again.
  CHECK(h.erp.live(EntityKind::kMembership).size() == 1);
  CHECK(h.cloud.live(EntityKind::kMembership).size() == 1);
  auto after = h.pass();
  CHECK(after.total_writes() == 0);
  CHECK(after.pending == 0);
}

namespace moveback_test {
struct AnaInLyon {
  std::string person, group, member;
};

// Ana is in the cloud; then Lyon and her membership are made there in one create of the
// group (fold_memberships), which lands, while its answer is lost and the cloud never
// lists that membership (a Matrix room not yet in the space).
AnaInLyon invited_with_lost_answer(EngineHarness& h) {
  h.cloud_extra = "    fold_memberships: group\n";
  AnaInLyon out;
  out.person = h.erp.add(EntityKind::kPerson, member_ana());
  h.pass();
  out.group = h.erp.add(EntityKind::kGroup, {{"name", "Lyon"}, {"slug", "lyon"}});
  out.member = h.erp.add(EntityKind::kMembership,
                         {{"person", out.person}, {"group", out.group}, {"role", "member"}});
  set_state(h.cloud, "lose_answers", 1);
  set_state(h.cloud, "unlisted_memberships", true);
  auto lost = h.pass();
  CHECK(lost.systems["cloud"].failed == 1);
  REQUIRE(h.cloud.live(EntityKind::kMembership).size() == 1);  // landed all the same
  return out;
}
}  // namespace moveback_test

TEST_CASE("a member invited with her group's creation, whose answer was lost, is taken out when she leaves before the retry, though the system never lists her") {
  // Matrix: createRoom invites the room's members, then linking the room into the space
  // times out; the room is not in the space, so its members are never read. She leaves
  // before the retry adopts the room; that retry may fail again first, the removal waiting.
  int retry_failures = 0;
  SUBCASE("the retry adopts the room at once") {}
  SUBCASE("the retry fails once more") { retry_failures = 1; }
  EngineHarness h;
  const auto ana = moveback_test::invited_with_lost_answer(h);
  h.erp.remove(EntityKind::kMembership, ana.member);
  if (retry_failures > 0) {
    moveback_test::fail_next_writes(h.cloud, retry_failures);
    auto again = h.pass();
    CHECK(again.systems["cloud"].failed == 1);
    CHECK(again.pending >= 1);  // the group's create, and the removal waiting for it
  }
  h.pass();
  CHECK(h.cloud.live(EntityKind::kGroup).size() == 1);  // the retry adopted it
  CHECK(h.cloud.live(EntityKind::kMembership).empty());
  CHECK(h.erp.live(EntityKind::kMembership).empty());
  auto after = h.pass();
  CHECK(after.total_writes() == 0);
  CHECK(after.pending == 0);
}

TEST_CASE("a removal by pair never takes out the member who joined the group again under a new record") {
  EngineHarness h;
  const auto ana = moveback_test::invited_with_lost_answer(h);
  // She leaves, and joins again at once under a new ERP record (a new entity, same pair).
  h.erp.remove(EntityKind::kMembership, ana.member);
  h.erp.add(EntityKind::kMembership, {{"person", ana.person}, {"group", ana.group}, {"role", "member"}});
  h.pass();
  h.pass();
  CHECK(h.erp.live(EntityKind::kMembership).size() == 1);
  CHECK(h.cloud.live(EntityKind::kMembership).size() == 1);
  CHECK(h.pass().total_writes() == 0);
}
