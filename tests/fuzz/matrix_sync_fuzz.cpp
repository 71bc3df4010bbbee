// Fuzzes the Matrix connector's parsers of homeserver answers: any bytes must give a value
// or a typed error (no crash, no unbounded recursion). Seeds: ../shared/fixtures/matrix bodies.
#include "connectors/matrix/cs_client.hpp"
#include "connectors/matrix/errors.hpp"

#include <cstddef>
#include <cstdint>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace coopsync;
  const std::string body(reinterpret_cast<const char*>(data), size);
  auto parsed = matrix::parse_json(body, "fuzz");
  if (parsed.ok()) {
    (void)matrix::parse_sync(*parsed);
    (void)matrix::parse_admin_user(*parsed, "fuzz");
    (void)matrix::parse_room_event(*parsed, "fuzz");
  }
  http::Response resp;
  resp.status = size > 0 ? 400 + data[0] % 200 : 429;
  resp.body = body;
  (void)matrix::to_failure(resp, "fuzz");
  return 0;
}
