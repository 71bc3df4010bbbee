#include "core/engine/runtime.hpp"

#include <algorithm>

namespace coopsync::engine {

std::string cursor_stream(EntityKind kind) { return std::string("kind:") + to_string(kind); }

const config::KindPolicy* SystemRuntime::policy(EntityKind kind) const {
  auto it = config->kinds.find(kind);
  if (it == config->kinds.end()) return nullptr;
  if (capability(kind) == nullptr) return nullptr;
  return &it->second;
}

const KindCapabilities* SystemRuntime::capability(EntityKind kind) const {
  return connector == nullptr ? nullptr : connector->capabilities().of(kind);
}

std::vector<std::string> SystemRuntime::synced_fields(EntityKind kind) const {
  const auto* cap = capability(kind);
  const auto* pol = policy(kind);
  std::vector<std::string> out;
  if (cap == nullptr || pol == nullptr) return out;
  for (const auto& f : cap->fields) {
    if (pol->fields.empty() || std::find(pol->fields.begin(), pol->fields.end(), f) != pol->fields.end()) {
      out.push_back(f);
    }
  }
  return out;
}

Result<LiveSystems> build_systems(const config::Config& config, store::Store& store,
                                  const ConnectorRegistry& registry,
                                  std::shared_ptr<spdlog::logger> logger, HttpFactory make_http) {
  LiveSystems live;
  if (!make_http) make_http = [](const http::ClientOptions& o) { return http::make_curl_client(o); };
  live.states.reserve(config.systems.size());
  for (const auto& sys : config.systems) {
    if (!sys.enabled) continue;
    const ConnectorInfo* info = registry.find(sys.type);
    if (info == nullptr) {
      return make_error(ErrorKind::kInvalidInput,
                        "system '" + sys.name + "': no connector of type '" + sys.type + "' in this build");
    }
    live.states.push_back(store.state_for(sys.name));
    ConnectorContext ctx;
    ctx.name = sys.name;
    ctx.settings = sys.settings;
    // Every client the connector makes is capped at the system's max_in_flight.
    ctx.make_http = [make_http, name = sys.name,
                     limit = static_cast<std::size_t>(sys.max_in_flight)](const http::ClientOptions& o) {
      http::ClientOptions copy = o;
      if (copy.system.empty()) copy.system = name;
      return http::limit_in_flight(make_http(copy), limit);
    };
    ctx.state = live.states.back().get();
    ctx.logger = logger;
    ctx.default_region = config.identity.default_region;
    ctx.linked_version = [&store, name = sys.name](EntityKind kind, const std::string& external_id)
        -> std::optional<std::string> {
      auto link = store.find_link(name, kind, external_id);
      if (!link.ok() || !link->has_value()) return std::nullopt;
      return (*link)->version;
    };
    auto made = info->make(ctx);
    if (!made.ok()) {
      Error err = std::move(made).error();
      err.message = "system '" + sys.name + "' (" + sys.type + "): " + err.message;
      return err;
    }
    live.connectors.push_back(std::move(made).value());
  }
  std::size_t i = 0;
  for (const auto& sys : config.systems) {
    if (!sys.enabled) continue;
    SystemRuntime rt;
    rt.config = &sys;
    rt.connector = live.connectors[i++].get();
    live.runtimes.push_back(rt);
  }
  return live;
}

}  // namespace coopsync::engine
