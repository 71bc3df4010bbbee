// libFuzzer target: a JSON-2 answer (any status, Content-Type and body) must decode the way
// the transport decodes it (decode_json2_response: the result on 200, json2_to_error()
// otherwise) into a value or a typed error, with no crash, leak, UB or unbounded allocation.
//
// An input that is a captured exchange (the seeds in ../shared/fixtures/odoo19: request,
// "### response", status line, headers, body) is read as that response; any other input
// takes its status from the first byte, its Content-Type from the second and the rest as body.
#include "connectors/odoo/transport.hpp"
#include "core/http/http_client.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace {

constexpr std::array<int, 12> kStatuses = {200, 200, 200, 400, 401, 403,
                                           404, 409, 415, 422, 429, 500};
constexpr std::array<const char*, 4> kTypes = {
    "application/json; charset=utf-8", "application/json", "text/html; charset=utf-8", ""};

std::string_view next_line(std::string_view& rest) {
  const auto nl = rest.find('\n');
  std::string_view line = rest.substr(0, nl);
  rest = nl == std::string_view::npos ? std::string_view() : rest.substr(nl + 1);
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  return line;
}

// "HTTP/1.1 404 NOT FOUND", headers, blank line, body. False when it is not that shape.
bool read_exchange(std::string_view input, coopsync::http::Response& out) {
  constexpr std::string_view kMarker = "### response\n";
  const auto at = input.find(kMarker);
  if (at == std::string_view::npos) return false;
  std::string_view rest = input.substr(at + kMarker.size());
  const std::string_view status_line = next_line(rest);
  const auto sp = status_line.find(' ');
  if (sp == std::string_view::npos) return false;
  int status = 0;
  for (std::size_t i = sp + 1; i < status_line.size() && i < sp + 4; ++i) {
    const char c = status_line[i];
    if (c < '0' || c > '9') return false;
    status = status * 10 + (c - '0');
  }
  out.status = status;
  while (!rest.empty()) {
    const std::string_view line = next_line(rest);
    if (line.empty()) break;
    const auto colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    std::string_view value = line.substr(colon + 1);
    while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
    out.headers.emplace_back(std::string(line.substr(0, colon)), std::string(value));
  }
  out.body = std::string(rest);
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  coopsync::http::Response response;
  if (!read_exchange(input, response)) {
    if (size < 2) return 0;
    response.status = kStatuses[data[0] % kStatuses.size()];
    const char* type = kTypes[data[1] % kTypes.size()];
    if (*type != '\0') response.headers.emplace_back("Content-Type", type);
    if (data[0] & 0x80) response.headers.emplace_back("Retry-After", std::to_string(data[1]));
    response.body = std::string(input.substr(2));
  }
  for (std::size_t depth : {std::size_t{64}, std::size_t{4}}) {
    auto decoded =
        coopsync::odoo::decode_json2_response(response, "res.partner.search_read", depth);
    if (decoded.ok()) {
      // Only a 200 carries a result; what decoded must render back to JSON.
      if (response.status != 200) __builtin_trap();
      (void)coopsync::odoo::to_json(*decoded).dump(-1, ' ', false,
                                                   nlohmann::json::error_handler_t::replace);
    } else if (decoded.error().message.empty()) {
      __builtin_trap();  // every error names what failed
    }
  }
  return 0;
}
