// Random identifiers used by the store: UUID v4 entity ids and hex salts.
#include "core/util/uuid.hpp"

#include <doctest/doctest.h>

#include <set>

using namespace coopsync;

TEST_CASE("uuid_v4 has the RFC 9562 version and variant bits and does not repeat") {
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    std::string id = util::uuid_v4();
    REQUIRE(util::looks_like_uuid(id));
    CHECK(id[14] == '4');
    CHECK(std::string("89ab").find(id[19]) != std::string::npos);
    CHECK(id.find_first_of("ABCDEF") == std::string::npos);
    seen.insert(id);
  }
  CHECK(seen.size() == 1000);
}

TEST_CASE("random_hex gives two lower-case hex digits per byte") {
  std::string hex = util::random_hex(32);
  CHECK(hex.size() == 64);
  CHECK(hex.find_first_not_of("0123456789abcdef") == std::string::npos);
  CHECK(util::random_hex(32) != hex);
  CHECK(util::random_hex(0).empty());
}

TEST_CASE("looks_like_uuid rejects near misses") {
  CHECK(util::looks_like_uuid("123e4567-e89b-42d3-a456-426614174000"));
  CHECK_FALSE(util::looks_like_uuid("123e4567e89b42d3a456426614174000"));
  CHECK_FALSE(util::looks_like_uuid("123e4567-e89b-42d3-a456-42661417400g"));
  CHECK_FALSE(util::looks_like_uuid("123e4567-e89b-42d3-a456-4266141740001"));
  CHECK_FALSE(util::looks_like_uuid(""));
}
