#include "core/cli/context.hpp"

#include "core/connector/registry.hpp"
#include "core/util/logging.hpp"

#include <cstdlib>
#include <ostream>

namespace coopsync::cli {

std::string default_config_path() {
  if (const char* env = std::getenv("COOPSYNC_CONFIG"); env != nullptr && *env != '\0') return env;
  return "coopsync.yaml";
}

std::optional<Context> open_context(const std::string& config_path, std::ostream& err, int& exit_code) {
  auto loaded = config::load_config(config_path, ConnectorRegistry::instance());
  if (!loaded.config) {
    err << config::format_issues(loaded.issues);
    exit_code = kExitUsage;
    return std::nullopt;
  }
  if (!loaded.warnings.empty()) err << config::format_issues(loaded.warnings);
  Context ctx;
  ctx.config = std::move(*loaded.config);
  util::configure_logging(ctx.config.logging.format, ctx.config.logging.level);
  ctx.log = util::make_logger("coopsync");
  if (ctx.config.store.driver != "sqlite") {
    err << config_path << ": store.driver '" << ctx.config.store.driver
        << "' is not available in this build (sqlite only for now)\n";
    exit_code = kExitUsage;
    return std::nullopt;
  }
  auto store = store::open_sqlite_store(ctx.config.store.path);
  if (!store.ok()) {
    err << "cannot open the store: " << store.error().message << "\n";
    exit_code = kExitUsage;
    return std::nullopt;
  }
  ctx.store = std::move(store).value();
  return ctx;
}

std::optional<engine::LiveSystems> open_systems(Context& ctx, std::ostream& err, int& exit_code) {
  auto live = engine::build_systems(ctx.config, *ctx.store, ConnectorRegistry::instance(), ctx.log);
  if (!live.ok()) {
    err << live.error().message << "\n";
    exit_code = kExitUsage;
    return std::nullopt;
  }
  return std::move(live).value();
}

}  // namespace coopsync::cli
