// RFC 6578 §3.6 truncated sync-collection answers, as the simulator writes them (the capture
// has none): the request-URI with 507 Insufficient Storage means "continue with this token".
#include "connectors/nextcloud/dav_client.hpp"
#include "tests/support/fake_http.hpp"
#include "tests/support/result_text.hpp"

#include <doctest/doctest.h>

#include <deque>

using coopsync::testing::error_text;

using namespace coopsync;
using namespace coopsync::nextcloud;

namespace {

const std::string kCal = "/remote.php/dav/calendars/admin/group-lyon/";

std::string page(const std::vector<std::string>& changed, const std::vector<std::string>& deleted,
                 int token, bool truncated) {
  std::string out = "<?xml version=\"1.0\"?>\n<d:multistatus xmlns:d=\"DAV:\" xmlns:cal=\"urn:ietf:params:xml:ns:caldav\">\n";
  for (const auto& c : changed) {
    out += " <d:response>\n  <d:href>" + kCal + c + "</d:href>\n  <d:propstat>\n   <d:prop>\n"
           "    <d:getetag>&quot;etag-" + c + "-" + std::to_string(token) + "&quot;</d:getetag>\n"
           "   </d:prop>\n   <d:status>HTTP/1.1 200 OK</d:status>\n  </d:propstat>\n </d:response>\n";
  }
  for (const auto& d : deleted) {
    out += " <d:response>\n  <d:status>HTTP/1.1 404 Not Found</d:status>\n  <d:href>" + kCal + d +
           "</d:href>\n  <d:propstat>\n   <d:prop/>\n   <d:status>HTTP/1.1 418 I'm a teapot</d:status>\n"
           "  </d:propstat>\n </d:response>\n";
  }
  if (truncated) {
    out += " <d:response>\n  <d:href>" + kCal + "</d:href>\n  <d:status>HTTP/1.1 507 Insufficient Storage"
           "</d:status>\n  <d:error><d:number-of-matches-within-limits/></d:error>\n </d:response>\n";
  }
  return out + " <d:sync-token>http://sabre.io/ns/sync/" + std::to_string(token) + "</d:sync-token>\n</d:multistatus>\n";
}

std::string sent_token(const http::Request& r) {
  const auto a = r.body.find("<d:sync-token>");
  if (a == std::string::npos) return "";
  const auto b = r.body.find("</d:sync-token>", a);
  return r.body.substr(a + 14, b - a - 14);
}

}  // namespace

TEST_CASE("sync-collection: 507 pages are followed with their tokens and merged") {
  std::deque<std::string> answers{page({"a.ics", "b.ics"}, {}, 4, true),
                                  page({"b.ics", "c.ics"}, {"a.ics"}, 6, true),
                                  page({"d.ics"}, {"x.ics"}, 7, false)};
  testing::FakeHttpClient http([&](const http::Request&) -> Result<http::Response> {
    std::string body = answers.front();
    answers.pop_front();
    return testing::respond(207, body, {{"Content-Type", "application/xml; charset=utf-8"}});
  });
  Session session(&http, "admin", "x", "test");
  DavClient dav(&session, "http://127.0.0.1:8080/remote.php/dav/");
  auto sync = dav.sync(kCal, "http://sabre.io/ns/sync/2");
  REQUIRE_MESSAGE(sync.ok(), error_text(sync));
  REQUIRE(http.requests().size() == 3);
  CHECK(sent_token(http.requests()[0]) == "http://sabre.io/ns/sync/2");
  CHECK(sent_token(http.requests()[1]) == "http://sabre.io/ns/sync/4");
  CHECK(sent_token(http.requests()[2]) == "http://sabre.io/ns/sync/6");
  CHECK(sync->pages == 3);
  CHECK(sync->token == "http://sabre.io/ns/sync/7");
  CHECK_FALSE(sync->truncated);
  // a: changed then deleted -> deleted only; b: twice -> once, with the later ETag.
  REQUIRE(sync->changed.size() == 3);
  CHECK(sync->changed[0].first == kCal + "b.ics");
  CHECK(sync->changed[0].second == "etag-b.ics-6");
  CHECK(sync->changed[1].first == kCal + "c.ics");
  CHECK(sync->changed[2].first == kCal + "d.ics");
  CHECK(sync->deleted == std::vector<std::string>{kCal + "a.ics", kCal + "x.ics"});
}

TEST_CASE("sync-collection: a 507 that does not move the token is an error, not a loop") {
  int calls = 0;
  testing::FakeHttpClient http([&](const http::Request&) -> Result<http::Response> {
    ++calls;
    return testing::respond(207, page({"a.ics"}, {}, 4, true), {{"Content-Type", "application/xml"}});
  });
  Session session(&http, "admin", "x", "test");
  DavClient dav(&session, "http://127.0.0.1:8080/remote.php/dav/");
  auto sync = dav.sync(kCal, "");
  REQUIRE_FALSE(sync.ok());
  CHECK(sync.error().kind == ErrorKind::kInvalidInput);
  CHECK(sync.error().message.find("507") != std::string::npos);
  CHECK(calls == 2);  // the first page, then the same token back once
}

TEST_CASE("sync-collection: a complete answer is one request, and 507 elsewhere is ignored") {
  // A 507 on a member (not the request-URI) is not truncation.
  std::string body = page({"a.ics"}, {}, 9, false);
  body.insert(body.find(" <d:sync-token>"),
              " <d:response>\n  <d:href>" + kCal + "z.ics</d:href>\n  <d:status>HTTP/1.1 507 Insufficient Storage</d:status>\n </d:response>\n");
  testing::FakeHttpClient http([&](const http::Request&) -> Result<http::Response> {
    return testing::respond(207, body, {{"Content-Type", "application/xml"}});
  });
  Session session(&http, "admin", "x", "test");
  DavClient dav(&session, "http://127.0.0.1:8080/remote.php/dav/");
  auto sync = dav.sync(kCal, "http://sabre.io/ns/sync/8");
  REQUIRE(sync.ok());
  CHECK(http.requests().size() == 1);
  CHECK(sync->pages == 1);
  CHECK(sync->token == "http://sabre.io/ns/sync/9");
}
