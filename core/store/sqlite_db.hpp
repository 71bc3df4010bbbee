#pragma once
// A thin RAII layer over the sqlite3 C API for the SQLite store: one connection, prepared
// statements cached per SQL text, every failure turned into an Error that names the store
// file and the operation. Internal to core/store.
#include "core/result.hpp"

#include <sqlite3.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace coopsync::store::sqlite {

class Db;

// A cached prepared statement borrowed for one use: bind, step, read columns. Reset and
// unbound when it goes out of scope, so the next user starts clean.
class Stmt {
 public:
  Stmt(Db& db, sqlite3_stmt* stmt, const char* op) : db_(&db), stmt_(stmt), op_(op) {}
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;
  Stmt(Stmt&& other) noexcept;
  Stmt& operator=(Stmt&&) = delete;
  ~Stmt();

  // Parameters are 1-based, like sqlite3_bind_*. A failed bind is reported by step().
  Stmt& bind(int index, std::string_view text);
  Stmt& bind(int index, const char* text) { return bind(index, std::string_view(text)); }
  Stmt& bind(int index, const std::string& text) { return bind(index, std::string_view(text)); }
  Stmt& bind(int index, std::int64_t value);
  Stmt& bind(int index, int value) { return bind(index, static_cast<std::int64_t>(value)); }
  Stmt& bind_null(int index);
  // Empty text binds NULL (optional references such as merged_into).
  Stmt& bind_or_null(int index, const std::string& text);

  // Next row: true when a row is available, false when the statement is done.
  Result<bool> step();
  // Runs to completion, ignoring rows (INSERT/UPDATE/DELETE).
  Status run();
  // Runs to completion, collecting the first column of every row as text.
  Result<std::vector<std::string>> first_column();
  // Rows changed by the last run() (sqlite3_changes on this connection).
  std::int64_t changes() const;
  // Extended result code of the last failure (0 when none): SQLITE_CONSTRAINT_UNIQUE...
  int failure_code() const { return failure_code_; }

  std::string text(int column) const;
  std::int64_t integer(int column) const;
  bool is_null(int column) const;

 private:
  Db* db_;
  sqlite3_stmt* stmt_;
  const char* op_;
  int bind_failure_ = SQLITE_OK;
  int failure_code_ = 0;
};

class Db {
 public:
  Db(sqlite3* handle, std::string path);
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;
  ~Db();

  // A cached statement for `sql` (prepared on first use). `op` names the operation in
  // errors: "find_link".
  Result<Stmt> prepare(const char* sql, const char* op);
  // Runs one or more statements without results (DDL, BEGIN/COMMIT, PRAGMA writes).
  Status exec(const char* sql, const char* op);
  // A single integer from a one-row query (PRAGMA user_version).
  Result<std::int64_t> query_int(const char* sql, const char* op);

  // "store <path>: <op>: <sqlite message>", with the kind chosen from the result code:
  // busy/locked -> kTransient (another process holds the write lock: retry later),
  // unique violation -> kConflict, disk full -> kInternal with a plain explanation, other
  // failures -> kInternal.
  Error error(const char* op, int code) const;
  Error error(const char* op, int code, const std::string& detail) const;

  sqlite3* handle() const { return db_; }
  const std::string& path() const { return path_; }

  // Calls into SQLite (step, exec) and their summed wall time; the store's mutex guards it.
  struct Usage {
    std::int64_t calls = 0;
    std::chrono::steady_clock::duration time{};
  };
  const Usage& usage() const { return usage_; }
  void count(std::chrono::steady_clock::time_point since) {
    ++usage_.calls;
    usage_.time += std::chrono::steady_clock::now() - since;
  }

 private:
  struct Finalize {
    void operator()(sqlite3_stmt* stmt) const { sqlite3_finalize(stmt); }
  };
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  sqlite3* db_;
  std::string path_;
  Usage usage_;
  std::unordered_map<std::string, std::unique_ptr<sqlite3_stmt, Finalize>, Hash,
                     std::equal_to<>>
      cache_;
};

}  // namespace coopsync::store::sqlite
