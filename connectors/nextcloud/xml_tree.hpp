#pragma once
// A small, bounded, namespace-aware XML tree over expat, for WebDAV/CalDAV multistatus and
// OCS XML envelopes. Elements are matched on (namespace URI, local name), never on prefixes:
// Radicale answers with a default namespace (<multistatus xmlns="DAV:">), Nextcloud with
// `d:` prefixes. Hostile input (too deep, too many nodes, too big, not XML) is a typed
// error, never a crash or an unbounded allocation.
#include "core/result.hpp"

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace coopsync::nextcloud {

inline constexpr const char* kDavNs = "DAV:";
inline constexpr const char* kCalDavNs = "urn:ietf:params:xml:ns:caldav";
inline constexpr const char* kCalServerNs = "http://calendarserver.org/ns/";
inline constexpr const char* kOwncloudNs = "http://owncloud.org/ns";
inline constexpr const char* kNextcloudNs = "http://nextcloud.org/ns";

struct XmlNode {
  std::string ns;    // namespace URI, "" when none
  std::string name;  // local name
  std::string text;  // character data directly inside this element (concatenated)
  std::vector<std::pair<std::string, std::string>> attributes;  // local name -> value
  std::vector<XmlNode> children;

  bool is(std::string_view n, std::string_view local) const { return ns == n && name == local; }
  const XmlNode* child(std::string_view n, std::string_view local) const;
  std::vector<const XmlNode*> all(std::string_view n, std::string_view local) const;
  std::string attribute(std::string_view local) const;
};

struct XmlLimits {
  std::size_t max_bytes = 32u << 20;
  std::size_t max_depth = 64;
  std::size_t max_nodes = 1u << 18;  // ~40 MB of nodes at worst; a 5,000-event sync uses ~40k
};

// `what` names the document in errors ("PROPFIND /remote.php/dav/files/admin/").
Result<XmlNode> parse_xml(std::string_view document, const std::string& what,
                          const XmlLimits& limits = {});

// Escapes text for element content and attribute values.
std::string xml_escape(std::string_view text);

}  // namespace coopsync::nextcloud
