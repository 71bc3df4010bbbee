// Benchmark hook (not a timed test; skipped unless COOPSYNC_BENCH=1): one group with 1,000
// events of 20 participants each in the simulator. Reports requests, wall time and this
// process's CPU time for the first full pass, a pass with nothing changed, and a pass
// after 10 joins. Run: COOPSYNC_BENCH=1 build-*/tests/integration_mobilizon -tc='*benchmark*' -s
#include "tests/integration/mobilizon/sim_harness.hpp"

#include "tests/support/fixtures.hpp"

#include <sys/resource.h>

#include <chrono>
#include <cstdio>

using namespace coopsync;
using namespace coopsync::testing::mobilizon;

namespace {
bool bench_enabled() {
  const char* v = std::getenv("COOPSYNC_BENCH");
  return v != nullptr && std::string(v) == "1";
}

double cpu_seconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

nlohmann::json bench_seed(int events, int per_event, int persons) {
  nlohmann::json seed = nlohmann::json::parse(
      coopsync::testing::read_file(source_dir() + "/tests/sim/mobilizon/seed_examples.json"));
  seed["settings"]["login_per_ip_per_minute"] = 1000;
  seed["settings"]["login_per_email_per_minute"] = 1000;
  seed["events"] = nlohmann::json::array();
  seed["participants"] = nlohmann::json::array();
  seed["activities"] = nlohmann::json::array();
  for (int p = 0; p < persons; ++p) {
    seed["actors"].push_back({{"id", std::to_string(5000 + p)}, {"type", "PERSON"},
                              {"preferred_username", "membre" + std::to_string(p)}, {"name", "Membre " + std::to_string(p)}});
  }
  char uuid[64];
  for (int e = 0; e < events; ++e) {
    std::snprintf(uuid, sizeof uuid, "%08x-0000-4000-8000-%012x", e + 1, e + 1);
    const std::string id = std::to_string(10000 + e);
    char start[32];
    std::snprintf(start, sizeof start, "2026-%02d-%02dT%02d:00:00Z", 1 + e % 12, 1 + e % 28, 8 + e % 10);
    seed["events"].push_back({{"id", id}, {"uuid", uuid}, {"title", "Atelier " + std::to_string(e)},
                              {"description", "<p>Description de l'atelier " + std::to_string(e) + "</p>"},
                              {"begins_on", start}, {"ends_on", nullptr}, {"status", "CONFIRMED"},
                              {"visibility", "PUBLIC"}, {"join_options", "FREE"}, {"draft", false},
                              {"category", "MEETING"}, {"language", "fr"}, {"publish_at", "2025-04-01T10:00:00Z"},
                              {"inserted_at", "2025-04-01T10:00:00Z"}, {"updated_at", "2025-04-01T10:00:00Z"},
                              {"options", {{"timezone", "Europe/Paris"}, {"maximum_attendee_capacity", per_event + 10}}},
                              {"organizer_actor_id", "9"}, {"attributed_to_id", "12"}, {"tags", nlohmann::json::array()}});
    seed["participants"].push_back({{"id", std::string(uuid) + "-c"}, {"event_id", id}, {"actor_id", "9"},
                                    {"role", "CREATOR"}, {"inserted_at", "2025-04-01T10:00:00Z"}});
    for (int k = 0; k < per_event - 1; ++k) {
      seed["participants"].push_back({{"id", std::string(uuid) + "-" + std::to_string(k)}, {"event_id", id},
                                      {"actor_id", std::to_string(5000 + (e * 7 + k) % persons)},
                                      {"role", k % 5 == 0 ? "NOT_APPROVED" : "PARTICIPANT"},
                                      {"inserted_at", "2025-04-02T10:00:00Z"}});
    }
  }
  return seed;
}

struct Figures {
  long long requests;
  double wall;
  double cpu;
  std::size_t records;
};

Figures pass(Harness& h, Connector& c, std::string& event_cursor, std::string& reg_cursor) {
  h.control("DELETE", "/_sim/stats");
  const double cpu0 = cpu_seconds();
  const auto t0 = std::chrono::steady_clock::now();
  std::size_t records = h.drain(c, EntityKind::kEvent, event_cursor).size();
  records += h.drain(c, EntityKind::kRegistration, reg_cursor).size();
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const double cpu = cpu_seconds() - cpu0;
  return {h.control("GET", "/_sim/stats").value("requests", 0LL), wall, cpu, records};
}
}  // namespace

TEST_CASE("benchmark: 1,000 events x 20 participants" * doctest::skip(!bench_enabled())) {
  Harness h(nlohmann::json{{"page_size", 50}});
  h.control("POST", "/_sim/seed", bench_seed(1000, 20, 400));
  auto c = h.connector();
  REQUIRE(c->check().ok());
  std::string ec, rc;
  const auto first = pass(h, *c, ec, rc);
  CHECK(first.records == 1000 + 20000);
  const auto settle = pass(h, *c, ec, rc);  // re-reads events whose participants were new persons
  const auto idle = pass(h, *c, ec, rc);
  CHECK(idle.records == 0);
  for (int i = 0; i < 10; ++i) {
    h.gql("mutation J($e: ID!) { joinEvent(eventId: $e, actorId: \"15\") { role } }", {{"e", std::to_string(10000 + i * 97)}});
  }
  const auto joins = pass(h, *c, ec, rc);
  CHECK(joins.records == 10 * 21);
  std::printf("mobilizon benchmark (1000 events x 20 participants):\n");
  std::printf("  first full pass : %zu records, %lld requests, wall %.2f s, coopsync CPU %.2f s\n", first.records,
              first.requests, first.wall, first.cpu);
  std::printf("  second pass     : %zu records, %lld requests, wall %.2f s, coopsync CPU %.2f s\n", settle.records,
              settle.requests, settle.wall, settle.cpu);
  std::printf("  nothing changed : %zu records, %lld requests, wall %.2f s, coopsync CPU %.2f s\n", idle.records,
              idle.requests, idle.wall, idle.cpu);
  std::printf("  after 10 joins  : %zu records, %lld requests, wall %.2f s, coopsync CPU %.2f s\n", joins.records,
              joins.requests, joins.wall, joins.cpu);
}
