#pragma once
// Full passes of the real engine over two "testfile" systems (tests/support/connector):
// an ERP that owns identity fields and a cloud that owns display names. Each pass reopens
// the store and the connectors, as separate CLI invocations would.
#include "core/config/config.hpp"
#include "core/connector/registry.hpp"
#include "core/engine/engine.hpp"
#include "core/engine/runtime.hpp"
#include "core/store/store.hpp"
#include "tests/support/connector/file_connector.hpp"
#include "tests/support/fixtures.hpp"

#include <doctest/doctest.h>
#include <spdlog/sinks/null_sink.h>
#include <spdlog/spdlog.h>

#include <filesystem>
#include <string>

namespace coopsync::testing {

struct EngineHarness {
  std::filesystem::path dir = make_temp_dir("coopsync-engine");
  FileSystem erp{(dir / "erp.json").string()};
  FileSystem cloud{(dir / "cloud.json").string()};
  std::string extra_engine;  // extra YAML under engine:
  std::string cloud_person_policy = "{owns: [display_name], on_delete: disable}";
  std::string erp_person_policy = "{owns: [given_name, family_name, phone, active]}";
  int cloud_fail_writes = 0;
  int max_attempts = 3;
  int cloud_batch_size = 100;
  std::string kinds_supported = "[person, group, membership]";  // both systems
  std::string more_kinds;  // more policy lines under both systems' kinds: ("      event: {}\n")
  std::string cloud_extra;  // more keys of the cloud's section ("    forget: anonymize\n")

  ~EngineHarness() { std::filesystem::remove_all(dir); }

  std::string yaml() const {
    return "store:\n  path: " + (dir / "store.db").string() + "\n" +
           "identity:\n  default_region: FR\n" +
           "engine:\n  conflict_policy: newest\n" + extra_engine +
           "systems:\n"
           "  erp:\n    type: testfile\n    path: " + (dir / "erp.json").string() + "\n" +
           "    kinds_supported: " + kinds_supported + "\n"
           "    kinds:\n      person: " + erp_person_policy + "\n      group: {}\n      membership: {}\n" + more_kinds +
           "  cloud:\n    type: testfile\n    path: " + (dir / "cloud.json").string() + "\n" +
           "    fail_writes: " + std::to_string(cloud_fail_writes) + "\n" +
           "    batch_size: " + std::to_string(cloud_batch_size) + "\n" + cloud_extra +
           "    retry: {max_attempts: " + std::to_string(max_attempts) + ", initial_backoff: 1ms, max_backoff: 2ms}\n"
           "    kinds_supported: " + kinds_supported + "\n"
           "    kinds:\n      person: " + cloud_person_policy + "\n      group: {}\n      membership: {}\n" + more_kinds;
  }

  config::Config load() const {
    auto loaded = config::load_config_text(yaml(), "test.yaml", ConnectorRegistry::instance());
    for (const auto& i : loaded.issues) MESSAGE(i.to_string());
    REQUIRE(loaded.config.has_value());
    return *loaded.config;
  }

  // The config, the store and the connectors reopened, as a separate CLI run would, and an
  // engine over them, handed to `use(engine, store, config)`; returns what `use` returns.
  template <typename Use>
  auto with_engine(Use&& use) {
    auto cfg = load();
    auto store = store::open_sqlite_store(cfg.store.path);
    REQUIRE(store.ok());
    auto logger =
        std::make_shared<spdlog::logger>("test", std::make_shared<spdlog::sinks::null_sink_mt>());
    auto live = engine::build_systems(cfg, **store, ConnectorRegistry::instance(), logger);
    REQUIRE(live.ok());
    engine::Engine eng(cfg, **store, std::move(live->runtimes), logger);
    return use(eng, **store, static_cast<const config::Config&>(cfg));
  }

  // One pass, everything reopened; it must succeed.
  engine::PassReport pass(engine::PassOptions options = {}) {
    return with_engine([&](engine::Engine& eng, store::Store&, const config::Config&) {
      auto report = eng.run_pass(options);
      if (!report.ok()) FAIL(report.error().describe());
      return *report;
    });
  }

  store::StorePtr open_store() const {
    auto store = store::open_sqlite_store((dir / "store.db").string());
    REQUIRE(store.ok());
    return std::move(store).value();
  }
};

}  // namespace coopsync::testing
