#include "connectors/nextcloud/dav_client.hpp"

#include "connectors/nextcloud/xml_tree.hpp"

#include <map>
#include <set>

namespace coopsync::nextcloud {
namespace {

// 61: Nextcloud refuses a second object with a UID the calendar holds under another name
// with 400 "Calendar object with uid already exists in this calendar collection."; RFC 4791
// §5.3.2.1 names the precondition <C:no-uid-conflict/> (403 or 409; Radicale sends 409).
bool uid_conflict(const http::Response& r) {
  if (r.status == 400) return r.body.find("uid already exists") != std::string::npos;
  return (r.status == 403 || r.status == 409) && r.body.find("no-uid-conflict") != std::string::npos;
}

std::optional<Error> dav_error(const http::Response& r, const std::string& what) {
  if (uid_conflict(r)) {
    return make_error(ErrorKind::kConflict, what + ": an event with this UID already exists "
                                                   "under another name", r.status);
  }
  return http::status_to_error(r, what);
}

std::string quoted(const std::string& etag) { return "\"" + etag + "\""; }

}  // namespace

namespace dav_body {
std::string files_propfind() {
  return std::string(kProlog) +
         "<d:propfind xmlns:d=\"DAV:\" xmlns:oc=\"http://owncloud.org/ns\" "
         "xmlns:nc=\"http://nextcloud.org/ns\">\n"
         "  <d:prop><d:resourcetype/><d:getetag/><d:getlastmodified/><d:getcontentlength/>"
         "<d:getcontenttype/><oc:fileid/><oc:permissions/><oc:size/><oc:share-types/>"
         "<nc:sharees/></d:prop>\n</d:propfind>\n";
}
std::string current_user_principal() {
  return std::string(kProlog) +
         "<d:propfind xmlns:d=\"DAV:\"><d:prop><d:current-user-principal/></d:prop></d:propfind>\n";
}
std::string calendar_home_set() {
  return std::string(kProlog) +
         "<d:propfind xmlns:d=\"DAV:\" xmlns:c=\"urn:ietf:params:xml:ns:caldav\"><d:prop>"
         "<c:calendar-home-set/><d:displayname/><c:calendar-user-address-set/></d:prop>"
         "</d:propfind>\n";
}
std::string calendar_list() {
  return std::string(kProlog) +
         "<d:propfind xmlns:d=\"DAV:\" xmlns:c=\"urn:ietf:params:xml:ns:caldav\" "
         "xmlns:cs=\"http://calendarserver.org/ns/\" xmlns:x1=\"http://apple.com/ns/ical/\">"
         "<d:prop><d:resourcetype/><d:displayname/><cs:getctag/><d:sync-token/>"
         "<c:supported-calendar-component-set/><x1:calendar-color/></d:prop></d:propfind>\n";
}
std::string mkcalendar(const std::string& displayname, const std::string& color) {
  return std::string(kProlog) +
         "<c:mkcalendar xmlns:d=\"DAV:\" xmlns:c=\"urn:ietf:params:xml:ns:caldav\" "
         "xmlns:x1=\"http://apple.com/ns/ical/\"><d:set><d:prop><d:displayname>" +
         xml_escape(displayname) +
         "</d:displayname><c:supported-calendar-component-set><c:comp name=\"VEVENT\"/>"
         "</c:supported-calendar-component-set><x1:calendar-color>" +
         xml_escape(color) + "</x1:calendar-color></d:prop></d:set></c:mkcalendar>\n";
}
std::string sync_collection(const std::string& token) {
  return std::string(kProlog) + "<d:sync-collection xmlns:d=\"DAV:\">\n" +
         (token.empty() ? "  <d:sync-token/>\n"
                        : "  <d:sync-token>" + xml_escape(token) + "</d:sync-token>\n") +
         "  <d:sync-level>1</d:sync-level>\n  <d:prop><d:getetag/></d:prop>\n"
         "</d:sync-collection>\n";
}
std::string multiget(const std::vector<std::string>& hrefs) {
  std::string out = std::string(kProlog) +
                    "<c:calendar-multiget xmlns:d=\"DAV:\" xmlns:c=\"urn:ietf:params:xml:ns:caldav\">"
                    "<d:prop><d:getetag/><c:calendar-data/></d:prop>";
  for (const auto& h : hrefs) out += "<d:href>" + xml_escape(h) + "</d:href>";
  return out + "</c:calendar-multiget>\n";
}
std::string calendar_query(const std::string& vevent_filter) {
  return std::string(kProlog) +
         "<c:calendar-query xmlns:d=\"DAV:\" xmlns:c=\"urn:ietf:params:xml:ns:caldav\">"
         "<d:prop><d:getetag/><c:calendar-data/></d:prop><c:filter>"
         "<c:comp-filter name=\"VCALENDAR\"><c:comp-filter name=\"VEVENT\">" +
         vevent_filter + "</c:comp-filter></c:comp-filter></c:filter></c:calendar-query>\n";
}
std::string uid_filter(const std::string& uid) {
  return "<c:prop-filter name=\"UID\"><c:text-match collation=\"i;octet\">" + xml_escape(uid) +
         "</c:text-match></c:prop-filter>";
}
}  // namespace dav_body

std::string ics_uid(std::string_view ics) {
  // Unfold (RFC 5545 §3.1: CRLF or LF followed by one space or tab), then read the first
  // UID property inside the first VEVENT; parameters ("UID;X-A=b:value") are skipped.
  std::string text;
  text.reserve(ics.size());
  for (std::size_t i = 0; i < ics.size(); ++i) {
    std::size_t eol = 0;  // length of the line break at i
    if (ics[i] == '\n') eol = 1;
    if (ics[i] == '\r' && i + 1 < ics.size() && ics[i + 1] == '\n') eol = 2;
    if (eol != 0 && i + eol < ics.size() && (ics[i + eol] == ' ' || ics[i + eol] == '\t')) {
      i += eol;  // the fold and the one whitespace after it go
      continue;
    }
    if (eol == 2) continue;  // CRLF -> LF
    text.push_back(ics[i]);
  }
  bool in_event = false;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    std::string_view line(text.data() + start, end - start);
    start = end + 1;
    if (line == "BEGIN:VEVENT") {
      in_event = true;
    } else if (line == "END:VEVENT") {
      return "";
    } else if (in_event && line.size() > 4 && line.compare(0, 3, "UID") == 0 &&
               (line[3] == ':' || line[3] == ';')) {
      const auto colon = line.find(':');  // a parameter value may not hold a bare ':' unquoted
      return colon == std::string_view::npos ? "" : std::string(line.substr(colon + 1));
    }
  }
  return "";
}

DavClient::DavClient(Session* session, std::string root_url)
    : session_(session), root_url_(std::move(root_url)) {
  const auto scheme = root_url_.find("://");
  const auto slash = root_url_.find('/', scheme == std::string::npos ? 0 : scheme + 3);
  origin_ = slash == std::string::npos ? root_url_ : root_url_.substr(0, slash);
  root_path_ = slash == std::string::npos ? "/" : root_url_.substr(slash);
  if (root_path_.back() != '/') root_path_.push_back('/');
}

std::string DavClient::url(const std::string& path_or_url) const {
  if (path_or_url.find("://") != std::string::npos) return path_or_url;
  return origin_ + path_or_url;
}

Result<http::Response> DavClient::send(const std::string& method, const std::string& path,
                                       http::Headers headers, std::string body) {
  http::Request req;
  req.method = method;
  req.url = url(path);
  req.headers = std::move(headers);
  req.body = std::move(body);
  return session_->send(std::move(req));
}

Result<Multistatus> DavClient::propfind(const std::string& path, int depth, const std::string& body) {
  const std::string what = "PROPFIND " + path;
  auto r = send("PROPFIND", path, {{"Content-Type", kXmlType}, {"Depth", std::to_string(depth)}},
                body);
  if (!r) return std::move(r).error();
  if (r->status != 207) {
    if (auto err = dav_error(*r, what)) return *err;
    return make_error(ErrorKind::kInvalidInput, what + ": expected 207, got " + std::to_string(r->status));
  }
  return parse_multistatus(r->body, what);
}

Result<bool> DavClient::mkcol(const std::string& path) {
  auto r = send("MKCOL", path);
  if (!r) return std::move(r).error();
  if (r->status == 201) return true;
  if (r->status == 405) return false;  // 43: already there
  if (auto err = dav_error(*r, "MKCOL " + path)) return *err;
  return make_error(ErrorKind::kInvalidInput, "MKCOL " + path + ": unexpected HTTP " +
                                                  std::to_string(r->status));
}

Result<std::string> DavClient::calendar_home() {
  if (!home_.empty()) return home_;
  auto root = propfind(root_path_, 0, dav_body::current_user_principal());
  if (!root) return std::move(root).error();
  std::string principal;
  for (const auto& resp : root->responses) {
    if (const XmlNode* p = resp.prop(kDavNs, "current-user-principal")) {
      if (const XmlNode* h = p->child(kDavNs, "href")) principal = h->text;
    }
  }
  if (principal.empty()) {
    return make_error(ErrorKind::kInvalidInput, "PROPFIND " + root_path_ + ": no current-user-principal");
  }
  auto pr = propfind(principal, 0, dav_body::calendar_home_set());
  if (!pr) return std::move(pr).error();
  for (const auto& resp : pr->responses) {
    if (const XmlNode* p = resp.prop(kCalDavNs, "calendar-home-set")) {
      if (const XmlNode* h = p->child(kDavNs, "href")) home_ = h->text;
    }
  }
  if (home_.empty()) {
    return make_error(ErrorKind::kInvalidInput, "PROPFIND " + principal + ": no calendar-home-set");
  }
  if (home_.back() != '/') home_.push_back('/');
  return home_;
}

Result<std::vector<CalendarInfo>> DavClient::list_calendars() {
  auto home = calendar_home();
  if (!home) return std::move(home).error();
  auto ms = propfind(*home, 1, dav_body::calendar_list());
  if (!ms) return std::move(ms).error();
  std::vector<CalendarInfo> out;
  for (const auto& resp : ms->responses) {
    const XmlNode* rt = resp.prop(kDavNs, "resourcetype");
    if (rt == nullptr || rt->child(kCalDavNs, "calendar") == nullptr) continue;
    CalendarInfo c;
    c.href = resp.href;
    if (c.href.back() != '/') c.href.push_back('/');
    std::string decoded = percent_decode(c.href.substr(0, c.href.size() - 1));
    c.name = decoded.substr(decoded.rfind('/') + 1);
    c.displayname = resp.text(kDavNs, "displayname");
    c.sync_token = resp.text(kDavNs, "sync-token");
    out.push_back(std::move(c));
  }
  return out;
}

Result<bool> DavClient::mkcalendar(const std::string& href, const std::string& displayname,
                                   const std::string& color) {
  auto r = send("MKCALENDAR", href, {{"Content-Type", kXmlType}},
                dav_body::mkcalendar(displayname, color));
  if (!r) return std::move(r).error();
  if (r->status == 201) return true;
  if (r->status == 405 || r->status == 409) {
    // 57: Nextcloud says 405 when it exists; Radicale 409 <resource-must-be-null/>.
    if (r->status == 405 || r->body.find("resource-must-be-null") != std::string::npos) return false;
  }
  if (auto err = dav_error(*r, "MKCALENDAR " + href)) return *err;
  return make_error(ErrorKind::kInvalidInput, "MKCALENDAR " + href + ": unexpected HTTP " +
                                                  std::to_string(r->status));
}

Result<std::string> DavClient::put(const std::string& href, const std::string& ics,
                                   const std::string& if_match, bool create_only) {
  auto answer = put_object(href, ics, if_match, create_only);
  if (!answer) return std::move(answer).error();
  if (answer->uid_taken) {
    return make_error(ErrorKind::kConflict, "PUT " + href + ": an event with this UID already "
                                                          "exists under another name",
                      answer->status);
  }
  return std::move(answer->etag);
}

Result<PutAnswer> DavClient::put_object(const std::string& href, const std::string& ics,
                                        const std::string& if_match, bool create_only) {
  http::Headers h{{"Content-Type", "text/calendar; charset=utf-8"}};
  if (!if_match.empty()) h.emplace_back("If-Match", quoted(if_match));
  else if (create_only) h.emplace_back("If-None-Match", "*");
  const std::string what = "PUT " + href;
  auto r = send("PUT", href, std::move(h), ics);
  if (!r) return std::move(r).error();
  if (r->status == 412) {
    return make_error(ErrorKind::kConflict,
                      what + (create_only ? ": already exists (If-None-Match)"
                                          : ": changed since read (If-Match " + quoted(if_match) + ")"),
                      412);
  }
  if (uid_conflict(*r)) return PutAnswer{"", true, r->status};
  if (r->status < 200 || r->status >= 300) {
    if (auto err = dav_error(*r, what)) return *err;
  }
  return PutAnswer{unquote_etag(r->header("ETag")), false, r->status};
}

Result<CalObject> DavClient::get(const std::string& href) {
  auto r = send("GET", href);
  if (!r) return std::move(r).error();
  if (auto err = dav_error(*r, "GET " + href)) return *err;
  return CalObject{href, unquote_etag(r->header("ETag")), std::move(r->body)};
}

Status DavClient::remove(const std::string& href, const std::string& if_match) {
  http::Headers h;
  if (!if_match.empty()) h.emplace_back("If-Match", quoted(if_match));
  auto r = send("DELETE", href, std::move(h));
  if (!r) return std::move(r).error();
  if (r->status == 412) {
    return make_error(ErrorKind::kConflict, "DELETE " + href + ": changed since read", 412);
  }
  if (auto err = dav_error(*r, "DELETE " + href)) return *err;
  return ok_status();
}

Result<SyncChanges> DavClient::sync(const std::string& calendar_href, const std::string& token) {
  // Bounded: a server that keeps answering 507 without moving its token, or more pages than
  // any real calendar needs, is an error rather than a loop.
  constexpr int kMaxPages = 10000;
  SyncChanges out;
  std::map<std::string, std::size_t> changed_at;  // href -> index in out.changed
  std::set<std::string> deleted;
  std::string since = token;
  for (;;) {
    auto page = sync_page(calendar_href, since);
    if (!page) return page;
    if (page->token_rejected) return page;
    ++out.pages;
    for (auto& [href, etag] : page->changed) {
      deleted.erase(href);
      auto at = changed_at.find(href);
      if (at != changed_at.end()) {
        out.changed[at->second].second = etag;
      } else {
        changed_at.emplace(href, out.changed.size());
        out.changed.emplace_back(href, etag);
      }
    }
    for (auto& href : page->deleted) {
      if (auto at = changed_at.find(href); at != changed_at.end()) {
        out.changed[at->second].first.clear();  // dropped below
        changed_at.erase(at);
      }
      deleted.insert(href);
    }
    out.token = page->token;
    if (!page->truncated) break;
    if (page->token == since || out.pages >= kMaxPages) {
      return make_error(ErrorKind::kInvalidInput,
                        "REPORT sync-collection " + calendar_href + ": truncated answer (507) " +
                            (page->token == since ? "without a new sync-token"
                                                  : "after " + std::to_string(kMaxPages) + " pages"));
    }
    since = page->token;
  }
  std::erase_if(out.changed, [](const auto& c) { return c.first.empty(); });
  out.deleted.assign(deleted.begin(), deleted.end());
  return out;
}

Result<SyncChanges> DavClient::sync_page(const std::string& calendar_href, const std::string& token) {
  const std::string what = "REPORT sync-collection " + calendar_href;
  auto r = send("REPORT", calendar_href, {{"Content-Type", kXmlType}, {"Depth", "1"}},
                dav_body::sync_collection(token));
  if (!r) return std::move(r).error();
  SyncChanges out;
  if ((r->status == 403 || r->status == 409) &&
      r->body.find("valid-sync-token") != std::string::npos) {
    out.token_rejected = true;
    return out;
  }
  if (r->status != 207) {
    if (auto err = dav_error(*r, what)) return *err;
    return make_error(ErrorKind::kInvalidInput, what + ": expected 207, got " + std::to_string(r->status));
  }
  auto ms = parse_multistatus(r->body, what);
  if (!ms) return std::move(ms).error();
  out.token = ms->sync_token;
  for (const auto& resp : ms->responses) {
    if (resp.href == calendar_href || resp.href + "/" == calendar_href ||
        percent_decode(resp.href) == percent_decode(calendar_href)) {
      // RFC 6578 §3.6: the request-URI with 507 Insufficient Storage = "more to come".
      if (resp.status == 507) out.truncated = true;
      continue;
    }
    if (resp.gone()) {
      out.deleted.push_back(resp.href);
    } else {
      out.changed.emplace_back(resp.href, unquote_etag(resp.text(kDavNs, "getetag")));
    }
  }
  if (out.token.empty()) {
    return make_error(ErrorKind::kInvalidInput, what + ": answer without a sync-token");
  }
  return out;
}

Result<std::vector<CalObject>> DavClient::multiget(const std::string& calendar_href,
                                                   const std::vector<std::string>& hrefs) {
  return calendar_report(calendar_href, "calendar-multiget", dav_body::multiget(hrefs));
}

Result<std::vector<CalObject>> DavClient::find_by_uid(const std::string& calendar_href,
                                                      const std::string& uid) {
  auto found = calendar_report(calendar_href, "calendar-query",
                               dav_body::calendar_query(dav_body::uid_filter(uid)));
  if (found) std::erase_if(*found, [&](const CalObject& o) { return ics_uid(o.data) != uid; });
  return found;
}

Result<std::vector<CalObject>> DavClient::calendar_report(const std::string& calendar_href,
                                                          const std::string& report,
                                                          std::string body) {
  const std::string what = "REPORT " + report + " " + calendar_href;
  auto r = send("REPORT", calendar_href, {{"Content-Type", kXmlType}, {"Depth", "1"}},
                std::move(body));
  if (!r) return std::move(r).error();
  if (r->status != 207) {
    if (auto err = dav_error(*r, what)) return *err;
    return make_error(ErrorKind::kInvalidInput, what + ": expected 207, got " + std::to_string(r->status));
  }
  auto ms = parse_multistatus(r->body, what);
  if (!ms) return std::move(ms).error();
  std::vector<CalObject> out;
  for (const auto& resp : ms->responses) {
    const XmlNode* data = resp.prop(kCalDavNs, "calendar-data");
    if (resp.gone() || data == nullptr) continue;  // 73: a deleted href is left out
    out.push_back(CalObject{resp.href, unquote_etag(resp.text(kDavNs, "getetag")), data->text});
  }
  return out;
}

}  // namespace coopsync::nextcloud
