#pragma once
// Building the live systems of a configuration: one connector per configured system,
// made by its registered factory, with its own HTTP client factory and private state.
#include "core/connector/registry.hpp"
#include "core/engine/engine.hpp"

namespace coopsync::engine {

struct LiveSystems {
  std::vector<std::unique_ptr<StateStore>> states;
  std::vector<ConnectorPtr> connectors;
  std::vector<SystemRuntime> runtimes;
};

using HttpFactory = std::function<http::HttpClientPtr(const http::ClientOptions&)>;

// The store's cursor key of a system's change stream of `kind` (engine and daemon share it).
std::string cursor_stream(EntityKind kind);

// Fails (kInvalidInput) when a system's type is unknown or its factory refuses its settings.
Result<LiveSystems> build_systems(const config::Config& config, store::Store& store,
                                  const ConnectorRegistry& registry,
                                  std::shared_ptr<spdlog::logger> logger,
                                  HttpFactory make_http = nullptr);

}  // namespace coopsync::engine
