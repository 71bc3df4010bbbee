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

void fail_next_writes(const FileSystem& fs, int n) {
  auto s = fs.load();
  s["fail_writes"] = n;
  fs.save(s);
}
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
  // would have put her in the group for a pass.
  CHECK(after.pending == 0);
  CHECK(after.total_writes() == 0);
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
