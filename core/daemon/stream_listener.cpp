#include "core/daemon/stream_listener.hpp"

#include "core/connector/registry.hpp"

#include <spdlog/logger.h>

namespace coopsync::daemon {

namespace {
constexpr std::chrono::milliseconds kRetryAfterError{5000};
}  // namespace

StreamListener::StreamListener(const config::Config& config, store::Store& store,
                               std::shared_ptr<spdlog::logger> log, Wake wake)
    : config_(config), store_(store), log_(std::move(log)), wake_(std::move(wake)) {}

StreamListener::~StreamListener() { stop(); }

Result<std::size_t> StreamListener::start() {
  // Connectors of their own: the engine's are used by the pass worker only.
  auto live = engine::build_systems(config_, store_, ConnectorRegistry::instance(), log_);
  if (!live.ok()) return std::move(live).error();
  live_ = std::move(*live);
  std::size_t streams = 0;
  for (auto& sys : live_.runtimes) {
    if (!sys.config->enabled) continue;
    for (EntityKind kind : sys.connector->capabilities().push_kinds) {
      const auto* pol = sys.policy(kind);
      if (pol == nullptr || !pol->read) continue;
      threads_.emplace_back([this, &sys, kind] { listen(sys, kind); });
      ++streams;
    }
  }
  return streams;
}

void StreamListener::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  for (auto& t : threads_) {
    if (t.joinable()) t.join();
  }
  threads_.clear();
}

bool StreamListener::pause(std::chrono::milliseconds d) {
  std::unique_lock lock(mu_);
  return !cv_.wait_for(lock, d, [&] { return stopping_; });
}

void StreamListener::listen(engine::SystemRuntime& sys, EntityKind kind) {
  const std::string stream = engine::cursor_stream(kind);
  std::string position;
  bool announced = false;
  while (pause(std::chrono::milliseconds(0))) {
    if (position.empty()) {
      // Start where the engine stands; before its first pass there is nothing to follow
      // (its first read is a full listing, not a stream).
      auto cursor = store_.get_cursor(sys.name(), stream);
      if (!cursor.ok() || cursor->empty()) {
        if (!pause(kRetryAfterError)) return;
        continue;
      }
      position = *cursor;
    }
    auto page = sys.connector->changes(kind, position, kLongPoll);
    if (!page.ok()) {
      const Error& e = page.error();
      if (e.kind == ErrorKind::kAuth) {
        log_->error("{}: stream of {} stopped: {}", sys.name(), to_string(kind), e.describe());
        return;  // never retry refused credentials in a loop; the passes report it
      }
      log_->warn("{}: stream of {}: {}", sys.name(), to_string(kind), e.describe());
      if (!pause(e.retry_after.value_or(kRetryAfterError))) return;
      position.clear();  // start again from the engine's cursor
      continue;
    }
    if (!announced) {
      log_->info("{}: listening to its {} stream", sys.name(), to_string(kind));
      announced = true;
    }
    if (!page->records.empty()) {
      log_->debug("{}: {} change(s) of {} on its stream: pass", sys.name(), page->records.size(),
                  to_string(kind));
      wake_(sys.name());
    }
    if (!page->cursor.empty()) position = page->cursor;
  }
}

}  // namespace coopsync::daemon
