#pragma once
// Exponential backoff with full jitter (AWS architecture blog's "full jitter"), honouring a
// server's retry hint when it asks for longer.
#include "core/config/config.hpp"

#include <chrono>
#include <optional>
#include <random>

namespace coopsync::engine {

// Delay before attempt number `attempt` (1 = first retry). A hint (Retry-After,
// retry_after_ms) is a floor: we never retry sooner than the server asked.
std::chrono::milliseconds backoff_delay(const config::RetryPolicy& policy, int attempt,
                                        std::optional<std::chrono::milliseconds> hint,
                                        std::mt19937_64& rng);

}  // namespace coopsync::engine
