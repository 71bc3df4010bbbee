// Crash safety: a pass is killed (SIGKILL, no cleanup) at each named point, then run
// again; every system must end with each record exactly once and every field final.
#include "tests/unit/engine_harness.hpp"

#include <csignal>
#include <cstdlib>
#include <sys/wait.h>
#include <unistd.h>

using namespace coopsync;
using coopsync::testing::EngineHarness;

namespace {

// Runs one pass in a child process that dies at `point`. Returns true if it was killed.
bool pass_killed_at(EngineHarness& h, const std::string& point) {
  const pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    setenv("COOPSYNC_CRASH_AT", point.c_str(), 1);
    try {
      h.pass();
    } catch (...) {
    }
    std::_Exit(0);  // the point was never reached
  }
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL;
}

void check_converged(EngineHarness& h, int people) {
  auto cloud = h.cloud.live(EntityKind::kPerson);
  CHECK(cloud.size() == static_cast<std::size_t>(people));
  std::set<std::string> emails;
  for (auto& [id, p] : cloud.items()) emails.insert(p["email"].get<std::string>());
  CHECK(emails.size() == static_cast<std::size_t>(people));  // no duplicate
  for (auto& [id, p] : cloud.items()) {
    if (p["email"] == "p0@coop.example") CHECK(p["phone"] == "+33611111111");  // the final value
  }
  CHECK(h.pass().total_writes() == 0);
}

}  // namespace

TEST_CASE("a crash at any named point leaves no duplicate and no lost update") {
  for (const std::string point : {"after_pull", "after_outbox_write", "after_remote_write", "after_link_commit"}) {
    CAPTURE(point);
    EngineHarness h;
    std::vector<std::string> ids;
    for (int i = 0; i < 5; ++i) {
      ids.push_back(h.erp.add(EntityKind::kPerson, {{"email", "p" + std::to_string(i) + "@coop.example"},
                                                    {"display_name", "P" + std::to_string(i)}}));
    }
    CHECK(pass_killed_at(h, point));
    // An update arrives while the first pass lies dead.
    h.erp.edit(EntityKind::kPerson, ids[0], {{"phone", "06 11 11 11 11"}});
    h.pass();
    check_converged(h, 5);
  }
}

TEST_CASE("repeated crashes after remote writes (the worst point) still converge") {
  EngineHarness h;
  h.cloud_batch_size = 1;  // one remote call per write: each crash lands after a different one
  for (int i = 0; i < 8; ++i) {
    h.erp.add(EntityKind::kPerson, {{"email", "p" + std::to_string(i) + "@coop.example"}});
  }
  // Kill the 1st, then the 2nd, then the 3rd remote write of successive passes.
  for (int n = 1; n <= 3; ++n) {
    CHECK(pass_killed_at(h, "after_remote_write:" + std::to_string(n)));
  }
  auto ids = h.erp.live(EntityKind::kPerson);
  h.erp.edit(EntityKind::kPerson, ids.begin().key(), {{"phone", "06 11 11 11 11"}});
  h.pass();
  auto cloud = h.cloud.live(EntityKind::kPerson);
  CHECK(cloud.size() == 8);
  CHECK(h.pass().total_writes() == 0);
}

TEST_CASE("a crash around a create that carries its memberships leaves each one exactly once") {
  for (const std::string point : {"after_outbox_write", "after_remote_write:2", "after_link_commit:2"}) {
    CAPTURE(point);
    EngineHarness h;
    h.cloud_extra = "    fold_memberships: person\n";  // the 2nd remote write: the accounts
    const auto group = h.erp.add(EntityKind::kGroup, {{"name", "Lyon"}, {"slug", "lyon"}});
    for (int i = 0; i < 4; ++i) {
      const auto p = h.erp.add(EntityKind::kPerson, {{"email", "p" + std::to_string(i) + "@coop.example"}});
      h.erp.add(EntityKind::kMembership, {{"person", p}, {"group", group}});
    }
    CHECK(pass_killed_at(h, point));
    h.pass();
    CHECK(h.cloud.live(EntityKind::kPerson).size() == 4);
    CHECK(h.cloud.live(EntityKind::kGroup).size() == 1);
    CHECK(h.cloud.live(EntityKind::kMembership).size() == 4);
    CHECK(h.pass().total_writes() == 0);
  }
}
