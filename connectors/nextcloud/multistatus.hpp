#pragma once
// WebDAV multistatus (RFC 4918 §14.16) and RFC 6578 sync-collection answers, as Nextcloud
// (Sabre, `d:` prefixes, deleted members with <d:status> *before* <d:href> plus a 418
// propstat) and Radicale (default namespace, bare 404 status) write them. Element order is
// never relied upon.
#include "connectors/nextcloud/xml_tree.hpp"
#include "core/result.hpp"

#include <optional>
#include <string>
#include <vector>

namespace coopsync::nextcloud {

struct DavPropstat {
  int status = 0;               // from "HTTP/1.1 200 OK"; 0 when absent or unreadable
  std::vector<XmlNode> props;   // the children of <d:prop>
};

struct DavResponse {
  std::string href;             // percent-encoded, as sent by the server
  int status = 0;               // response-level <d:status> (deleted members: 404), else 0
  std::vector<DavPropstat> propstats;

  // The property with a 2xx propstat, or nullptr.
  const XmlNode* prop(std::string_view ns, std::string_view name) const;
  std::string text(std::string_view ns, std::string_view name) const;  // "" when absent
  bool gone() const { return status == 404 || status == 410; }
};

struct Multistatus {
  std::vector<DavResponse> responses;
  std::string sync_token;       // RFC 6578 top-level <d:sync-token>, "" when absent
};

// "HTTP/1.1 404 Not Found" -> 404; 0 when unreadable.
int parse_status_line(std::string_view line);

Result<Multistatus> parse_multistatus(std::string_view body, const std::string& what);

// `"abc"` -> `abc` (also W/"abc"); ETags travel unquoted inside coopsync, quoted on the wire.
std::string unquote_etag(std::string_view etag);

// Percent-decoding of an href path ("/a/Coop%20Shared/" -> "/a/Coop Shared/").
std::string percent_decode(std::string_view text);

}  // namespace coopsync::nextcloud
