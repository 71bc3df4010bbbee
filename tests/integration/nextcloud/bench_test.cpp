// Benchmark hook (not a timed test; runs only with COOPSYNC_BENCH=1): 2,000 accounts through
// OCS against the Nextcloud simulator, and 5,000 events through CalDAV against a real
// Radicale (the simulator when Radicale is not installed; the JSON says which). Reports,
// per phase, the requests made per route, wall time, this process's CPU time (user and
// sys: the connector runs here, the servers in their own processes), and at the end the
// peak RSS and the load average (the machine is shared). Figures are printed, never asserted;
// the checks are only on outcomes (every write succeeded, listings complete).
//   COOPSYNC_BENCH=1 COOPSYNC_BENCH_OUT=bench/results/<date>-nextcloud.json
//     build/tests/integration_nextcloud -tc='benchmark*'   (one command line)
// COOPSYNC_BENCH_ACCOUNTS / COOPSYNC_BENCH_EVENTS change the sizes (default 2000 / 5000).
#include "tests/integration/nextcloud/nc_env.hpp"
#include "tests/support/radicale.hpp"

#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <map>

using namespace coopsync;
using namespace coopsync::testing::nc;

namespace {

struct Cpu {
  double user = 0, sys = 0;
  long max_rss_kib = 0;
};

Cpu cpu_now() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return Cpu{static_cast<double>(ru.ru_utime.tv_sec) + static_cast<double>(ru.ru_utime.tv_usec) / 1e6,
             static_cast<double>(ru.ru_stime.tv_sec) + static_cast<double>(ru.ru_stime.tv_usec) / 1e6,
             ru.ru_maxrss};
}

std::vector<double> loadavg() {
  double l[3] = {0, 0, 0};
  if (getloadavg(l, 3) != 3) return {};
  return {l[0], l[1], l[2]};
}

// "GET /ocs/v2.php/cloud/users/member7?format=json" -> "GET /ocs/v2.php/cloud/users/:id?format":
// path segments that name a record (digits, '@', '.ics', percent-escapes) become :id, the
// query keeps its keys only. The DAV home and calendar are named by the test ("coop",
// "group-bench"), so they stay readable.
std::string route_of(const http::Request& r) {
  std::string url = r.url;
  if (auto scheme = url.find("://"); scheme != std::string::npos) {
    auto slash = url.find('/', scheme + 3);
    url = slash == std::string::npos ? "/" : url.substr(slash);
  }
  std::string query;
  if (auto q = url.find('?'); q != std::string::npos) {
    std::string keys;
    std::string rest = url.substr(q + 1);
    url.resize(q);
    std::size_t at = 0;
    while (at <= rest.size()) {
      auto amp = rest.find('&', at);
      std::string kv = rest.substr(at, amp == std::string::npos ? std::string::npos : amp - at);
      std::string key = kv.substr(0, kv.find('='));
      if (!key.empty()) keys += (keys.empty() ? "" : "&") + key;
      if (amp == std::string::npos) break;
      at = amp + 1;
    }
    query = "?" + keys;
  }
  std::string out;
  std::size_t at = 0;
  while (at < url.size()) {
    auto next = url.find('/', at + 1);
    std::string seg = url.substr(at + 1, next == std::string::npos ? std::string::npos : next - at - 1);
    const bool php = seg.size() > 4 && seg.compare(seg.size() - 4, 4, ".php") == 0;
    const bool id = !php && seg.find_first_of("0123456789@%") != std::string::npos;
    out += "/" + (id ? std::string(":id") : seg);
    if (next == std::string::npos) break;
    at = next;
  }
  return r.method + " " + (out.empty() ? "/" : out) + query;
}

// Counts every request by route, then hands it to the real libcurl client.
class CountingClient : public http::HttpClient {
 public:
  explicit CountingClient(std::map<std::string, std::size_t>* counts)
      : inner_(http::make_curl_client(http::ClientOptions{})), counts_(counts) {}
  Result<http::Response> send(const http::Request& request) override {
    ++(*counts_)[route_of(request)];
    return inner_->send(request);
  }

 private:
  http::HttpClientPtr inner_;
  std::map<std::string, std::size_t>* counts_;
};

struct Phase {
  std::string name;
  std::map<std::string, std::size_t>* counts;
  nlohmann::json* out;
  std::map<std::string, std::size_t> counts0 = *counts;
  Cpu cpu0 = cpu_now();
  std::chrono::steady_clock::time_point t0 = std::chrono::steady_clock::now();
  ~Phase() {
    const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    const Cpu c = cpu_now();
    nlohmann::json routes = nlohmann::json::object();
    std::size_t total = 0;
    for (const auto& [route, n] : *counts) {
      const std::size_t before = counts0.count(route) ? counts0.at(route) : 0;
      if (n > before) routes[route] = n - before;
      total += n - before;
    }
    const double user = c.user - cpu0.user, sys = c.sys - cpu0.sys;
    std::printf("BENCH nextcloud %-44s requests=%6zu wall=%8.2fs cpu=%6.2fs (user %.2f, sys %.2f)\n",
                name.c_str(), total, wall, user + sys, user, sys);
    out->push_back({{"phase", name}, {"requests", total}, {"routes", routes}, {"wall_s", wall},
                    {"cpu_user_s", user}, {"cpu_sys_s", sys}, {"cpu_s", user + sys},
                    {"requests_per_s", wall > 0 ? static_cast<double>(total) / wall : 0.0}});
  }
};

bool bench_enabled() {
  const char* v = std::getenv("COOPSYNC_BENCH");
  return v != nullptr && *v == '1';
}

int env_int(const char* name, int fallback) {
  const char* v = std::getenv(name);
  return (v != nullptr && std::atoi(v) > 0) ? std::atoi(v) : fallback;
}

std::string utc_now() {
  char buf[32];
  const std::time_t t = std::time(nullptr);
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
  return buf;
}

}  // namespace

TEST_CASE("benchmark: 2,000 accounts and 5,000 events" * doctest::skip(!bench_enabled())) {
  const int accounts = env_int("COOPSYNC_BENCH_ACCOUNTS", 2000);
  const int events = env_int("COOPSYNC_BENCH_EVENTS", 5000);
  nlohmann::json report = {{"benchmark", "nextcloud connector (tests/integration/nextcloud/bench_test.cpp)"},
                           {"date", utc_now()}, {"accounts", accounts}, {"events", events},
                           {"loadavg_start", loadavg()}, {"phases", nlohmann::json::array()}};
  nlohmann::json& phases = report["phases"];
  std::map<std::string, std::size_t> counts;
  SimEnv env;
  std::unique_ptr<testing::RadicaleServer> rad;
  auto s = env.settings();
  if (testing::RadicaleServer::available()) {
    rad = std::make_unique<testing::RadicaleServer>(std::map<std::string, std::string>{{"coop", "coop-bench-secret"}});
    s.caldav_url = rad->base_url() + "/";
    s.caldav_username = "coop";
    s.caldav_password = "coop-bench-secret";
  }
  report["caldav_server"] = rad ? "radicale (real, Debian package)" : "nextcloud simulator (radicale missing)";
  report["ocs_server"] = "nextcloud simulator (tests/sim/nextcloud)";
  nextcloud::NextcloudConnector conn(s, std::make_unique<CountingClient>(&counts), nullptr);
  REQUIRE(conn.check().ok());
  {
    Phase m{"create accounts (adopt check + POST)", &counts, &phases};
    for (int batch = 0; batch < accounts; batch += 100) {
      std::vector<Write> writes;
      for (int i = batch; i < std::min(accounts, batch + 100); ++i) {
        writes.push_back(make_write(EntityKind::kPerson, WriteOp::kCreate,
                                    Fields{{"email", "member" + std::to_string(i) + "@coop.example"},
                                           {"display_name", "Member " + std::to_string(i)}},
                                    "", "p" + std::to_string(i)));
      }
      for (const auto& r : conn.apply(writes)) REQUIRE_FALSE(r.error.has_value());
    }
  }
  {
    Phase m{"full listing of accounts", &counts, &phases};
    std::string cursor;
    std::size_t n = 0;
    for (;;) {
      auto page = conn.changes(EntityKind::kPerson, cursor, std::chrono::milliseconds(0));
      REQUIRE(page.ok());
      n += page->records.size();
      cursor = page->cursor;
      if (!page->has_more) break;
    }
    CHECK(n == static_cast<std::size_t>(accounts));
  }
  {
    Phase m{"create group (folder, share, calendar)", &counts, &phases};
    REQUIRE_FALSE(apply_one(conn, make_write(EntityKind::kGroup, WriteOp::kCreate,
                                             Fields{{"name", "Bench"}, {"slug", "bench"}}, "", "g"))
                      .error.has_value());
  }
  std::vector<WriteResult> created;
  {
    Phase m{"create events (PUT If-None-Match)", &counts, &phases};
    for (int batch = 0; batch < events; batch += 250) {
      std::vector<Write> writes;
      for (int i = batch; i < std::min(events, batch + 250); ++i) {
        const int day = 1 + i % 28, month = 1 + (i / 28) % 12;
        char start[32], end[32];
        std::snprintf(start, sizeof start, "2027-%02d-%02dT08:00:00Z", month, day);
        std::snprintf(end, sizeof end, "2027-%02d-%02dT10:00:00Z", month, day);
        writes.push_back(make_write(EntityKind::kEvent, WriteOp::kCreate,
                                    Fields{{"title", "Event " + std::to_string(i)}, {"start", start},
                                           {"end", end}, {"timezone", "Europe/Paris"}, {"group", "bench"}},
                                    "", "evt-" + std::to_string(i)));
      }
      for (auto& r : conn.apply(writes)) {
        REQUIRE_FALSE(r.error.has_value());
        created.push_back(std::move(r));
      }
    }
  }
  std::string cursor;
  {
    Phase m{"initial sync of events (sync-collection + multiget)", &counts, &phases};
    auto page = conn.changes(EntityKind::kEvent, "", std::chrono::milliseconds(0));
    REQUIRE(page.ok());
    CHECK(page->records.size() == static_cast<std::size_t>(events));
    cursor = page->cursor;
  }
  {
    Phase m{"incremental sync, nothing changed", &counts, &phases};
    auto page = conn.changes(EntityKind::kEvent, cursor, std::chrono::milliseconds(0));
    REQUIRE(page.ok());
    CHECK(page->records.empty());
    cursor = page->cursor;
  }
  {
    Phase m{"10 updates (If-Match) + incremental sync", &counts, &phases};
    for (int i = 0; i < 10; ++i) {
      auto r = apply_one(conn, make_write(EntityKind::kEvent, WriteOp::kUpdate,
                                          Fields{{"title", "Moved"}, {"start", "2027-06-01T08:00:00Z"},
                                                 {"end", "2027-06-01T09:00:00Z"}, {"group", "bench"}},
                                          created[static_cast<std::size_t>(i)].external_id,
                                          "evt-" + std::to_string(i), created[static_cast<std::size_t>(i)].version));
      REQUIRE_FALSE(r.error.has_value());
    }
    auto page = conn.changes(EntityKind::kEvent, cursor, std::chrono::milliseconds(0));
    REQUIRE(page.ok());
    CHECK(page->records.size() == 10);
  }
  const Cpu end = cpu_now();
  std::size_t total = 0;
  for (const auto& [route, n] : counts) total += n;
  report["requests_total"] = total;
  report["routes_total"] = counts;
  report["cpu_user_s"] = end.user;
  report["cpu_sys_s"] = end.sys;
  report["peak_rss_mib"] = static_cast<double>(end.max_rss_kib) / 1024.0;
  report["loadavg_end"] = loadavg();
  std::printf("BENCH nextcloud total requests=%zu cpu user %.2fs sys %.2fs, peak RSS %.1f MiB\n", total,
              end.user, end.sys, static_cast<double>(end.max_rss_kib) / 1024.0);
  if (const char* out = std::getenv("COOPSYNC_BENCH_OUT"); out != nullptr && *out != '\0') {
    std::ofstream(out) << report.dump(1) << "\n";
    std::printf("BENCH nextcloud written to %s\n", out);
  }
}
