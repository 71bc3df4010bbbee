// libFuzzer target: whatever a (hostile) Mobilizon server answers, the connector's readers
// turn it into records or typed errors: events, GraphQL error arrays, JWT expiry claims.
#include "connectors/mobilizon/graphql_client.hpp"
#include "connectors/mobilizon/graphql_errors.hpp"
#include "connectors/mobilizon/mapper.hpp"

#include <nlohmann/json.hpp>

#include <cstddef>
#include <cstdint>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > (1u << 20)) return 0;
  const std::string input(reinterpret_cast<const char*>(data), size);
  (void)coopsync::mobilizon::jwt_expiry(input);
  auto json = nlohmann::json::parse(input, nullptr, false);
  if (json.is_discarded()) return 0;
  coopsync::mobilizon::Settings settings;
  auto record = coopsync::mobilizon::event_to_record(json, settings);
  if (record.ok()) {
    // What reads as an event must also write back as complete updateEvent variables.
    auto vars = coopsync::mobilizon::event_variables(record->fields, json, settings);
    (void)vars.ok();
  }
  (void)coopsync::mobilizon::map_graphql_errors(json, "fuzz");
  (void)coopsync::mobilizon::is_unauthenticated(json);
  (void)coopsync::mobilizon::format_address(json);
  return 0;
}
