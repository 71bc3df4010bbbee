// A server that cuts its sync-collection answers short (RFC 6578 §3.6: the request-URI with
// 507 Insufficient Storage, and a token for what was sent): the connector follows the token
// until the answer is complete, so no change is lost and the cursor lands on the last token.
#include "tests/integration/nextcloud/nc_env.hpp"
#include "tests/support/result_text.hpp"

#include <algorithm>

using coopsync::testing::error_text;

using namespace coopsync;
using namespace coopsync::testing::nc;

namespace {

std::string hand_event(const std::string& uid, const std::string& summary) {
  return "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//hand//EN\r\nBEGIN:VEVENT\r\nUID:" + uid +
         "\r\nDTSTAMP:20260101T000000Z\r\nDTSTART:20260410T080000Z\r\nDTEND:20260410T090000Z\r\n"
         "SUMMARY:" + summary + "\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
}

std::vector<std::string> live_ids(const ChangePage& page) {
  std::vector<std::string> out;
  for (const auto& r : page.records) {
    if (!r.deleted) out.push_back(r.external_id);
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<std::string> deleted_ids(const ChangePage& page) {
  std::vector<std::string> out;
  for (const auto& r : page.records) {
    if (r.deleted) out.push_back(r.external_id);
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

TEST_CASE("truncated sync-collection answers (507) are followed to the end") {
  SimEnv env(nlohmann::json::array(), {{"caldav", {{"sync_page_limit", 2}}}});
  auto conn = env.connector(env.settings());
  auto group = apply_one(*conn, make_write(EntityKind::kGroup, WriteOp::kCreate,
                                           Fields{{"name", "Lyon"}, {"slug", "lyon"}}, "", "g1"));
  REQUIRE_MESSAGE(!group.error.has_value(), error_text(group.error));
  const std::string cal = env.url() + "/remote.php/dav/calendars/admin/group-lyon/";
  auto put = [&](const std::string& name, const std::string& summary) {
    auto r = env.raw("PUT", cal + name + ".ics", hand_event(name, summary),
                     {{"Content-Type", "text/calendar; charset=utf-8"}}, "admin", kAdminApp);
    REQUIRE(r.status / 100 == 2);
  };
  for (int i = 1; i <= 5; ++i) put("e" + std::to_string(i), "Event " + std::to_string(i));

  // The first listing needs three answers (2 + 2 + 1): all five events arrive.
  auto first = conn->changes(EntityKind::kEvent, "", std::chrono::milliseconds(0));
  REQUIRE_MESSAGE(first.ok(), error_text(first));
  CHECK(first->full_listing);
  CHECK(live_ids(*first) == std::vector<std::string>{"lyon/e1.ics", "lyon/e2.ics", "lyon/e3.ics",
                                                    "lyon/e4.ics", "lyon/e5.ics"});
  const auto token = env.state()["calendars"]["admin"]["group-lyon"]["token"].get<int>();
  auto cursor = nlohmann::json::parse(first->cursor);
  CHECK(cursor["calendars"]["group-lyon"] == "http://sabre.io/ns/sync/" + std::to_string(token));

  // Then: a deletion, an edit, two additions and an object that comes and goes, over
  // several cut answers. Every change is reported once, the short-lived one as deleted.
  REQUIRE(env.raw("DELETE", cal + "e2.ics", "", {}, "admin", kAdminApp).status == 204);
  put("e3", "Event 3, moved");
  put("e6", "Event 6");
  put("tmp", "Gone soon");
  put("e7", "Event 7");
  REQUIRE(env.raw("DELETE", cal + "tmp.ics", "", {}, "admin", kAdminApp).status == 204);
  auto next = conn->changes(EntityKind::kEvent, first->cursor, std::chrono::milliseconds(0));
  REQUIRE_MESSAGE(next.ok(), error_text(next));
  CHECK_FALSE(next->full_listing);
  CHECK(live_ids(*next) == std::vector<std::string>{"lyon/e3.ics", "lyon/e6.ics", "lyon/e7.ics"});
  CHECK(deleted_ids(*next) == std::vector<std::string>{"lyon/e2.ics", "lyon/tmp.ics"});
  for (const auto& r : next->records) {
    if (r.external_id == "lyon/e3.ics") CHECK(r.fields["title"] == "Event 3, moved");
  }

  // Nothing new: an empty, complete answer.
  auto quiet = conn->changes(EntityKind::kEvent, next->cursor, std::chrono::milliseconds(0));
  REQUIRE(quiet.ok());
  CHECK(quiet->records.empty());
  CHECK(quiet->cursor == next->cursor);
}
