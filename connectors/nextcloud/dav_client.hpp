#pragma once
// WebDAV (RFC 4918) and CalDAV (RFC 4791, RFC 6578) requests, with the request bodies the
// capture shows (../shared/fixtures/nextcloud 50-74), over one Session. Works against
// Nextcloud (/remote.php/dav/...) and Radicale (/<user>/...): every path comes from
// discovery or from hrefs the server sent, resolved against the server's origin.
#include "connectors/nextcloud/multistatus.hpp"
#include "connectors/nextcloud/session.hpp"
#include "core/result.hpp"

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace coopsync::nextcloud {

// Every DAV request body is XML sent with this type and prolog.
inline constexpr const char* kXmlType = "application/xml; charset=utf-8";
inline constexpr const char* kProlog = "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n";

struct CalendarInfo {
  std::string href;         // absolute path, percent-encoded, with a trailing slash
  std::string name;         // last path segment, decoded ("coop-events")
  std::string displayname;
  std::string sync_token;
};

struct SyncChanges {
  std::vector<std::pair<std::string, std::string>> changed;  // href, etag (unquoted)
  std::vector<std::string> deleted;                          // hrefs
  std::string token;
  bool token_rejected = false;  // 403 valid-sync-token: resync from scratch
  int pages = 0;                // answers read: > 1 when the server truncated (507)
  bool truncated = false;       // this page ended with a 507 on the request-URI
};

// One entry of a calendar's oc:invite property (Nextcloud's sharing plugin).
struct CalendarSharee {
  std::string href;        // as the server sent it: "principal:principals/groups/lyon"
  bool read_write = false; // <oc:access><oc:read-write/> (else <oc:read/>)
};

struct CalendarSharing {
  bool supported = false;  // the DAV header advertises oc-resource-sharing
  std::vector<CalendarSharee> sharees;
};

struct CalObject {
  std::string href;
  std::string etag;  // unquoted
  std::string data;
};

struct PutAnswer {
  std::string etag;        // unquoted; "" when the server sent none
  bool uid_taken = false;  // refused: another object of the calendar has this UID
  int status = 0;          // the HTTP status of the answer
};

// Request bodies, byte for byte what the capture sent.
namespace dav_body {
std::string files_propfind();
std::string current_user_principal();
std::string calendar_home_set();
std::string calendar_list();
std::string mkcalendar(const std::string& displayname, const std::string& color);
std::string sync_collection(const std::string& token);
std::string multiget(const std::vector<std::string>& hrefs);
// calendar-query for VEVENTs matching `vevent_filter` (raw XML inside the VEVENT
// comp-filter, e.g. a time-range as in 72), asking for getetag and calendar-data.
std::string calendar_query(const std::string& vevent_filter);
// The filter of the VEVENTs whose UID contains `uid` (text-match is a substring match,
// RFC 4791 §9.7.5), compared octet by octet.
std::string uid_filter(const std::string& uid);
std::string invite_propfind();
std::string share(const std::string& sharee_href, bool read_write);
}  // namespace dav_body

// The UID of the first VEVENT of an iCalendar text (lines unfolded), "" when there is none.
std::string ics_uid(std::string_view ics);

// "principal:principals/groups/<gid>", the gid encoded as Nextcloud's GroupPrincipalBackend
// does (PHP urlencode: space -> '+', all but [A-Za-z0-9_.-] as %XX).
std::string group_sharee_href(const std::string& gid);
// The group id a sharee href names, "" when it names no group (decodes %XX and '+').
std::string group_of_sharee(const std::string& sharee_href);

class DavClient {
 public:
  // `root_url`: where DAV starts ("https://cloud/remote.php/dav/" or "http://127.0.0.1:5232/").
  DavClient(Session* session, std::string root_url);

  const std::string& origin() const { return origin_; }
  // "/remote.php/dav/x" or "https://host/x" -> full URL.
  std::string url(const std::string& path_or_url) const;

  Result<http::Response> send(const std::string& method, const std::string& path,
                              http::Headers headers = {}, std::string body = {});
  Result<Multistatus> propfind(const std::string& path, int depth, const std::string& body);

  // WebDAV files: true when created, false when it already existed (405).
  Result<bool> mkcol(const std::string& path);

  // CalDAV
  Result<std::string> calendar_home();  // discovered once, then cached
  Result<std::vector<CalendarInfo>> list_calendars();
  Result<bool> mkcalendar(const std::string& href, const std::string& displayname,
                          const std::string& color);
  // if_match "" and create_only: If-None-Match: * (412 = exists -> kConflict). Returns the
  // new ETag (unquoted), "" when the server sent none.
  Result<std::string> put(const std::string& href, const std::string& ics,
                          const std::string& if_match, bool create_only);
  // As put(), but a refusal because another object of the calendar already has the UID is
  // an answer (uid_taken), not an error: Nextcloud's 400 "Calendar object with uid already
  // exists" (61), or RFC 4791 §5.3.2.1's <C:no-uid-conflict/> precondition (Radicale: 409).
  Result<PutAnswer> put_object(const std::string& href, const std::string& ics,
                               const std::string& if_match, bool create_only);
  // The objects of the calendar whose VEVENT UID is exactly `uid` (a calendar-query REPORT
  // filtered on the UID; the server's substring matches are checked here).
  Result<std::vector<CalObject>> find_by_uid(const std::string& calendar_href,
                                             const std::string& uid);
  Result<CalObject> get(const std::string& href);
  Status remove(const std::string& href, const std::string& if_match);
  // RFC 6578 sync-collection. A truncated answer (§3.6: the request-URI with status 507) is
  // followed with the token it carried until the server reports everything; the pages are
  // merged (a later page wins for an href that appears twice).
  Result<SyncChanges> sync(const std::string& calendar_href, const std::string& token);
  // One sync-collection request; `truncated` set when the server cut the answer short.
  Result<SyncChanges> sync_page(const std::string& calendar_href, const std::string& token);
  Result<std::vector<CalObject>> multiget(const std::string& calendar_href,
                                          const std::vector<std::string>& hrefs);
  // Nextcloud calendar sharing (dav_sharing.cpp): PROPFIND Depth 0 of oc:invite, and the
  // POST of an oc:share document that adds or replaces one sharee.
  Result<CalendarSharing> calendar_sharing(const std::string& calendar_href);
  Status share_calendar(const std::string& calendar_href, const std::string& sharee_href,
                        bool read_write);

 private:
  // A REPORT on a calendar answered with getetag and calendar-data: its live objects.
  Result<std::vector<CalObject>> calendar_report(const std::string& calendar_href,
                                                 const std::string& report, std::string body);

  Session* session_;
  std::string root_url_;
  std::string root_path_;
  std::string origin_;
  std::string home_;
};

}  // namespace coopsync::nextcloud
