#pragma once
// Shared by the store_*_test.cpp files: a store in a fresh temporary directory, a settable
// clock, and raw SQLite access for checks the interface cannot express (file format,
// query plans, append-only triggers).
#include "core/store/sqlite_store.hpp"
#include "tests/support/fixtures.hpp"

#include <doctest/doctest.h>
#include <sqlite3.h>

#include <filesystem>
#include <string>
#include <vector>

namespace coopsync::store::testing {

inline TimePoint at_ms(std::int64_t ms) {
  return TimePoint(std::chrono::duration_cast<TimePoint::duration>(std::chrono::milliseconds(ms)));
}

inline std::unique_ptr<SqliteStore> open_or_fail(const std::string& path) {
  auto opened = SqliteStore::open(path);
  if (!opened.ok()) FAIL("open " << path << ": " << opened.error().message);
  return std::move(*opened);
}

struct TempStore {
  std::filesystem::path dir = coopsync::testing::make_temp_dir("coopsync-store");
  std::string path = (dir / "coopsync.db").string();
  TimePoint clock = at_ms(1'700'000'000'000);
  std::unique_ptr<SqliteStore> store = open_or_fail(path);

  TempStore() { use_clock(*store); }
  ~TempStore() {
    store.reset();
    std::error_code ignored;
    std::filesystem::remove_all(dir, ignored);
  }
  TempStore(const TempStore&) = delete;
  TempStore& operator=(const TempStore&) = delete;

  // Another connection to the same file (as a second process would have), on the same clock.
  std::unique_ptr<SqliteStore> second() {
    auto other = open_or_fail(path);
    use_clock(*other);
    return other;
  }
  void reopen() {
    store.reset();
    store = open_or_fail(path);
    use_clock(*store);
  }
  void use_clock(SqliteStore& s) {
    s.set_clock_for_test([this] { return clock; });
  }
};

// Rows of one raw statement (each column as text), through a separate plain connection.
inline std::vector<std::vector<std::string>> raw_query(const std::string& path, const std::string& sql,
                                                       int* rc_out = nullptr) {
  sqlite3* db = nullptr;
  std::vector<std::vector<std::string>> rows;
  int rc = sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr);
  sqlite3_stmt* stmt = nullptr;
  if (rc == SQLITE_OK) rc = sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr);
  while (rc == SQLITE_OK || rc == SQLITE_ROW) {
    rc = sqlite3_step(stmt);
    if (rc != SQLITE_ROW) break;
    std::vector<std::string> row;
    for (int i = 0; i < sqlite3_column_count(stmt); ++i) {
      const unsigned char* text = sqlite3_column_text(stmt, i);
      row.emplace_back(text != nullptr ? reinterpret_cast<const char*>(text) : "");
    }
    rows.push_back(std::move(row));
  }
  if (rc_out != nullptr) *rc_out = rc == SQLITE_DONE ? SQLITE_OK : rc;
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  return rows;
}

}  // namespace coopsync::store::testing
