#pragma once
// Exponential backoff with full jitter (AWS architecture blog's "full jitter"), honouring a
// server's retry hint when it asks for longer.
#include "core/config/config.hpp"
#include "core/result.hpp"

#include <algorithm>
#include <chrono>
#include <optional>
#include <random>
#include <thread>

namespace coopsync::engine {

// Delay before attempt number `attempt` (1 = first retry). A hint (Retry-After,
// retry_after_ms) is a floor: we never retry sooner than the server asked.
std::chrono::milliseconds backoff_delay(const config::RetryPolicy& policy, int attempt,
                                        std::optional<std::chrono::milliseconds> hint,
                                        std::mt19937_64& rng);

// A read (check, a page of changes) that failed transiently (timeout, 5xx, dropped
// connection, 429) is tried again, up to kReadAttempts in all, after the backoff of the
// system's retry policy (capped at kReadRetryCap per wait), so one bad answer of a flaky
// system does not cost its whole pass. Other errors come back at once.
inline constexpr int kReadAttempts = 3;
inline constexpr std::chrono::milliseconds kReadRetryCap{5000};

template <class Read>
auto with_read_retries(const config::RetryPolicy& policy, std::mt19937_64& rng, Read&& read)
    -> decltype(read()) {
  for (int attempt = 1;; ++attempt) {
    auto r = read();
    if (r.ok() || attempt >= kReadAttempts) return r;
    const auto kind = r.error().kind;
    if (kind != ErrorKind::kTransient && kind != ErrorKind::kRateLimited) return r;
    std::this_thread::sleep_for(std::min(backoff_delay(policy, attempt, r.error().retry_after, rng),
                                         kReadRetryCap));
  }
}

}  // namespace coopsync::engine
