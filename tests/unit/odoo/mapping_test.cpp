// Odoo <-> canonical mapping, table-driven, and the change cursor's encoding.
#include "connectors/odoo/mapping.hpp"
#include "connectors/odoo/odoo_connector.hpp"

#include <doctest/doctest.h>

namespace coopsync::odoo {
namespace {

Value row(const char* json) { return from_json(nlohmann::json::parse(json)); }

TEST_CASE("names split on the last word") {
  CHECK(split_name("Alice Martin") == std::pair<std::string, std::string>{"Alice", "Martin"});
  CHECK(split_name("  Jean-Pierre de La Tour ") == std::pair<std::string, std::string>{"Jean-Pierre de La", "Tour"});
  CHECK(split_name("Cher") == std::pair<std::string, std::string>{"Cher", ""});
  CHECK(split_name("") == std::pair<std::string, std::string>{"", ""});
}

TEST_CASE("slugs, HTML and datetimes") {
  CHECK(slugify("Région Nord") == "région-nord");
  CHECK(slugify("  Working group: IT & co. ") == "working-group-it-co");
  CHECK(html_to_text("<p>Ordre du jour<br>&amp; vote</p>") == "Ordre du jour\n& vote");
  // Source indentation and line breaks are white space, as in a browser (Odoo's templates)
  CHECK(html_to_text("<p>\n   Join us\n   today <br>\n  again</p>") == "Join us today\nagain");
  CHECK(text_to_html("a < b\nc") == "<p>a &lt; b<br>c</p>");
  CHECK(odoo_to_iso("2027-03-27 17:00:00") == "2027-03-27T17:00:00Z");
  CHECK(iso_to_odoo("2027-03-27T19:00:00+02:00") == "2027-03-27 17:00:00");
  CHECK(odoo_next_second("2026-12-31 23:59:59") == "2027-01-01 00:00:00");
  CHECK_FALSE(odoo_to_iso("not a date"));
  CHECK(parse_id("42") == 42);
  CHECK_FALSE(parse_id("42x"));
  CHECK_FALSE(parse_id("-1"));
}

TEST_CASE("a partner as captured becomes a canonical person") {
  // From ../shared/fixtures/odoo/13-res-partner-search-read-write-date (Bruno, record 9).
  const Value bruno = row(R"({"id": 9, "name": "Bruno Leroy", "email": "bruno.leroy@example.org",
      "phone": "03 20 00 00 00", "mobile": false, "lang": "en_US", "active": true,
      "category_id": [1, 2], "write_date": "2026-11-21 12:04:37"})");
  MapContext ctx;
  const Fields f = person_from_odoo(bruno, ctx);
  CHECK(f["given_name"] == "Bruno");
  CHECK(f["family_name"] == "Leroy");
  CHECK(f["display_name"] == "Bruno Leroy");
  CHECK(f["email"] == "bruno.leroy@example.org");
  CHECK(f["phone"] == "+33320000000");
  CHECK(f["locale"] == "en_US");
  CHECK(f["active"] == true);
  const Fields empty = person_from_odoo(row(R"({"id": 10, "name": "Chloé", "email": false, "phone": false, "lang": false, "active": false})"), ctx);
  CHECK(empty["email"].is_null());
  CHECK(empty["phone"].is_null());
  CHECK(empty["locale"].is_null());
  CHECK(empty["active"] == false);
}

TEST_CASE("person values: only changed fields, never an uninstalled language") {
  FieldMap fm{{"lang", {"selection", "", {"en_US"}}}, {"name", {"char", "", {}}}};
  const Fields f = {{"given_name", "Ana"}, {"family_name", "Lopez"}, {"email", "ana@x.org"}, {"phone", nullptr},
                    {"locale", "fr_FR"}, {"active", true}};
  const Value all(person_to_odoo(f, {}, fm));
  CHECK(*all.find("name") == Value("Ana Lopez"));
  CHECK(*all.find("phone") == Value(false));  // null -> False clears the field
  CHECK(all.find("lang") == nullptr);         // fr_FR not installed here
  const Fields renamed = {{"given_name", "Ana María"}, {"family_name", "Lopez"}, {"display_name", "Ana Lopez"}};
  CHECK(*Value(person_to_odoo(renamed, {"given_name"}, fm)).find("name") == Value("Ana María Lopez"));
  CHECK(*Value(person_to_odoo(renamed, {"display_name"}, fm)).find("name") == Value("Ana Lopez"));
  const Value some(person_to_odoo(f, {"email"}, fm));
  CHECK(some.as_struct()->size() == 1);
  CHECK(*some.find("email") == Value("ana@x.org"));
}

TEST_CASE("events and registrations both ways") {
  const Value ev = row(R"({"id": 1, "name": "AG", "date_begin": "2027-03-27 17:00:00", "date_end": "2027-03-28 10:00:00",
      "date_tz": "Europe/Paris", "seats_limited": false, "seats_max": 0, "active": true, "description": false})");
  const Fields f = event_from_odoo(ev, MapContext{});
  CHECK(!f.contains("group"));  // no tag_ids read: this Odoo says nothing about the group
  CHECK(f["start"] == "2027-03-27T17:00:00Z");
  CHECK(f["capacity"].is_null());  // unlimited: seats_max 0 means nothing
  CHECK(f["status"] == "confirmed");
  const Value back(event_to_odoo({{"capacity", 25}, {"status", "cancelled"}}, {}, FieldMap{}));
  CHECK(*back.find("seats_limited") == Value(true));
  CHECK(*back.find("seats_max") == Value(25));
  CHECK(*back.find("active") == Value(false));
  const Fields reg = registration_from_odoo(row(R"({"id": 1, "event_id": [1, "AG"], "partner_id": [7, "Alice"], "state": "cancel"})"));
  CHECK(reg["person"] == "7");
  CHECK(reg["event"] == "1");
  CHECK(reg["status"] == "cancelled");
  CHECK(registration_state("registered") == "open");
  CHECK(registration_state("waitlisted") == "draft");
}

TEST_CASE("an event's group is the one group whose event tag it carries") {
  MapContext ctx;
  ctx.event_tag_groups = {{3, 51}, {4, 52}};  // event tags 3, 4 named like groups 51, 52
  auto group_of = [&](const char* tags) {
    const std::string text = std::string(R"({"id": 1, "name": "AG", "tag_ids": )") + tags + "}";
    return event_from_odoo(row(text.c_str()), ctx)["group"];
  };
  CHECK(group_of("[3]") == "51");
  CHECK(group_of("[9, 4]") == "52");   // 9: an ordinary event tag
  CHECK(group_of("[3, 4]").is_null());  // two groups: none chosen
  CHECK(group_of("[]").is_null());
}

TEST_CASE("cursors round-trip and garbage is refused") {
  Cursor full;
  full.full = true;
  full.after = 500;
  full.start = "2026-11-21 12:00:00";
  auto f = Cursor::decode(full.encode());
  REQUIRE(f.ok());
  CHECK(f->full);
  CHECK(f->after == 500);
  CHECK(f->start == "2026-11-21 12:00:00");
  // Within a pass: where the last pass ended, and the keyset position of this one.
  Cursor mid;
  mid.since = "2026-11-21 12:00:00";
  mid.second = "2026-11-21 12:00:01";
  mid.seen = {7, 9};
  auto i = Cursor::decode(mid.encode());
  REQUIRE(i.ok());
  CHECK_FALSE(i->full);
  CHECK(i->since == "2026-11-21 12:00:00");
  CHECK(i->second == "2026-11-21 12:00:01");
  CHECK(i->seen == std::vector<std::int64_t>{7, 9});
  // Between passes: only the newest second read.
  Cursor between;
  between.since = "2026-11-21 12:00:01";
  auto b = Cursor::decode(between.encode());
  REQUIRE(b.ok());
  CHECK(b->since == "2026-11-21 12:00:01");
  CHECK(b->second.empty());
  CHECK(b->seen.empty());
  CHECK(Cursor::decode("nonsense").error().kind == ErrorKind::kInvalidInput);
  CHECK_FALSE(Cursor::decode(R"({"write_date": "yesterday", "ids": []})").ok());
  CHECK_FALSE(Cursor::decode(R"({"since": "yesterday"})").ok());
  CHECK_FALSE(Cursor::decode(R"({"since": "2026-11-21 12:00:01", "write_date": "x", "ids": []})").ok());
}

TEST_CASE("a cursor stored before the overlap reads its second again, ignoring its ids") {
  auto old = Cursor::decode(R"({"write_date": "2026-11-21 12:00:01", "ids": [7, 9]})");
  REQUIRE(old.ok());
  CHECK_FALSE(old->full);
  CHECK(old->since == "2026-11-21 12:00:01");
  CHECK(old->second.empty());  // a new pass: from that second (and the overlap), all ids
  CHECK(old->seen.empty());
}

}  // namespace
}  // namespace coopsync::odoo
