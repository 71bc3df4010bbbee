#pragma once
// What every operator command needs: the validated config, the open store, a logger, and
// the documented exit codes.
#include "core/config/config.hpp"
#include "core/engine/runtime.hpp"
#include "core/store/store.hpp"

#include <iosfwd>
#include <memory>
#include <optional>
#include <string>

namespace coopsync::cli {

enum Exit : int {
  kExitOk = 0,
  kExitAttention = 1,    // sync finished with conflicts or dead letters
  kExitUsage = 2,        // usage or config error (also: the store cannot be opened)
  kExitUnreachable = 3,  // a connector unreachable or unauthenticated
};

struct Context {
  config::Config config;
  store::StorePtr store;
  std::shared_ptr<spdlog::logger> log;
  bool json = false;
};

// Default config path: $COOPSYNC_CONFIG, else ./coopsync.yaml.
std::string default_config_path();
// Loads and validates the config, sets up logging, opens the store. On failure prints
// every problem to `err` and returns the exit code to use.
std::optional<Context> open_context(const std::string& config_path, std::ostream& err, int& exit_code);
// Builds the connectors of the config (for sync, doctor, forget, connector commands).
std::optional<engine::LiveSystems> open_systems(Context& ctx, std::ostream& err, int& exit_code);

}  // namespace coopsync::cli
