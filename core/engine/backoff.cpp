#include "core/engine/backoff.hpp"

#include <algorithm>

namespace coopsync::engine {

std::chrono::milliseconds backoff_delay(const config::RetryPolicy& policy, int attempt,
                                        std::optional<std::chrono::milliseconds> hint,
                                        std::mt19937_64& rng) {
  using std::chrono::milliseconds;
  const long long base = std::max<long long>(1, policy.initial_backoff.count());
  const long long cap = std::max<long long>(base, policy.max_backoff.count());
  const int shift = std::clamp(attempt - 1, 0, 30);
  const long long ceiling = std::min<long long>(cap, base << shift);
  // Full jitter, but never below half the ceiling: spreads retries without retrying at once.
  std::uniform_int_distribution<long long> dist(ceiling / 2, ceiling);
  milliseconds delay(dist(rng));
  if (hint && *hint > delay) delay = *hint;
  return delay;
}

}  // namespace coopsync::engine
