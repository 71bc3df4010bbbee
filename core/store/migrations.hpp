#pragma once
// Versioned schema of the SQLite store. PRAGMA user_version holds the version applied;
// PRAGMA application_id marks the file as a coopsync store. Migration steps only ever get
// appended: a released step is never edited.
#include "core/result.hpp"
#include "core/store/sqlite_db.hpp"

#include <cstdint>
#include <string>

namespace coopsync::store::sqlite {

inline constexpr std::int64_t kApplicationId = 0x436f6f70;  // "Coop"

// The newest schema version this build knows.
std::int64_t latest_schema_version();

// What the first 100 bytes of an existing file say, read without SQLite touching it.
struct HeaderInfo {
  bool empty = true;               // 0-byte file: SQLite will initialise it
  std::int64_t user_version = 0;
  std::int64_t application_id = 0;
};
// kInvalidInput naming the path when the bytes are not an SQLite database header, or are a
// database of another application, or of a newer coopsync schema.
Result<HeaderInfo> check_header(const std::string& path, const std::string& header_bytes);

// Checks the opened database (authoritative after WAL recovery) before anything is written:
// same refusals as check_header, plus "an SQLite file with tables but no coopsync marker".
Status check_opened(Db& db);

// Applies the missing steps, each in its own BEGIN IMMEDIATE transaction that also bumps
// user_version, so a crash mid-migration leaves the previous version intact and two
// processes opening a fresh store at once apply each step exactly once.
Status migrate(Db& db);

}  // namespace coopsync::store::sqlite
