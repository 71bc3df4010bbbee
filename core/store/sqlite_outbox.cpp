// The durable outbox of the SQLite store: planned writes persisted before they run.
#include "core/store/codec.hpp"
#include "core/store/sqlite_sql.hpp"
#include "core/store/sqlite_store.hpp"

namespace coopsync::store {

namespace {

Result<OutboxEntry> read_entry(const sqlite::Stmt& row, const std::string& path) {
  OutboxEntry e;
  e.id = row.integer(0);
  const std::string what = "store " + path + ": outbox entry " + std::to_string(e.id);
  e.key = row.text(1);
  e.system = row.text(2);
  auto payload = parse_stored_json(row.text(3), what);
  if (!payload.ok()) return std::move(payload).error();
  auto write = write_from_json(*payload, what);
  if (!write.ok()) return std::move(write).error();
  e.write = std::move(*write);
  e.reason = row.text(4);
  e.attempts = static_cast<int>(row.integer(5));
  e.next_attempt_at = from_millis(row.integer(6));
  e.last_error = row.text(7);
  auto state = parse_outbox_state(row.text(8));
  if (!state) return make_error(ErrorKind::kInternal, what + ": unknown state \"" + row.text(8) + "\"");
  e.state = *state;
  e.created_at = from_millis(row.integer(9));
  return e;
}

Result<std::vector<OutboxEntry>> read_entries(sqlite::Stmt& stmt, const std::string& path) {
  std::vector<OutboxEntry> out;
  for (;;) {
    auto row = stmt.step();
    if (!row.ok()) return std::move(row).error();
    if (!*row) return out;
    auto entry = read_entry(stmt, path);
    if (!entry.ok()) return std::move(entry).error();
    out.push_back(std::move(*entry));
  }
}

}  // namespace

Status SqliteStore::enqueue(const std::vector<OutboxEntry>& entries) {
  return transaction([&]() -> Status {
    const auto now_ms = to_millis(now());
    for (const OutboxEntry& entry : entries) {
      if (entry.key.empty() || entry.system.empty()) {
        return make_error(ErrorKind::kInvalidInput,
                          "outbox entry needs a key and a system (key \"" + entry.key +
                              "\", system \"" + entry.system + "\")");
      }
      Write write = entry.write;
      if (write.key.empty()) write.key = entry.key;
      if (write.key != entry.key) {
        return make_error(ErrorKind::kInvalidInput, "outbox entry " + entry.key +
                                                        ": its write has another key (" +
                                                        write.key + ")");
      }
      auto payload = dump_json(write_to_json(write), "outbox entry " + entry.key);
      if (!payload.ok()) return std::move(payload).error();
      // The unique key decides: an entry already there (pending, done or dead) stays as is.
      auto stmt = prepare(
          "INSERT INTO outbox(key, system, payload, reason, attempts, next_attempt_at, last_error,"
          " state, created_at, updated_at) VALUES(?1, ?2, ?3, ?4, 0, ?5, '', 'pending', ?6, ?6)"
          " ON CONFLICT(key) DO NOTHING",
          "enqueue");
      if (!stmt.ok()) return std::move(stmt).error();
      auto created = entry.created_at == TimePoint{} ? now_ms : to_millis(entry.created_at);
      auto st = stmt->bind(1, entry.key).bind(2, entry.system).bind(3, *payload).bind(4, entry.reason)
                    .bind(5, to_millis(entry.next_attempt_at)).bind(6, created).run();
      if (!st.ok()) return st;
    }
    return ok_status();
  });
}

Result<std::vector<OutboxEntry>> SqliteStore::due(const std::string& system, TimePoint at,
                                                  std::size_t limit) {
  std::lock_guard lock(mutex_);
  auto stmt = prepare(sqlite::sql::kDue, "due");
  if (!stmt.ok()) return std::move(stmt).error();
  stmt->bind(1, system).bind(2, to_millis(at)).bind(3, sql_limit(limit));
  return read_entries(*stmt, db_->path());
}

Result<std::vector<OutboxRef>> SqliteStore::due_refs(const std::string& system, TimePoint at) {
  std::lock_guard lock(mutex_);
  auto stmt = prepare(
      "SELECT id, key, json_extract(payload, '$.kind'), json_extract(payload, '$.entity_id')"
      " FROM outbox WHERE system = ?1 AND state = 'pending' AND next_attempt_at <= ?2"
      " ORDER BY next_attempt_at, id",
      "due_refs");
  if (!stmt.ok()) return std::move(stmt).error();
  stmt->bind(1, system).bind(2, to_millis(at));
  std::vector<OutboxRef> out;
  for (;;) {
    auto row = stmt->step();
    if (!row.ok()) return std::move(row).error();
    if (!*row) return out;
    OutboxRef r;
    r.id = stmt->integer(0);
    r.key = stmt->text(1);
    auto kind = parse_entity_kind(stmt->text(2));
    if (!kind) {
      return make_error(ErrorKind::kInternal, "store " + db_->path() + ": outbox entry " +
                                                  std::to_string(r.id) + ": unknown kind \"" +
                                                  stmt->text(2) + "\"");
    }
    r.kind = *kind;
    r.entity_id = stmt->text(3);
    out.push_back(std::move(r));
  }
}

Result<std::vector<OutboxEntry>> SqliteStore::outbox_entries(const std::vector<std::int64_t>& ids) {
  std::lock_guard lock(mutex_);
  std::vector<OutboxEntry> out;
  out.reserve(ids.size());
  for (const auto id : ids) {
    auto stmt = prepare(
        "SELECT id, key, system, payload, reason, attempts, next_attempt_at, last_error, state,"
        " created_at FROM outbox WHERE id = ?1",
        "outbox_entries");
    if (!stmt.ok()) return std::move(stmt).error();
    stmt->bind(1, id);
    auto found = read_entries(*stmt, db_->path());
    if (!found.ok()) return std::move(found).error();
    for (auto& e : *found) out.push_back(std::move(e));
  }
  return out;
}

Result<std::vector<OutboxEntry>> SqliteStore::list_outbox(std::optional<OutboxState> state,
                                                          std::size_t limit) {
  std::lock_guard lock(mutex_);
  auto stmt = state ? prepare(
                          "SELECT id, key, system, payload, reason, attempts, next_attempt_at,"
                          " last_error, state, created_at FROM outbox WHERE state = ?1"
                          " ORDER BY id LIMIT ?2",
                          "list_outbox")
                    : prepare(
                          "SELECT id, key, system, payload, reason, attempts, next_attempt_at,"
                          " last_error, state, created_at FROM outbox ORDER BY id LIMIT ?2",
                          "list_outbox");
  if (!stmt.ok()) return std::move(stmt).error();
  if (state) stmt->bind(1, to_string(*state));
  stmt->bind(2, sql_limit(limit));
  return read_entries(*stmt, db_->path());
}

Result<std::optional<OutboxEntry>> SqliteStore::get_outbox(std::int64_t id) {
  std::lock_guard lock(mutex_);
  auto stmt = prepare(
      "SELECT id, key, system, payload, reason, attempts, next_attempt_at, last_error, state,"
      " created_at FROM outbox WHERE id = ?1",
      "get_outbox");
  if (!stmt.ok()) return std::move(stmt).error();
  stmt->bind(1, id);
  auto entries = read_entries(*stmt, db_->path());
  if (!entries.ok()) return std::move(entries).error();
  if (entries->empty()) return std::optional<OutboxEntry>();
  return std::optional<OutboxEntry>(std::move(entries->front()));
}

Status SqliteStore::mark_done(std::int64_t id) {
  std::lock_guard lock(mutex_);
  auto stmt = prepare("UPDATE outbox SET state = 'done', last_error = '', updated_at = ?2 WHERE id = ?1",
                      "mark_done");
  if (!stmt.ok()) return std::move(stmt).error();
  if (auto st = stmt->bind(1, id).bind(2, to_millis(now())).run(); !st.ok()) return st;
  if (stmt->changes() == 0) {
    return make_error(ErrorKind::kNotFound, "outbox entry " + std::to_string(id) + " does not exist");
  }
  return ok_status();
}

Status SqliteStore::mark_failed(std::int64_t id, const std::string& error, TimePoint next_attempt,
                                bool dead) {
  std::lock_guard lock(mutex_);
  auto stmt = prepare(
      "UPDATE outbox SET attempts = attempts + 1, last_error = ?2, next_attempt_at = ?3,"
      " state = CASE WHEN ?4 THEN 'dead' ELSE 'pending' END, updated_at = ?5"
      " WHERE id = ?1 AND state = 'pending'",
      "mark_failed");
  if (!stmt.ok()) return std::move(stmt).error();
  auto st = stmt->bind(1, id).bind(2, error).bind(3, to_millis(next_attempt)).bind(4, dead ? 1 : 0)
                .bind(5, to_millis(now())).run();
  if (!st.ok()) return st;
  if (stmt->changes() == 0) {
    auto entry = get_outbox(id);
    if (!entry.ok()) return std::move(entry).error();
    if (!*entry) {
      return make_error(ErrorKind::kNotFound, "outbox entry " + std::to_string(id) + " does not exist");
    }
    return make_error(ErrorKind::kInvalidInput, "outbox entry " + std::to_string(id) + " is " +
                                                    to_string((*entry)->state) + ", not pending");
  }
  return ok_status();
}

Status SqliteStore::retry_dead(std::int64_t id) {
  std::lock_guard lock(mutex_);
  auto stmt = prepare(
      "UPDATE outbox SET state = 'pending', attempts = 0, next_attempt_at = ?2, updated_at = ?2"
      " WHERE id = ?1 AND state = 'dead'",
      "retry_dead");
  if (!stmt.ok()) return std::move(stmt).error();
  if (auto st = stmt->bind(1, id).bind(2, to_millis(now())).run(); !st.ok()) return st;
  if (stmt->changes() == 0) {
    auto entry = get_outbox(id);
    if (!entry.ok()) return std::move(entry).error();
    if (!*entry) {
      return make_error(ErrorKind::kNotFound, "outbox entry " + std::to_string(id) + " does not exist");
    }
    return make_error(ErrorKind::kInvalidInput, "outbox entry " + std::to_string(id) + " is " +
                                                    to_string((*entry)->state) + ", not dead");
  }
  return ok_status();
}

Result<std::size_t> SqliteStore::count_outbox(const std::string& system, OutboxState state) {
  std::lock_guard lock(mutex_);
  // An empty system counts across all systems.
  auto stmt = system.empty()
                  ? prepare("SELECT count(*) FROM outbox WHERE state = ?2", "count_outbox")
                  : prepare("SELECT count(*) FROM outbox WHERE system = ?1 AND state = ?2",
                            "count_outbox");
  if (!stmt.ok()) return std::move(stmt).error();
  if (!system.empty()) stmt->bind(1, system);
  stmt->bind(2, to_string(state));
  auto row = stmt->step();
  if (!row.ok()) return std::move(row).error();
  if (!*row) return db_->error("count_outbox", SQLITE_ERROR, "count returned no row");
  return static_cast<std::size_t>(stmt->integer(0));
}

Status SqliteStore::drop_outbox_entry(std::int64_t id) {
  std::lock_guard lock(mutex_);
  auto stmt = prepare("DELETE FROM outbox WHERE id = ?1", "drop_outbox_entry");
  if (!stmt.ok()) return std::move(stmt).error();
  return stmt->bind(1, id).run();
}

Result<std::vector<OutboxEntry>> SqliteStore::open_outbox_of(const std::string& system,
                                                             const std::string& entity_id) {
  std::lock_guard lock(mutex_);
  // outbox_due narrows to the system's open entries, usually few, before the payload is read.
  auto stmt = prepare(
      "SELECT id, key, system, payload, reason, attempts, next_attempt_at, last_error, state,"
      " created_at FROM outbox WHERE system = ?1 AND state IN ('pending', 'dead')"
      " AND json_extract(payload, '$.entity_id') = ?2 ORDER BY id",
      "open_outbox_of");
  if (!stmt.ok()) return std::move(stmt).error();
  stmt->bind(1, system).bind(2, entity_id);
  return read_entries(*stmt, db_->path());
}

Result<std::vector<std::string>> SqliteStore::maybe_landed(const std::string& system,
                                                         EntityKind kind) {
  std::lock_guard lock(mutex_);
  auto stmt = prepare(
      "SELECT DISTINCT json_extract(payload, '$.entity_id') FROM outbox"
      " WHERE system = ?1 AND state = 'pending' AND json_extract(payload, '$.kind') = ?2"
      " AND ((attempts > 0 AND json_extract(payload, '$.op') = 'create')"
      "   OR (json_extract(payload, '$.op') IN ('delete', 'disable')"
      "       AND json_extract(payload, '$.external_id') = ''))",
      "maybe_landed");
  if (!stmt.ok()) return std::move(stmt).error();
  stmt->bind(1, system).bind(2, std::string(to_string(kind)));
  return stmt->first_column();
}

}  // namespace coopsync::store
