#include "core/model/normalize.hpp"

#include <doctest/doctest.h>

using namespace coopsync;

TEST_CASE("emails are trimmed and lower-cased; non-addresses are refused") {
  CHECK(normalize_email("  Ana.Martin@Coop.Example ") == "ana.martin@coop.example");
  CHECK_FALSE(normalize_email("no-at-sign"));
  CHECK_FALSE(normalize_email("two@@signs.example"));
  CHECK_FALSE(normalize_email("sp ace@x.example"));
  CHECK_FALSE(normalize_email("@x.example"));
}

TEST_CASE("phones become E.164 with the configured default region") {
  CHECK(normalize_phone("06 12 34 56 78", "FR") == "+33612345678");
  CHECK(normalize_phone("+33 6 12 34 56 78", "DE") == "+33612345678");
  CHECK(normalize_phone("0033612345678", "FR") == "+33612345678");
  CHECK(normalize_phone("030 1234567", "DE") == "+49301234567");
  CHECK_FALSE(normalize_phone("12", "FR"));
  CHECK_FALSE(normalize_phone("not a phone", "FR"));
}

TEST_CASE("a number already in E.164 normalises to itself, whatever the region (known or not)") {
  // normalize_phone remembers the numbers it wrote and returns them as they are: that holds
  // only because E.164 is a fixed point, checked here for numbers seen and not seen before.
  for (const char* raw : {"06 12 34 56 78", "06 11 22 33 44", "+39 06 6982 1234", "030 1234567"}) {
    const auto once = normalize_phone(raw, raw[0] == '+' ? "FR" : (raw[1] == '3' ? "DE" : "FR"));
    REQUIRE(once);
    for (const char* region : {"FR", "DE", "IT", "US", ""}) {
      CHECK(normalize_phone(*once, region) == *once);
      CHECK(normalize_phone("  " + *once + " ", region) == *once);
    }
  }
  CHECK(normalize_phone("+390669821234", "US") == "+390669821234");  // Italy keeps its 0
  CHECK_FALSE(normalize_phone("+3361234", "FR"));  // too short: never written, never known
  CHECK_FALSE(normalize_phone("+33612345678x", "FR") == std::optional<std::string>("+33612345678x"));
}

TEST_CASE("normalize_fields keeps invalid values rather than losing them") {
  Fields f = {{"email", " Bob@X.Example"}, {"phone", "06 12 34 56 78"}, {"display_name", "Bob"}};
  normalize_fields(EntityKind::kPerson, f, "FR");
  CHECK(f["email"] == "bob@x.example");
  CHECK(f["phone"] == "+33612345678");
  Fields bad = {{"email", "garbage"}, {"phone", "call me"}};
  normalize_fields(EntityKind::kPerson, bad, "FR");
  CHECK(bad["email"] == "garbage");
  CHECK(bad["phone"] == "call me");
}

TEST_CASE("derive_fields: an event's all_day follows the form of its start unless stated") {
  Fields timed = {{"start", "2027-03-13T09:00:00Z"}};
  derive_fields(EntityKind::kEvent, timed);
  CHECK(timed["all_day"] == false);
  Fields day = {{"start", "2027-03-13"}};
  derive_fields(EntityKind::kEvent, day);
  CHECK(day["all_day"] == true);
  Fields said = {{"start", "2027-03-13T00:00:00Z"}, {"all_day", true}};
  derive_fields(EntityKind::kEvent, said);
  CHECK(said["all_day"] == true);  // what a system states is kept
  Fields no_start = {{"title", "AG"}};
  derive_fields(EntityKind::kEvent, no_start);
  CHECK_FALSE(no_start.contains("all_day"));  // a partial record claims nothing
  Fields person = {{"start", "2027-03-13"}};
  derive_fields(EntityKind::kPerson, person);
  CHECK_FALSE(person.contains("all_day"));
}

TEST_CASE("instants: ISO-8601 with offsets, Odoo's form, canonical output") {
  CHECK(format_instant(*parse_instant("2026-03-29T10:00:00+02:00")) == "2026-03-29T08:00:00Z");
  CHECK(format_instant(*parse_instant("2026-03-29 08:00:00")) == "2026-03-29T08:00:00Z");
  CHECK(format_instant(*parse_instant("2026-03-29T08:00:00.123Z")) == "2026-03-29T08:00:00Z");
  CHECK(format_odoo_datetime(*parse_instant("2026-03-29T08:00:00Z")) == "2026-03-29 08:00:00");
  CHECK_FALSE(parse_instant("yesterday").ok());
  CHECK_FALSE(parse_instant("2026-03-29T08:00:00+xx:00").ok());
  // A sign or a stray byte among the digits is an error, not NaN seconds (fuzz finding).
  CHECK_FALSE(parse_instant("2026-12-10T16:10:-5Z").ok());
  CHECK_FALSE(parse_instant("2026-12-10T16:1-:15Z").ok());
  CHECK_FALSE(parse_instant("2026-12-10X16:10:15Z").ok());
  CHECK_FALSE(local_to_utc("2026-12-10T16:10:-5", "Europe/Paris").ok());
  CHECK_FALSE(local_to_utc("2026-12-10T16:10", "Europe/Paris").ok());
}

TEST_CASE("Europe/Paris wall-clock time survives the daylight-saving change") {
  // 10:00 in Paris is 09:00Z in winter and 08:00Z in summer (DST starts 2026-03-29).
  CHECK(format_instant(*local_to_utc("2026-03-28T10:00:00", "Europe/Paris")) == "2026-03-28T09:00:00Z");
  CHECK(format_instant(*local_to_utc("2026-03-30T10:00:00", "Europe/Paris")) == "2026-03-30T08:00:00Z");
  CHECK(*utc_to_local(*parse_instant("2026-03-30T08:00:00Z"), "Europe/Paris") == "2026-03-30T10:00:00");
  // The gap (02:30 does not exist on 2026-03-29) and the ambiguous hour (2026-10-25 02:30).
  CHECK(format_instant(*local_to_utc("2026-03-29T02:30:00", "Europe/Paris")) == "2026-03-29T01:30:00Z");
  CHECK(format_instant(*local_to_utc("2026-10-25T02:30:00", "Europe/Paris")) == "2026-10-25T00:30:00Z");
  CHECK_FALSE(local_to_utc("2026-03-28T10:00:00", "Mars/Olympus").ok());
  CHECK(is_known_zone("Europe/Paris"));
  CHECK_FALSE(is_known_zone("Nowhere/Land"));
}
