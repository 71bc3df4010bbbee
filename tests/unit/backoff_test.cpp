#include "core/engine/backoff.hpp"

#include <doctest/doctest.h>

using namespace coopsync;
using namespace std::chrono;

TEST_CASE("backoff grows exponentially with jitter, is capped, and honours a longer server hint") {
  config::RetryPolicy p;
  p.initial_backoff = milliseconds(100);
  p.max_backoff = milliseconds(1000);
  std::mt19937_64 rng(42);
  for (int i = 0; i < 200; ++i) {
    const auto d1 = engine::backoff_delay(p, 1, std::nullopt, rng);
    CHECK(d1 >= milliseconds(50));
    CHECK(d1 <= milliseconds(100));
    const auto d3 = engine::backoff_delay(p, 3, std::nullopt, rng);
    CHECK(d3 >= milliseconds(200));
    CHECK(d3 <= milliseconds(400));
    const auto d20 = engine::backoff_delay(p, 20, std::nullopt, rng);
    CHECK(d20 <= milliseconds(1000));
    CHECK(d20 >= milliseconds(500));
  }
  CHECK(engine::backoff_delay(p, 1, milliseconds(7000), rng) == milliseconds(7000));
  const auto hinted_low = engine::backoff_delay(p, 5, milliseconds(1), rng);
  CHECK(hinted_low >= milliseconds(500));  // a shorter hint does not shorten our backoff
}
