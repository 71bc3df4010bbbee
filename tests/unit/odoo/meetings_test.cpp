// Meetings, the pure parts: external ids, settings, the Odoo 19 block, calendar.event <->
// canonical fields for the cases the fixtures do not show, the split cursor.
#include "connectors/odoo/meetings.hpp"

#include <doctest/doctest.h>

namespace coopsync::odoo {
namespace {

const Value* member(const Struct& s, const char* name) {
  for (const auto& m : s) {
    if (m.name == name) return &m.value;
  }
  return nullptr;
}

FieldMap calendar_fields() {
  FieldMap f;
  f["event_tz"].selection = {"Europe/Paris", "UTC"};
  return f;
}

TEST_CASE("meeting and attendee ids carry the model; event.event ids do not parse as them") {
  CHECK(meeting_external_id(12) == "calendar.event:12");
  CHECK(attendee_external_id(12, 7) == "calendar.event:12:partner:7");
  CHECK(parse_meeting_id("calendar.event:12") == 12);
  CHECK_FALSE(parse_meeting_id("12"));
  CHECK_FALSE(parse_meeting_id("calendar.event:12:partner:7"));
  CHECK_FALSE(parse_meeting_id("calendar.event:"));
  CHECK_FALSE(parse_meeting_id("calendar.event:-3"));
  auto pair = parse_attendee_id("calendar.event:12:partner:7");
  REQUIRE(pair);
  CHECK(pair->first == 12);
  CHECK(pair->second == 7);
  CHECK_FALSE(parse_attendee_id("calendar.event:12"));
  CHECK_FALSE(parse_attendee_id("12:7"));
  CHECK_FALSE(parse_attendee_id("calendar.event:x:partner:7"));

  Write w;
  w.kind = EntityKind::kRegistration;
  w.fields = {{"event", "calendar.event:3"}, {"person", "7"}};
  CHECK(is_meeting_write(w));
  w.fields["event"] = "3";
  CHECK_FALSE(is_meeting_write(w));
  w.external_id = "calendar.event:3:partner:7";
  CHECK(is_meeting_write(w));
}

TEST_CASE("meetings settings: off by default, domain must be a JSON array") {
  auto none = parse_meeting_settings(nlohmann::json::object());
  REQUIRE(none.ok());
  CHECK_FALSE(none->enabled);
  auto on = parse_meeting_settings({{"meetings",
                                     {{"enabled", true},
                                      {"domain", R"([["name", "ilike", "CA"]])"},
                                      {"group_by", "none"},
                                      {"create", true}}}});
  REQUIRE(on.ok());
  CHECK(on->enabled);
  CHECK(on->domain.size() == 1);
  CHECK_FALSE(on->group_by_tag);
  CHECK(on->create);
  auto bad = parse_meeting_settings({{"meetings", {{"enabled", true}, {"domain", "name = CA"}}}});
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().kind == ErrorKind::kInvalidInput);
}

TEST_CASE("Odoo 19's organizer block is cut off, other HTML is left alone") {
  CHECK(strip_organizer_block(
            "<div><p>Ordre du jour</p><br><strong>Organized by</strong><br>Administrator</div>") ==
        "<p>Ordre du jour</p>");
  CHECK(strip_organizer_block("<div><br><strong>Organized by</strong><br>Administrator</div>")
            .empty());
  CHECK(strip_organizer_block("<div><p>Texte</p></div>") == "<div><p>Texte</p></div>");
}

TEST_CASE("calendar.event rows to canonical fields") {
  MapContext ctx;
  ctx.event_tag_groups = {{4, 30}, {5, 31}};
  Value timed(Struct{{"id", Value(1)},
                     {"name", Value("CA")},
                     {"start", Value("2027-10-31 08:00:00")},
                     {"stop", Value("2027-10-31 09:30:00")},
                     {"allday", Value(false)},
                     {"event_tz", Value(false)},
                     {"location", Value(false)},
                     {"description", Value(false)},
                     {"active", Value(false)},
                     {"categ_ids", Value(Array{Value(4), Value(9)})}});
  Fields f = meeting_from_odoo(timed, ctx);
  CHECK(f["start"] == "2027-10-31T08:00:00Z");
  CHECK(f["end"] == "2027-10-31T09:30:00Z");
  CHECK(f["status"] == "cancelled");  // archived
  CHECK(f["group"] == "30");
  CHECK(f["description"].is_null());
  CHECK(f["location"].is_null());
  // Two groups' tags: no group (as for events).
  timed.set("categ_ids", Value(Array{Value(4), Value(5)}));
  CHECK(meeting_from_odoo(timed, ctx)["group"].is_null());
  // Without categ_ids read (group_by: none) the group is not held at all.
  Value bare(Struct{{"id", Value(2)},
                    {"name", Value("x")},
                    {"allday", Value(true)},
                    {"start", Value("2027-10-31 08:00:00")},
                    {"stop", Value("2027-11-02 18:00:00")},
                    {"start_date", Value("2027-10-31")},
                    {"stop_date", Value("2027-11-02")}});
  Fields d = meeting_from_odoo(bare, ctx);
  CHECK_FALSE(d.contains("group"));
  CHECK(d["start"] == "2027-10-31");
  CHECK(d["end"] == "2027-11-02");
  CHECK(d["all_day"] == true);
}

TEST_CASE("canonical fields to calendar.event values: updates clear, creates leave out") {
  const Fields f = {{"title", "CA"},
                    {"start", "2027-10-31T08:00:00Z"},
                    {"end", nullptr},
                    {"all_day", false},
                    {"timezone", "Mars/Olympus"},
                    {"location", nullptr},
                    {"description", nullptr},
                    {"status", "cancelled"}};
  Struct create = meeting_to_odoo(f, {}, calendar_fields());
  CHECK(member(create, "location") == nullptr);
  CHECK(member(create, "event_tz") == nullptr);  // a zone Odoo does not offer
  REQUIRE(member(create, "stop"));
  CHECK(*member(create, "stop")->as_string() == "2027-10-31 09:00:00");  // an hour by default
  REQUIRE(member(create, "active"));
  CHECK(*member(create, "active") == Value(false));  // made cancelled: archived at once
  Struct update = meeting_to_odoo(f, {"location", "timezone", "title"}, calendar_fields());
  REQUIRE(member(update, "location"));
  CHECK(member(update, "location")->is_false());
  CHECK(member(update, "event_tz")->is_false());
  CHECK(member(update, "start") == nullptr);  // not among the changes
  CHECK(update.size() == 3);
  // all_day switched on: the whole span goes, as dates with midnight bounds.
  Struct day = meeting_to_odoo({{"start", "2027-10-31"}, {"end", "2027-11-01"}, {"all_day", true}},
                               {"all_day"}, calendar_fields());
  CHECK(*member(day, "allday") == Value(true));
  CHECK(*member(day, "start_date") == Value("2027-10-31"));
  CHECK(*member(day, "stop_date") == Value("2027-11-01"));
  CHECK(*member(day, "stop") == Value("2027-11-01 00:00:00"));
}

TEST_CASE("split cursor: round trip, a plain event cursor is the model part") {
  SplitCursor c;
  c.model = R"({"since":"2026-11-21 12:00:00"})";
  c.meetings = R"({"full":true,"after":3,"start":"2026-11-21 12:00:00"})";
  c.on_meetings = true;
  c.model_full = true;
  const std::string text = c.encode();
  CHECK(SplitCursor::is_split(text));
  SplitCursor back = SplitCursor::decode(text);
  CHECK(back.model == c.model);
  CHECK(back.meetings == c.meetings);
  CHECK(back.on_meetings);
  CHECK(back.model_full);
  CHECK_FALSE(SplitCursor::is_split(c.model));
  SplitCursor plain = SplitCursor::decode(c.model);
  CHECK(plain.model == c.model);
  CHECK(plain.meetings.empty());
  CHECK_FALSE(plain.on_meetings);
  CHECK(SplitCursor::decode("").model.empty());
}

}  // namespace
}  // namespace coopsync::odoo
