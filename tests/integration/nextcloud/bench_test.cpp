// Benchmark hook (not a timed test; runs only with COOPSYNC_BENCH=1): 2,000 accounts and
// 5,000 events through the connector against the simulator. Reports requests made, wall
// time and this process's CPU time (the simulator runs in its own process).
#include "tests/integration/nextcloud/nc_env.hpp"

#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>

using namespace coopsync;
using namespace coopsync::testing::nc;

namespace {

double cpu_seconds() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
         static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

struct Meter {
  const char* what;
  const nextcloud::NextcloudConnector& conn;
  std::size_t requests0 = conn.requests_made();
  double cpu0 = cpu_seconds();
  std::chrono::steady_clock::time_point t0 = std::chrono::steady_clock::now();
  ~Meter() {
    const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::printf("BENCH nextcloud %-38s requests=%6zu wall=%8.2fs cpu=%6.2fs\n", what,
                conn.requests_made() - requests0, wall, cpu_seconds() - cpu0);
  }
};

bool bench_enabled() {
  const char* v = std::getenv("COOPSYNC_BENCH");
  return v != nullptr && *v == '1';
}

}  // namespace

TEST_CASE("benchmark: 2,000 accounts and 5,000 events" * doctest::skip(!bench_enabled())) {
  constexpr int kAccounts = 2000;
  constexpr int kEvents = 5000;
  SimEnv env;
  auto conn = env.connector(env.settings());
  {
    Meter m{"create 2000 accounts (adopt check + POST)", *conn};
    for (int batch = 0; batch < kAccounts; batch += 100) {
      std::vector<Write> writes;
      for (int i = batch; i < batch + 100; ++i) {
        writes.push_back(make_write(EntityKind::kPerson, WriteOp::kCreate,
                                    Fields{{"email", "member" + std::to_string(i) + "@coop.example"},
                                           {"display_name", "Member " + std::to_string(i)}},
                                    "", "p" + std::to_string(i)));
      }
      for (const auto& r : conn->apply(writes)) REQUIRE_FALSE(r.error.has_value());
    }
  }
  {
    Meter m{"full listing of 2000 accounts", *conn};
    std::string cursor;
    std::size_t n = 0;
    for (;;) {
      auto page = conn->changes(EntityKind::kPerson, cursor, std::chrono::milliseconds(0));
      REQUIRE(page.ok());
      n += page->records.size();
      cursor = page->cursor;
      if (!page->has_more) break;
    }
    CHECK(n == kAccounts);
  }
  REQUIRE_FALSE(apply_one(*conn, make_write(EntityKind::kGroup, WriteOp::kCreate,
                                            Fields{{"name", "Bench"}, {"slug", "bench"}}, "", "g"))
                    .error.has_value());
  std::vector<WriteResult> created;
  {
    Meter m{"create 5000 events (PUT If-None-Match)", *conn};
    for (int batch = 0; batch < kEvents; batch += 250) {
      std::vector<Write> writes;
      for (int i = batch; i < batch + 250; ++i) {
        const int day = 1 + i % 28, month = 1 + (i / 28) % 12;
        char start[32], end[32];
        std::snprintf(start, sizeof start, "2027-%02d-%02dT08:00:00Z", month, day);
        std::snprintf(end, sizeof end, "2027-%02d-%02dT10:00:00Z", month, day);
        writes.push_back(make_write(EntityKind::kEvent, WriteOp::kCreate,
                                    Fields{{"title", "Event " + std::to_string(i)}, {"start", start},
                                           {"end", end}, {"timezone", "Europe/Paris"}, {"group", "bench"}},
                                    "", "evt-" + std::to_string(i)));
      }
      for (auto& r : conn->apply(writes)) {
        REQUIRE_FALSE(r.error.has_value());
        created.push_back(std::move(r));
      }
    }
  }
  std::string cursor;
  {
    Meter m{"initial sync of 5000 events (+multiget)", *conn};
    auto page = conn->changes(EntityKind::kEvent, "", std::chrono::milliseconds(0));
    REQUIRE(page.ok());
    CHECK(page->records.size() == kEvents);
    cursor = page->cursor;
  }
  {
    Meter m{"10 updates + incremental sync", *conn};
    for (int i = 0; i < 10; ++i) {
      auto r = apply_one(*conn, make_write(EntityKind::kEvent, WriteOp::kUpdate,
                                           Fields{{"title", "Moved"}, {"start", "2027-06-01T08:00:00Z"},
                                                  {"end", "2027-06-01T09:00:00Z"}, {"group", "bench"}},
                                           created[i].external_id, "evt-" + std::to_string(i),
                                           created[i].version));
      REQUIRE_FALSE(r.error.has_value());
    }
    auto page = conn->changes(EntityKind::kEvent, cursor, std::chrono::milliseconds(0));
    REQUIRE(page.ok());
    CHECK(page->records.size() == 10);
  }
}
