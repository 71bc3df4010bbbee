// libFuzzer target: the Odoo XML-RPC response and call parsers must turn any input into a
// value or a typed error, within the configured bounds (no crash, leak, UB or hang).
#include "connectors/odoo/xmlrpc.hpp"

#include <cstddef>
#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  coopsync::odoo::xmlrpc::Limits limits;
  limits.max_bytes = 1u << 20;
  auto response = coopsync::odoo::xmlrpc::parse_response(input, limits);
  if (response.ok() && !response->fault) {
    // What parses must re-encode and parse back to the same value.
    auto again = coopsync::odoo::xmlrpc::parse_response(
        coopsync::odoo::xmlrpc::encode_response(response->result), limits);
    if (!again.ok() || !(again->result == response->result)) __builtin_trap();
  }
  auto call = coopsync::odoo::xmlrpc::parse_call(input, limits);
  (void)call.ok();
  return 0;
}
