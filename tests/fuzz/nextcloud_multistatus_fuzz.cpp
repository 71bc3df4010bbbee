// libFuzzer target: WebDAV multistatus and OCS envelope parsing (expat, bounded).
#include "connectors/nextcloud/multistatus.hpp"
#include "connectors/nextcloud/ocs_client.hpp"

#include <cstddef>
#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto ms = coopsync::nextcloud::parse_multistatus(text, "fuzz");
  if (ms.ok()) {
    for (const auto& r : ms->responses) {
      (void)r.text(coopsync::nextcloud::kDavNs, "getetag");
      (void)coopsync::nextcloud::percent_decode(r.href);
    }
  }
  coopsync::http::Response resp;
  resp.status = 200;
  resp.body.assign(text);
  (void)coopsync::nextcloud::parse_ocs(resp, "fuzz").ok();
  return 0;
}
