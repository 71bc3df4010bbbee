#pragma once
// What the daemon knows about itself, shared between the pass worker (writes) and the HTTP
// thread (reads): per-system counters and states, store gauges, HTTP request durations.
// Rendered as Prometheus text (format 0.0.4) and as the /healthz JSON.
#include "core/engine/engine.hpp"

#include <nlohmann/json.hpp>

#include <array>
#include <chrono>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace coopsync::daemon {

// Upper bounds (seconds) of the request duration histogram buckets.
inline constexpr std::array<double, 11> kDurationBuckets = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
                                                            0.5,   1.0,  2.5,   5.0,  10.0};

struct StoreGauges {
  std::map<std::string, std::size_t> outbox_pending;  // per system
  std::map<std::string, std::size_t> dead;            // per system
  std::size_t open_conflicts = 0;
};

class Metrics {
 public:
  // The configured systems (start-up and reload); unknown ones are dropped from states.
  void set_systems(const std::vector<std::string>& names);
  // After a pass: counters, last success, state per system. `unavailable` names systems
  // whose check() failed this pass.
  void record_pass(const engine::PassReport& report, const std::vector<std::string>& unavailable);
  // After a store probe: gauges, or the store's failure (healthz answers 503).
  void record_store(std::optional<StoreGauges> gauges);
  void observe_http(const std::string& system, std::chrono::microseconds elapsed);

  std::string prometheus() const;
  // {"store": "ok"|"unreachable", "systems": {...}}; store_ok tells the status to answer.
  nlohmann::json health(bool& store_ok) const;
  std::uint64_t total_passes() const;

 private:
  struct SystemStats {
    std::uint64_t passes = 0, read = 0, written = 0;
    std::optional<double> last_success;  // unix seconds
    std::string last_error;              // redacted
    std::string state = "unknown";       // before its first pass
  };
  struct Histogram {
    std::array<std::uint64_t, kDurationBuckets.size()> buckets{};
    std::uint64_t count = 0;
    double sum = 0;
  };
  mutable std::mutex mu_;
  std::map<std::string, SystemStats> systems_;
  std::map<std::string, Histogram> http_;
  std::optional<StoreGauges> store_;
  bool store_probed_ = false;
  std::uint64_t total_passes_ = 0;
};

}  // namespace coopsync::daemon
