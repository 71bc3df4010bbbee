// Benchmark hook (not a timed test; runs only with COOPSYNC_BENCH=1):
//   COOPSYNC_BENCH=1 build/tests/integration_odoo -tc="bench*"
// creates 10,000 partners through the connector's batched writes and reads them back
// through changes(), against the simulator, over XML-RPC (16) and JSON-2 (19); prints
// requests made, wall time and this process's CPU time (coopsync's own cost: the
// simulator runs in another process).
#include "tests/integration/odoo/odoo_sim_env.hpp"

#include <doctest/doctest.h>
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>

namespace coopsync::odoo::testing {
namespace {

double cpu_seconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

TEST_CASE("bench: 10,000 partners created in batches and read back") {
  const char* on = std::getenv("COOPSYNC_BENCH");
  if (on == nullptr || std::string(on) != "1") return;  // a benchmark, not part of the suite
  const int n = 10000;
  for (const auto& f : {Flavour{16, "xmlrpc"}, Flavour{19, "json2"}}) {
    OdooSim sim(f.version);
    auto settings = sim_settings(sim, f, 1000);
    settings["batch_size"] = 1000;
    auto parsed = parse_settings(settings, "FR");
    REQUIRE(parsed.ok());
    OdooConnector c(std::move(*parsed), http::make_curl_client({}));
    REQUIRE(c.check().ok());
    std::vector<Write> writes;
    for (int i = 0; i < n; ++i) {
      Write w;
      w.kind = EntityKind::kPerson;
      w.op = WriteOp::kCreate;
      w.fields = {{"display_name", "Member " + std::to_string(i)}, {"email", "m" + std::to_string(i) + "@coop.example"},
                  {"phone", "+3361234" + std::to_string(10000 + i)}};
      writes.push_back(std::move(w));
    }
    sim.reset_stats();
    std::size_t before = c.session().request_count();
    double cpu0 = cpu_seconds();
    auto t0 = std::chrono::steady_clock::now();
    auto results = c.apply(writes);
    const double create_wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    const double create_cpu = cpu_seconds() - cpu0;
    const std::size_t create_requests = c.session().request_count() - before;
    int errors = 0;
    for (const auto& r : results) errors += r.error.has_value();
    CHECK(errors == 0);

    before = c.session().request_count();
    cpu0 = cpu_seconds();
    t0 = std::chrono::steady_clock::now();
    std::string cursor;
    std::size_t listed = 0;
    for (;;) {
      auto page = c.changes(EntityKind::kPerson, cursor, std::chrono::milliseconds(0));
      REQUIRE(page.ok());
      listed += page->records.size();
      cursor = page->cursor;
      if (!page->has_more) break;
    }
    const double read_wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    const double read_cpu = cpu_seconds() - cpu0;
    const std::size_t read_requests = c.session().request_count() - before;
    CHECK(listed == static_cast<std::size_t>(n));
    std::printf("odoo %d %-6s create %d: %zu requests, wall %.2f s, coopsync CPU %.2f s | "
                "read %zu: %zu requests, wall %.2f s, coopsync CPU %.2f s | simulator served %d requests\n",
                f.version, f.protocol, n, create_requests, create_wall, create_cpu, listed, read_requests,
                read_wall, read_cpu, sim.get("/_sim/stats").value("requests", 0));
  }
}

}  // namespace
}  // namespace coopsync::odoo::testing
