// Nextcloud calendar sharing, which the capture does not contain: the request bodies and
// the oc:invite answers follow Nextcloud's server code (apps/dav DAV\Sharing: Plugin,
// Xml\ShareRequest, Xml\Invite, GroupPrincipalBackend; see connectors/nextcloud/dav_sharing.cpp).
#include "connectors/nextcloud/dav_client.hpp"
#include "tests/support/fake_http.hpp"
#include "tests/support/result_text.hpp"

#include <doctest/doctest.h>

using coopsync::testing::error_text;

using namespace coopsync;
using namespace coopsync::nextcloud;

namespace {

const char* kNcDav =
    "1, 3, extended-mkcol, access-control, calendarserver-principal-property-search, "
    "calendar-access, calendar-proxy, calendar-auto-schedule, calendar-availability, "
    "nc-calendar-trashbin, nc-calendar-webcal-cache, calendarserver-subscribed, "
    "oc-resource-sharing, oc-calendar-publishing, calendarserver-sharing, "
    "nextcloud-checksum-update, nc-calendar-search, nc-enable-birthday-calendar";

std::string request_header(const http::Request& r, std::string_view name) {
  http::Response tmp;
  tmp.headers = r.headers;
  return tmp.header(name);
}

}  // namespace

TEST_CASE("calendar share: the POST body is Nextcloud's oc:share document") {
  CHECK(dav_body::share("principal:principals/groups/lyon", true) ==
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
        "<o:share xmlns:d=\"DAV:\" xmlns:o=\"http://owncloud.org/ns\"><o:set>"
        "<d:href>principal:principals/groups/lyon</d:href><o:read-write/></o:set></o:share>\n");
  // Read-only is the absence of <o:read-write/> (ShareRequest: readOnly = !read-write).
  CHECK(dav_body::share("principal:principals/groups/lyon", false) ==
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
        "<o:share xmlns:d=\"DAV:\" xmlns:o=\"http://owncloud.org/ns\"><o:set>"
        "<d:href>principal:principals/groups/lyon</d:href></o:set></o:share>\n");
  // Escaped as XML text.
  CHECK(dav_body::share("principal:principals/groups/a&b", true).find("groups/a&amp;b</d:href>") !=
        std::string::npos);

  testing::FakeHttpClient http([](const http::Request&) -> Result<http::Response> {
    return testing::respond(200, "", {{"X-Sabre-Status", "everything-went-well"}});
  });
  Session session(&http, "admin", "x", "test");
  DavClient dav(&session, "http://127.0.0.1:8080/remote.php/dav/");
  REQUIRE(dav.share_calendar("/remote.php/dav/calendars/admin/group-lyon/", group_sharee_href("lyon"), true));
  REQUIRE(http.requests().size() == 1);
  const auto& req = http.requests()[0];
  CHECK(req.method == "POST");
  CHECK(req.url == "http://127.0.0.1:8080/remote.php/dav/calendars/admin/group-lyon/");
  // The sharing plugin only looks at application/xml or text/xml bodies.
  CHECK(request_header(req, "Content-Type").find("application/xml") == 0);
  CHECK(req.body == dav_body::share("principal:principals/groups/lyon", true));
}

TEST_CASE("calendar share: a refused POST is a typed error") {
  int status = 403;
  testing::FakeHttpClient http([&](const http::Request&) -> Result<http::Response> {
    return testing::respond(status, "<?xml version=\"1.0\"?><d:error xmlns:d=\"DAV:\"/>",
                            {{"Content-Type", "application/xml; charset=utf-8"}});
  });
  Session session(&http, "admin", "x", "test");
  DavClient dav(&session, "http://127.0.0.1:8080/remote.php/dav/");
  auto forbidden = dav.share_calendar("/c/", group_sharee_href("lyon"), true);
  REQUIRE_FALSE(forbidden);
  CHECK(forbidden.error().http_status == 403);
  CHECK(forbidden.error().kind == ErrorKind::kPermanent);  // not bad credentials
  status = 501;  // Sabre's answer when no plugin handles the POST
  auto unhandled = dav.share_calendar("/c/", group_sharee_href("lyon"), true);
  REQUIRE_FALSE(unhandled);
  CHECK(unhandled.error().http_status == 501);
  CHECK(unhandled.error().kind == ErrorKind::kPermanent);  // retrying will not help
  status = 503;
  auto busy = dav.share_calendar("/c/", group_sharee_href("lyon"), true);
  REQUIRE_FALSE(busy);
  CHECK(busy.error().kind == ErrorKind::kTransient);
}

TEST_CASE("calendar share: group principals are PHP-urlencoded, and decoded back") {
  CHECK(group_sharee_href("lyon") == "principal:principals/groups/lyon");
  CHECK(group_sharee_href("Lyon team") == "principal:principals/groups/Lyon+team");
  CHECK(group_sharee_href("a/b&c") == "principal:principals/groups/a%2Fb%26c");
  CHECK(group_sharee_href("Rh\xc3\xb4ne_1.x-y") == "principal:principals/groups/Rh%C3%B4ne_1.x-y");
  for (const char* gid : {"lyon", "Lyon team", "a/b&c", "Rh\xc3\xb4ne_1.x-y", "100%"}) {
    CAPTURE(gid);
    CHECK(group_of_sharee(group_sharee_href(gid)) == gid);
  }
  CHECK(group_of_sharee("principal:principals/users/lyon").empty());
  CHECK(group_of_sharee("mailto:lyon@example.org").empty());
  CHECK(group_of_sharee("principal:principals/groups/bad%zz") == "bad%zz");  // kept, not a crash
  CHECK(group_of_sharee("principal:principals/groups/cut%4") == "cut%4");
}

TEST_CASE("calendar share: oc:invite as Nextcloud writes it, and servers without sharing") {
  std::string body;
  std::string dav_header = kNcDav;
  testing::FakeHttpClient http([&](const http::Request&) -> Result<http::Response> {
    return testing::respond(207, body, {{"Content-Type", "application/xml; charset=utf-8"}, {"DAV", dav_header}});
  });
  Session session(&http, "admin", "x", "test");
  DavClient dav(&session, "http://127.0.0.1:8080/remote.php/dav/");
  const std::string href = "/remote.php/dav/calendars/admin/group-lyon/";

  body = "<?xml version=\"1.0\"?>\n<d:multistatus xmlns:d=\"DAV:\" xmlns:s=\"http://sabredav.org/ns\" "
         "xmlns:cal=\"urn:ietf:params:xml:ns:caldav\" xmlns:cs=\"http://calendarserver.org/ns/\" "
         "xmlns:oc=\"http://owncloud.org/ns\" xmlns:nc=\"http://nextcloud.org/ns\"><d:response>"
         "<d:href>/remote.php/dav/calendars/admin/group-lyon/</d:href><d:propstat><d:prop><oc:invite>"
         "<oc:user><d:href>principal:principals/groups/lyon</d:href><oc:common-name>Lyon</oc:common-name>"
         "<oc:invite-accepted/><oc:access><oc:read-write/></oc:access></oc:user>"
         "<oc:user><d:href>principal:principals/users/bob</d:href><oc:invite-accepted/>"
         "<oc:access><oc:read/></oc:access></oc:user></oc:invite></d:prop>"
         "<d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response></d:multistatus>\n";
  auto sharing = dav.calendar_sharing(href);
  REQUIRE_MESSAGE(sharing.ok(), error_text(sharing));
  CHECK(sharing->supported);
  REQUIRE(sharing->sharees.size() == 2);
  CHECK(sharing->sharees[0].href == "principal:principals/groups/lyon");
  CHECK(sharing->sharees[0].read_write);
  CHECK(sharing->sharees[1].href == "principal:principals/users/bob");
  CHECK_FALSE(sharing->sharees[1].read_write);
  const auto& req = http.requests().back();
  CHECK(req.method == "PROPFIND");
  CHECK(request_header(req, "Depth") == "0");
  CHECK(req.body == dav_body::invite_propfind());

  // No shares yet: an empty <oc:invite/>.
  body = "<?xml version=\"1.0\"?>\n<d:multistatus xmlns:d=\"DAV:\" xmlns:oc=\"http://owncloud.org/ns\">"
         "<d:response><d:href>" + href + "</d:href><d:propstat><d:prop><oc:invite/></d:prop>"
         "<d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response></d:multistatus>\n";
  sharing = dav.calendar_sharing(href);
  REQUIRE(sharing.ok());
  CHECK(sharing->supported);
  CHECK(sharing->sharees.empty());

  // Radicale: no oc-resource-sharing in DAV, the property is a 404 propstat.
  dav_header = "1, 2, 3, calendar-access, addressbook, extended-mkcol";
  body = "<?xml version='1.0' encoding='utf-8'?>\n<multistatus xmlns=\"DAV:\" xmlns:ns1=\"http://owncloud.org/ns\">"
         "<response><href>/coop/group-lyon/</href><propstat><prop><ns1:invite/></prop>"
         "<status>HTTP/1.1 404 Not Found</status></propstat></response></multistatus>";
  sharing = dav.calendar_sharing("/coop/group-lyon/");
  REQUIRE(sharing.ok());
  CHECK_FALSE(sharing->supported);
  CHECK(sharing->sharees.empty());

  // Not XML: a typed error naming the request.
  dav_header = kNcDav;
  body = "<d:multistatus";
  sharing = dav.calendar_sharing(href);
  REQUIRE_FALSE(sharing.ok());
  CHECK(sharing.error().message.find("oc:invite") != std::string::npos);
}
