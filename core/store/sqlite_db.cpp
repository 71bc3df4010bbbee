#include "core/store/sqlite_db.hpp"

#include <limits>

namespace coopsync::store::sqlite {

Stmt::Stmt(Stmt&& other) noexcept
    : db_(other.db_),
      stmt_(other.stmt_),
      op_(other.op_),
      bind_failure_(other.bind_failure_),
      failure_code_(other.failure_code_) {
  other.stmt_ = nullptr;
}

Stmt::~Stmt() {
  if (stmt_ != nullptr) {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }
}

Stmt& Stmt::bind(int index, std::string_view text) {
  int rc = sqlite3_bind_text64(stmt_, index, text.data(), text.size(), SQLITE_TRANSIENT,
                               SQLITE_UTF8);
  if (rc != SQLITE_OK && bind_failure_ == SQLITE_OK) bind_failure_ = rc;
  return *this;
}

Stmt& Stmt::bind(int index, std::int64_t value) {
  int rc = sqlite3_bind_int64(stmt_, index, value);
  if (rc != SQLITE_OK && bind_failure_ == SQLITE_OK) bind_failure_ = rc;
  return *this;
}

Stmt& Stmt::bind_null(int index) {
  int rc = sqlite3_bind_null(stmt_, index);
  if (rc != SQLITE_OK && bind_failure_ == SQLITE_OK) bind_failure_ = rc;
  return *this;
}

Stmt& Stmt::bind_or_null(int index, const std::string& text) {
  return text.empty() ? bind_null(index) : bind(index, text);
}

Result<bool> Stmt::step() {
  if (bind_failure_ != SQLITE_OK) {
    failure_code_ = bind_failure_;
    return db_->error(op_, bind_failure_);
  }
  const auto since = std::chrono::steady_clock::now();
  int rc = sqlite3_step(stmt_);
  db_->count(since);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  failure_code_ = sqlite3_extended_errcode(db_->handle());
  return db_->error(op_, failure_code_);
}

Status Stmt::run() {
  for (;;) {
    auto row = step();
    if (!row.ok()) return std::move(row).error();
    if (!*row) return ok_status();
  }
}

Result<std::vector<std::string>> Stmt::first_column() {
  std::vector<std::string> out;
  for (;;) {
    auto row = step();
    if (!row.ok()) return std::move(row).error();
    if (!*row) return out;
    out.push_back(text(0));
  }
}

std::int64_t Stmt::changes() const { return sqlite3_changes64(db_->handle()); }

std::string Stmt::text(int column) const {
  const unsigned char* p = sqlite3_column_text(stmt_, column);
  if (p == nullptr) return {};
  return std::string(reinterpret_cast<const char*>(p),
                     static_cast<std::size_t>(sqlite3_column_bytes(stmt_, column)));
}

std::int64_t Stmt::integer(int column) const { return sqlite3_column_int64(stmt_, column); }

bool Stmt::is_null(int column) const { return sqlite3_column_type(stmt_, column) == SQLITE_NULL; }

Db::Db(sqlite3* handle, std::string path) : db_(handle), path_(std::move(path)) {}

Db::~Db() {
  cache_.clear();  // statements are finalized before the connection closes
  sqlite3_close_v2(db_);
}

Result<Stmt> Db::prepare(const char* sql, const char* op) {
  auto it = cache_.find(std::string_view(sql));
  if (it == cache_.end()) {
    sqlite3_stmt* raw = nullptr;
    int rc = sqlite3_prepare_v3(db_, sql, -1, SQLITE_PREPARE_PERSISTENT, &raw, nullptr);
    if (rc != SQLITE_OK) {
      sqlite3_finalize(raw);
      return error(op, sqlite3_extended_errcode(db_));
    }
    it = cache_.emplace(std::string(sql), std::unique_ptr<sqlite3_stmt, Finalize>(raw)).first;
  }
  return Stmt(*this, it->second.get(), op);
}

Status Db::exec(const char* sql, const char* op) {
  char* message = nullptr;
  const auto since = std::chrono::steady_clock::now();
  int rc = sqlite3_exec(db_, sql, nullptr, nullptr, &message);
  count(since);
  if (rc == SQLITE_OK) return ok_status();
  std::string detail = message != nullptr ? message : sqlite3_errstr(rc);
  sqlite3_free(message);
  return error(op, sqlite3_extended_errcode(db_), detail);
}

Result<std::int64_t> Db::query_int(const char* sql, const char* op) {
  auto stmt = prepare(sql, op);
  if (!stmt.ok()) return std::move(stmt).error();
  auto row = stmt->step();
  if (!row.ok()) return std::move(row).error();
  if (!*row) return error(op, SQLITE_ERROR, "query returned no row");
  return stmt->integer(0);
}

Error Db::error(const char* op, int code) const {
  // The connection's message describes the last failure; a bind failure has none, so fall
  // back to the generic text of the code.
  const char* message = sqlite3_errcode(db_) == (code & 0xff) ? sqlite3_errmsg(db_)
                                                               : sqlite3_errstr(code);
  return error(op, code, message);
}

Error Db::error(const char* op, int code, const std::string& detail) const {
  std::string prefix = "store " + path_ + ": " + op + ": ";
  switch (code & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return make_error(ErrorKind::kTransient,
                        prefix + "the store is locked by another process (" + detail + ")");
    case SQLITE_FULL:
      return make_error(ErrorKind::kInternal,
                        prefix + "disk full: nothing of this change was written (" + detail + ")");
    case SQLITE_CONSTRAINT:
      if (code == SQLITE_CONSTRAINT_UNIQUE || code == SQLITE_CONSTRAINT_PRIMARYKEY) {
        return make_error(ErrorKind::kConflict, prefix + detail);
      }
      return make_error(ErrorKind::kInternal, prefix + detail);
    default:
      return make_error(ErrorKind::kInternal, prefix + detail);
  }
}

}  // namespace coopsync::store::sqlite
