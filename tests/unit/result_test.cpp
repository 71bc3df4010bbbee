#include "core/result.hpp"

#include <doctest/doctest.h>

using namespace coopsync;

TEST_CASE("Result carries either a value or a typed error") {
  Result<int> good = 42;
  CHECK(good.ok());
  CHECK(*good == 42);
  Result<int> bad = make_error(ErrorKind::kRateLimited, "slow down", 429,
                               std::chrono::milliseconds(1500));
  CHECK_FALSE(bad.ok());
  CHECK(bad.error().retryable());
  CHECK(bad.error().describe() == "rate_limited (HTTP 429) [retry after 1500 ms]: slow down");
  CHECK_FALSE(make_error(ErrorKind::kAuth, "x").retryable());
}
