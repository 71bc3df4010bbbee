// The Odoo feed cursor's memory of records read (feed_cursor.hpp): what it remembers, how it
// is stored, and that cursors stored before it still decode.
#include "connectors/odoo/feed_cursor.hpp"

#include <doctest/doctest.h>

namespace coopsync::odoo {
namespace {

using Ids = std::vector<std::int64_t>;

TEST_CASE("id runs: sorted ids as ranges, and back; anything else is refused") {
  CHECK(encode_id_runs({}) == "");
  CHECK(encode_id_runs({7}) == "7");
  CHECK(encode_id_runs({1, 2, 3, 7, 9, 10}) == "1-3,7,9-10");
  CHECK(decode_id_runs("1-3,7,9-10", 100) == Ids{1, 2, 3, 7, 9, 10});
  CHECK(decode_id_runs("", 100) == Ids{});
  for (const char* bad :
       {"3-1", "1,,2", "1,", ",1", "a", "2,1", "1-3,3", "0", "-5", "1-", "1 ,2"}) {
    CAPTURE(bad);
    CHECK_FALSE(decode_id_runs(bad, 100));
  }
  // No more than the limit, however few characters ask for it.
  CHECK(decode_id_runs("1-50", 50) == decode_id_runs("1-50", 51));
  CHECK_FALSE(decode_id_runs("1-51", 50));
  CHECK_FALSE(decode_id_runs("1-40,50-60", 50));
  CHECK_FALSE(decode_id_runs("1-9223372036854775807", kMaxRemembered));
}

TEST_CASE("only records read after their second closed are remembered") {
  Cursor c;
  c.remember(5, "2026-11-21 12:00:00", "2026-11-21 12:00:01");  // closed when read
  c.remember(6, "2026-11-21 12:00:01", "2026-11-21 12:00:01");  // still open
  c.remember(7, "2026-11-21 12:00:02", "2026-11-21 12:00:01");  // newer than the read
  c.remember(8, "2026-11-21 12:00:00", "");                     // server time unknown
  c.remember(9, "", "2026-11-21 12:00:01");                     // no write_date
  CHECK(c.read == std::map<std::string, Ids>{{"2026-11-21 12:00:00", {5}}});
}

TEST_CASE("tidy keeps the seconds a later pass can read, sorted, within the cap") {
  Cursor c;
  c.read["2026-11-21 11:59:58"] = {4};
  c.read["2026-11-21 12:00:00"] = {9, 3, 9, 1};
  c.tidy("2026-11-21 11:59:59");
  CHECK(c.read == std::map<std::string, Ids>{{"2026-11-21 12:00:00", {1, 3, 9}}});
  CHECK(c.remembered() == 3);
  // Beyond the cap the oldest go (what is not remembered is read again).
  Cursor big;
  for (std::int64_t i = 1; i <= static_cast<std::int64_t>(kMaxRemembered); ++i) {
    big.read["2026-11-21 12:00:00"].push_back(i);
  }
  big.read["2026-11-21 12:00:01"] = {1};
  big.tidy(kOdooEpoch);
  CHECK(big.remembered() == kMaxRemembered);
  CHECK(big.read["2026-11-21 12:00:01"] == Ids{1});
  CHECK(big.read["2026-11-21 12:00:00"].size() == kMaxRemembered - 1);
  // A single second bigger than the cap keeps as many as the cap allows.
  Cursor one;
  for (std::int64_t i = 1; i <= static_cast<std::int64_t>(kMaxRemembered) + 5; ++i) {
    one.read["2026-11-21 12:00:00"].push_back(i);
  }
  one.tidy(kOdooEpoch);
  CHECK(one.remembered() == kMaxRemembered);
  CHECK(encode_id_runs(one.read["2026-11-21 12:00:00"]) == "1-" + std::to_string(kMaxRemembered));
  // Under the cap nothing goes.
  Cursor small;
  small.read["2026-11-21 12:00:00"] = {1, 2};
  small.tidy(kOdooEpoch);
  CHECK(small.remembered() == 2);
}

TEST_CASE("the window starts after since, or the overlap before settled when earlier") {
  Cursor c;
  c.since = "2026-11-21 12:00:00";
  CHECK(c.window_start(2) == "2026-11-21 11:59:58");  // settled unknown
  c.settled = "2026-11-21 12:00:01";
  CHECK(c.window_start(2) == "2026-11-21 11:59:59");
  c.settled = "2026-11-21 12:00:10";
  CHECK(c.window_start(2) == "2026-11-21 12:00:01");  // since was closed when it began
  CHECK(odoo_seconds_before("1970-01-01 00:00:01", 5) == kOdooEpoch);
}

TEST_CASE("the window's query leaves out each remembered second's ids") {
  Cursor c;
  c.read["2026-11-21 11:59:00"] = {1};  // before the window: not sent
  c.read["2026-11-21 12:00:00"] = {4, 5};
  const Array terms = c.unread_terms("2026-11-21 11:59:59");
  const auto text = to_json(Value(terms)).dump();
  CHECK(
      text ==
      R"(["|","|",["write_date","<","2026-11-21 12:00:00"],["write_date",">=","2026-11-21 12:00:01"],)"
      R"(["id","not in",[4,5]]])");
  CHECK(c.unread_terms("2026-11-21 12:00:01").empty());
}

TEST_CASE("cursors keep what they remember, and cursors stored before still decode") {
  Cursor c;
  c.since = "2026-11-21 12:00:00";
  c.settled = "2026-11-21 12:00:01";
  c.read["2026-11-21 12:00:00"] = {1, 2, 3, 8};
  auto back = Cursor::decode(c.encode());
  REQUIRE(back.ok());
  CHECK(back->read == c.read);
  CHECK(nlohmann::json::parse(c.encode())["read"]["2026-11-21 12:00:00"] == "1-3,8");
  Cursor full;
  full.full = true;
  full.after = 40;
  full.start = "2026-11-21 12:00:00";
  full.read["2026-11-21 12:00:00"] = {40};
  auto f = Cursor::decode(full.encode());
  REQUIRE(f.ok());
  CHECK(f->full);
  CHECK(f->read == full.read);
  // As stored before the memory: nothing remembered, the whole window is read.
  for (const char* old :
       {R"({"since": "2026-11-21 12:00:00", "settled": "2026-11-21 12:00:01"})",
        R"({"since": "2026-11-21 12:00:00", "write_date": "2026-11-21 12:00:00", "ids": [4]})",
        R"({"full": true, "after": 3, "start": "2026-11-21 12:00:00"})",
        R"({"write_date": "2026-11-21 12:00:01", "ids": [7, 9]})"}) {
    CAPTURE(old);
    auto d = Cursor::decode(old);
    REQUIRE(d.ok());
    CHECK(d->read.empty());
  }
  // A memory that does not read back is forgotten, not an error: it only saves reads.
  for (const char* odd :
       {R"({"since": "2026-11-21 12:00:00", "read": {"yesterday": "1"}})",
        R"({"since": "2026-11-21 12:00:00", "read": {"2026-11-21 12:00:00": "5-1"}})",
        R"({"since": "2026-11-21 12:00:00", "read": {"2026-11-21 12:00:00": [1]}})",
        R"({"since": "2026-11-21 12:00:00", "read": [1, 2]})"}) {
    CAPTURE(odd);
    auto d = Cursor::decode(odd);
    REQUIRE(d.ok());
    CHECK(d->since == "2026-11-21 12:00:00");
    CHECK(d->read.empty());
  }
}

}  // namespace
}  // namespace coopsync::odoo
