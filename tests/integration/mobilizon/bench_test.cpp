// Benchmark hook (not a timed test; skipped unless COOPSYNC_BENCH=1): one group with 1,000
// events of 20 participants each (one of them the bridge's own identity, the creator) in
// the simulator. Reports, for the first full pass, a settling pass, a pass with nothing
// changed and a pass after 10 joins: requests per operation, wall time, this process's CPU
// time (the connector runs in it) and its peak RSS, and the request floor of each pass.
// The last line is the same as one JSON object (for bench/results/).
// Run: COOPSYNC_BENCH=1 build/tests/integration_mobilizon -tc='*benchmark*'
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

struct Cpu {
  double user;
  double sys;
};

Cpu cpu_seconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return {static_cast<double>(u.ru_utime.tv_sec) + static_cast<double>(u.ru_utime.tv_usec) / 1e6,
          static_cast<double>(u.ru_stime.tv_sec) + static_cast<double>(u.ru_stime.tv_usec) / 1e6};
}

double peak_rss_mib() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_maxrss) / 1024.0;  // KiB on Linux
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
  nlohmann::json per_operation;
  double wall;
  Cpu cpu;
  std::size_t records;

  nlohmann::json to_json(long long floor) const {
    return {{"records", records}, {"requests", requests}, {"request_floor", floor}, {"requests_by_operation", per_operation},
            {"wall_s", wall}, {"cpu_user_s", cpu.user}, {"cpu_sys_s", cpu.sys}, {"cpu_s", cpu.user + cpu.sys}};
  }
};

Figures pass(Harness& h, Connector& c, std::string& event_cursor, std::string& reg_cursor) {
  h.control("DELETE", "/_sim/stats");
  const Cpu cpu0 = cpu_seconds();
  const auto t0 = std::chrono::steady_clock::now();
  std::size_t records = h.drain(c, EntityKind::kEvent, event_cursor).size();
  records += h.drain(c, EntityKind::kRegistration, reg_cursor).size();
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const Cpu cpu1 = cpu_seconds();
  const auto stats = h.control("GET", "/_sim/stats");
  nlohmann::json ops = nlohmann::json::object();
  for (auto it = stats.begin(); it != stats.end(); ++it) {
    if (it.key().rfind("op:", 0) == 0) ops[it.key().substr(3)] = it.value();
  }
  return {stats.value("requests", 0LL), ops, wall, {cpu1.user - cpu0.user, cpu1.sys - cpu0.sys}, records};
}

void print(const char* what, const Figures& f, long long floor) {
  std::printf("  %-16s: %6zu records, %5lld requests (floor %lld), wall %.2f s, CPU %.2f s (user %.2f, sys %.2f)\n",
              what, f.records, f.requests, floor, f.wall, f.cpu.user + f.cpu.sys, f.cpu.user, f.cpu.sys);
}
}  // namespace

TEST_CASE("benchmark: 1,000 events x 20 participants" * doctest::skip(!bench_enabled())) {
  constexpr int kEvents = 1000;
  constexpr int kPerEvent = 20;  // the creator (the bridge itself) and 19 people
  constexpr int kPageSize = 50;
  Harness h(nlohmann::json{{"page_size", kPageSize}});
  h.control("POST", "/_sim/seed", bench_seed(kEvents, kPerEvent, 400));
  auto c = h.connector();
  REQUIRE(c->check().ok());
  std::string ec, rc;
  const auto first = pass(h, *c, ec, rc);
  // The bridge's own identity (the creator) is no registration: 19 per event.
  CHECK(first.records == kEvents + kEvents * (kPerEvent - 1));
  const auto settle = pass(h, *c, ec, rc);  // re-reads events whose participants were new persons
  const auto idle = pass(h, *c, ec, rc);
  CHECK(idle.records == 0);
  constexpr int kJoins = 10;
  for (int i = 0; i < kJoins; ++i) {
    h.gql("mutation J($e: ID!) { joinEvent(eventId: $e, actorId: \"15\") { role } }", {{"e", std::to_string(10000 + i * 97)}});
  }
  const auto joins = pass(h, *c, ec, rc);
  // Each joined event is re-read whole: its 19 registrations and the new one.
  CHECK(joins.records == kJoins * kPerEvent);

  // Request floors. Mobilizon has no change feed and no participants-of-many-events query:
  // a first pass must page the events (1000/50), take the activity watermark (1), page the
  // {uuid, updatedAt} index (1000/100) and read each event's participants once (1000). A
  // pass with nothing changed still needs the watermark check and the index (1 + 10); each
  // join adds one participants read.
  const long long index_pages = (kEvents + 99) / 100;
  const long long first_floor = (kEvents + kPageSize - 1) / kPageSize + 1 + index_pages + kEvents;
  const long long idle_floor = 1 + index_pages;
  const long long joins_floor = idle_floor + kJoins;
  CHECK(first.requests >= first_floor);  // a figure below the floor would mean a miscount
  CHECK(idle.requests >= idle_floor);
  std::printf("mobilizon benchmark (%d events x %d participants, page size %d):\n", kEvents, kPerEvent, kPageSize);
  print("first full pass", first, first_floor);
  print("second pass", settle, idle_floor);
  print("nothing changed", idle, idle_floor);
  print("after 10 joins", joins, joins_floor);
  std::printf("  peak RSS of the test process: %.1f MiB\n", peak_rss_mib());
  const nlohmann::json out = {{"events", kEvents}, {"participants_per_event", kPerEvent}, {"page_size", kPageSize},
                              {"first_full_pass", first.to_json(first_floor)},
                              {"second_pass", settle.to_json(idle_floor)},
                              {"nothing_changed", idle.to_json(idle_floor)},
                              {"after_10_joins", joins.to_json(joins_floor)},
                              {"peak_rss_mib", peak_rss_mib()}};
  std::printf("%s\n", out.dump().c_str());
}
