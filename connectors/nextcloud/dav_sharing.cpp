// Sharing a calendar with a group, the way Nextcloud's own clients do it. The capture has no
// sharing exchange, so this follows Nextcloud's server code (apps/dav, AGPL; read, not copied):
// - OCA\DAV\DAV\Sharing\Plugin: advertises "oc-resource-sharing" in the DAV header; a POST
//   with an application/xml or text/xml body whose root is {http://owncloud.org/ns}share on
//   a shareable node (a calendar the caller owns) calls updateShares(set, remove) and answers
//   200 with an empty body and `X-Sabre-Status: everything-went-well`. Its propFind handler
//   serves {http://owncloud.org/ns}invite on every shareable node.
// - Xml\ShareRequest: <o:set><d:href/>[<o:common-name/>][<o:summary/>][<o:read-write/>]</o:set>;
//   without <o:read-write/> the share is read-only.
// - Xml\Invite: <o:user><d:href>principal:…</d:href>[<o:common-name/>]<o:invite-accepted/>
//   <o:access><o:read/>|<o:read-write/></o:access></o:user> per sharee.
// - Sharing\Backend::shareWith: a set replaces an existing share of the same principal, and
//   silently ignores an unknown group or one the sharing settings hide (findByUri returns
//   nothing, still 200) — so the caller re-reads oc:invite to know the share is really there.
// - GroupPrincipalBackend: group principals are "principals/groups/" . urlencode($gid).
// Radicale has none of this (no oc-resource-sharing in its DAV header): sharing is skipped.
#include "connectors/nextcloud/dav_client.hpp"
#include "connectors/nextcloud/xml_tree.hpp"

#include <cctype>

namespace coopsync::nextcloud {
namespace {

constexpr std::string_view kGroupPrefix = "principal:principals/groups/";

bool advertises(std::string_view dav_header, std::string_view feature) {
  std::size_t i = 0;
  while (i <= dav_header.size()) {
    std::size_t comma = dav_header.find(',', i);
    if (comma == std::string_view::npos) comma = dav_header.size();
    std::string_view item = dav_header.substr(i, comma - i);
    while (!item.empty() && std::isspace(static_cast<unsigned char>(item.front()))) item.remove_prefix(1);
    while (!item.empty() && std::isspace(static_cast<unsigned char>(item.back()))) item.remove_suffix(1);
    if (item == feature) return true;
    i = comma + 1;
  }
  return false;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

namespace dav_body {
std::string invite_propfind() {
  return std::string(kProlog) +
         "<d:propfind xmlns:d=\"DAV:\" xmlns:o=\"http://owncloud.org/ns\"><d:prop><o:invite/>"
         "</d:prop></d:propfind>\n";
}
std::string share(const std::string& sharee_href, bool read_write) {
  return std::string(kProlog) +
         "<o:share xmlns:d=\"DAV:\" xmlns:o=\"http://owncloud.org/ns\"><o:set><d:href>" +
         xml_escape(sharee_href) + "</d:href>" + (read_write ? "<o:read-write/>" : "") +
         "</o:set></o:share>\n";
}
}  // namespace dav_body

std::string group_sharee_href(const std::string& gid) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out(kGroupPrefix);
  for (unsigned char c : gid) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.') {
      out.push_back(static_cast<char>(c));
    } else if (c == ' ') {
      out.push_back('+');
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

std::string group_of_sharee(const std::string& sharee_href) {
  if (sharee_href.compare(0, kGroupPrefix.size(), kGroupPrefix) != 0) return "";
  std::string out;
  for (std::size_t i = kGroupPrefix.size(); i < sharee_href.size(); ++i) {
    const char c = sharee_href[i];
    if (c == '+') {
      out.push_back(' ');
    } else if (c == '%' && i + 2 < sharee_href.size() && hex_value(sharee_href[i + 1]) >= 0 &&
               hex_value(sharee_href[i + 2]) >= 0) {
      out.push_back(static_cast<char>(hex_value(sharee_href[i + 1]) * 16 + hex_value(sharee_href[i + 2])));
      i += 2;
    } else {
      out.push_back(c);
    }
  }
  while (!out.empty() && out.back() == '/') out.pop_back();
  return out;
}

Result<CalendarSharing> DavClient::calendar_sharing(const std::string& calendar_href) {
  const std::string what = "PROPFIND oc:invite " + calendar_href;
  auto r = send("PROPFIND", calendar_href, {{"Content-Type", kXmlType}, {"Depth", "0"}},
                dav_body::invite_propfind());
  if (!r) return std::move(r).error();
  if (r->status != 207) {
    if (auto err = http::status_to_error(*r, what)) return *err;
    return make_error(ErrorKind::kInvalidInput, what + ": expected 207, got " + std::to_string(r->status));
  }
  CalendarSharing out;
  out.supported = advertises(r->header("DAV"), "oc-resource-sharing");
  auto ms = parse_multistatus(r->body, what);
  if (!ms) return std::move(ms).error();
  for (const auto& resp : ms->responses) {
    const XmlNode* invite = resp.prop(kOwncloudNs, "invite");
    if (invite == nullptr) continue;
    for (const XmlNode* user : invite->all(kOwncloudNs, "user")) {
      const XmlNode* href = user->child(kDavNs, "href");
      if (href == nullptr) continue;
      CalendarSharee sh;
      sh.href = href->text;
      const XmlNode* access = user->child(kOwncloudNs, "access");
      sh.read_write = access != nullptr && access->child(kOwncloudNs, "read-write") != nullptr;
      out.sharees.push_back(std::move(sh));
    }
  }
  return out;
}

Status DavClient::share_calendar(const std::string& calendar_href, const std::string& sharee_href,
                                 bool read_write) {
  const std::string what = "POST oc:share " + calendar_href;
  auto r = send("POST", calendar_href, {{"Content-Type", kXmlType}},
                dav_body::share(sharee_href, read_write));
  if (!r) return std::move(r).error();
  if (r->status >= 200 && r->status < 300) return ok_status();
  if (r->status == 403 || r->status == 501) {
    // 403: Sabre's ACL refused {DAV:}write on this calendar (not the credentials: they just
    // worked for the PROPFIND); 501: no plugin took the POST. Neither heals by retrying.
    return make_error(ErrorKind::kPermanent,
                      what + (r->status == 403 ? ": not allowed to share this calendar"
                                               : ": the server does not handle calendar sharing"),
                      r->status);
  }
  if (auto err = http::status_to_error(*r, what)) return *err;
  return make_error(ErrorKind::kInvalidInput, what + ": unexpected HTTP " + std::to_string(r->status));
}

}  // namespace coopsync::nextcloud
