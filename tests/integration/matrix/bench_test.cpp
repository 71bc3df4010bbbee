// Benchmark (not a timed test; skipped unless run with --no-skip):
//   ./integration_matrix --no-skip -tc='bench*'
// 100 collectives x 50 members provisioned against the simulator, as an appservice (not
// rate limited) and as a bot account under Synapse-shaped limits (burst 10, then
// COOPSYNC_BENCH_RATE actions/s, default 50: Synapse's own 0.2/s would take hours). Prints
// requests, wall time and the time 429 answers held the connector back.
#include "connectors/matrix/matrix_connector.hpp"
#include "tests/integration/matrix/matrix_sim.hpp"

#include <doctest/doctest.h>

#include <cstdio>
#include <cstdlib>

using namespace coopsync;
using namespace coopsync::testing::matrix_it;

namespace {
constexpr int kRooms = 100;
constexpr int kMembersPerRoom = 50;

json people(bool with_bot) {
  json users = json::array();
  if (with_bot) users.push_back({{"localpart", "coopbot"}, {"tokens", {"bot-token-0123456789"}}});
  for (int i = 0; i < kRooms * kMembersPerRoom; ++i) {
    char name[16];
    std::snprintf(name, sizeof name, "member%04d", i);
    users.push_back({{"localpart", name}});
  }
  return users;
}

void provision(MatrixSim& sim, Connector& c, const char* label) {
  using Clock = std::chrono::steady_clock;
  const auto t0 = Clock::now();
  std::vector<Write> groups;
  for (int i = 0; i < kRooms; ++i) {
    groups.push_back(group_write("g" + std::to_string(i), "team-" + std::to_string(i),
                                 "Team " + std::to_string(i)));
  }
  auto created = c.apply(groups);
  std::vector<Write> members;
  for (int i = 0; i < kRooms; ++i) {
    REQUIRE_FALSE(created[static_cast<std::size_t>(i)].error.has_value());
    for (int j = 0; j < kMembersPerRoom; ++j) {
      char user[40];
      std::snprintf(user, sizeof user, "@member%04d:localhost", i * kMembersPerRoom + j);
      members.push_back(membership_write("m" + std::to_string(i) + "-" + std::to_string(j),
                                         created[static_cast<std::size_t>(i)].external_id, user));
    }
  }
  const auto t1 = Clock::now();
  auto invited = c.apply(members);
  const auto t2 = Clock::now();
  int failed = 0;
  for (const auto& r : invited) failed += r.error.has_value() ? 1 : 0;
  const auto& stats = dynamic_cast<matrix::MatrixConnector&>(c).stats();
  auto secs = [](auto d) { return std::chrono::duration<double>(d).count(); };
  std::printf("[bench %s] rooms %d, invites %d, failed %d | requests %ld, 429s %ld, held back %.1f s | "
              "rooms %.1f s, invites %.1f s, total %.1f s | sim events %d\n",
              label, kRooms, kRooms * kMembersPerRoom, failed, stats.requests, stats.rate_limited,
              secs(stats.held_back), secs(t1 - t0), secs(t2 - t1), secs(t2 - t0),
              sim.state()["stream"].get<int>());
  CHECK(failed == 0);
}
}  // namespace

TEST_CASE("bench: 100 rooms x 50 members as an appservice" * doctest::skip()) {
  MatrixSim sim(json{{"appservice", appservice_seed()}, {"users", people(false)}});
  auto c = sim.connector(appservice_settings());
  REQUIRE(c->check().ok());
  provision(sim, *c, "appservice");
}

TEST_CASE("bench: 100 rooms x 50 members as a rate-limited bot" * doctest::skip()) {
  const char* env = std::getenv("COOPSYNC_BENCH_RATE");
  const double rate = env ? std::atof(env) : 50.0;
  MatrixSim sim(json{{"users", people(true)},
                     {"rate_limits", {{"enabled", true}, {"message", {{"per_second", rate}, {"burst", 10}}}}}});
  auto c = sim.connector({{"mode", "bot"}, {"bot_localpart", "coopbot"},
                          {"access_token", "bot-token-0123456789"},
                          {"rate_limit_budget", "10h"}});
  REQUIRE(c->check().ok());
  provision(sim, *c, "bot");
}
