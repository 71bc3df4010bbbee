// Identity keys, snapshots and cursors of the SQLite store.
#include "core/store/codec.hpp"
#include "core/store/sqlite_sql.hpp"
#include "core/store/sqlite_store.hpp"

namespace coopsync::store {

namespace {

Result<Snapshot> read_snapshot(const sqlite::Stmt& row, const std::string& path) {
  Snapshot snap;
  snap.entity_id = row.text(0);
  auto kind = parse_entity_kind(row.text(1));
  if (!kind) {
    return make_error(ErrorKind::kInternal,
                      "store " + path + ": snapshot of " + snap.entity_id + " has an unknown kind");
  }
  snap.kind = *kind;
  auto fields = parse_stored_json(row.text(2), "store " + path + ": snapshot of " + snap.entity_id);
  if (!fields.ok()) return std::move(fields).error();
  snap.fields = std::move(*fields);
  snap.updated_at = from_millis(row.integer(3));
  return snap;
}

// Every remaining row of a statement selecting (entity_id, kind, fields, updated_at).
Result<std::vector<Snapshot>> read_snapshots(sqlite::Stmt& stmt, const std::string& path) {
  std::vector<Snapshot> out;
  for (;;) {
    auto row = stmt.step();
    if (!row.ok()) return std::move(row).error();
    if (!*row) return out;
    auto snap = read_snapshot(stmt, path);
    if (!snap.ok()) return std::move(snap).error();
    out.push_back(std::move(*snap));
  }
}

}  // namespace

// --- identity keys ------------------------------------------------------------------

Status SqliteStore::set_identity_keys(const std::string& entity_id, EntityKind kind,
                                      const std::vector<std::pair<std::string, std::string>>& keys) {
  return transaction([&]() -> Status {
    auto clear = prepare("DELETE FROM identity_keys WHERE entity_id = ?1", "set_identity_keys");
    if (!clear.ok()) return std::move(clear).error();
    if (auto st = clear->bind(1, entity_id).run(); !st.ok()) return st;
    for (const auto& [key, value] : keys) {
      if (key.empty() || value.empty()) continue;  // an absent email is not a key
      auto insert = prepare(
          "INSERT INTO identity_keys(entity_id, kind, key, value) VALUES(?1, ?2, ?3, ?4)"
          " ON CONFLICT DO NOTHING",
          "set_identity_keys");
      if (!insert.ok()) return std::move(insert).error();
      auto st = insert->bind(1, entity_id).bind(2, to_string(kind)).bind(3, key).bind(4, value).run();
      if (!st.ok()) {
        if (insert->failure_code() == SQLITE_CONSTRAINT_FOREIGNKEY) {
          return make_error(ErrorKind::kNotFound,
                            "cannot set identity keys: entity " + entity_id + " does not exist");
        }
        return st;
      }
    }
    return ok_status();
  });
}

Result<std::vector<std::string>> SqliteStore::match_identity(EntityKind kind, const std::string& key,
                                                             const std::string& value) {
  std::lock_guard lock(mutex_);
  auto stmt = prepare(sqlite::sql::kMatchIdentity, "match_identity");
  if (!stmt.ok()) return std::move(stmt).error();
  stmt->bind(1, to_string(kind)).bind(2, key).bind(3, value);
  std::vector<std::string> ids;
  for (;;) {
    auto row = stmt->step();
    if (!row.ok()) return std::move(row).error();
    if (!*row) return ids;
    ids.push_back(stmt->text(0));
  }
}

// --- snapshots ----------------------------------------------------------------------

Result<std::optional<Snapshot>> SqliteStore::get_snapshot(const std::string& entity_id) {
  std::lock_guard lock(mutex_);
  auto stmt = prepare("SELECT entity_id, kind, fields, updated_at FROM snapshots WHERE entity_id = ?1",
                      "get_snapshot");
  if (!stmt.ok()) return std::move(stmt).error();
  stmt->bind(1, entity_id);
  auto row = stmt->step();
  if (!row.ok()) return std::move(row).error();
  if (!*row) return std::optional<Snapshot>();
  auto snap = read_snapshot(*stmt, db_->path());
  if (!snap.ok()) return std::move(snap).error();
  return std::optional<Snapshot>(std::move(*snap));
}

Status SqliteStore::put_snapshot(const Snapshot& snapshot) {
  std::lock_guard lock(mutex_);
  auto fields = dump_json(snapshot.fields, "snapshot of entity " + snapshot.entity_id);
  if (!fields.ok()) return std::move(fields).error();
  auto stmt = prepare(
      "INSERT INTO snapshots(entity_id, kind, fields, updated_at) VALUES(?1, ?2, ?3, ?4)"
      " ON CONFLICT(entity_id) DO UPDATE SET kind = excluded.kind, fields = excluded.fields,"
      " updated_at = excluded.updated_at",
      "put_snapshot");
  if (!stmt.ok()) return std::move(stmt).error();
  auto at = snapshot.updated_at == TimePoint{} ? now() : snapshot.updated_at;
  auto st = stmt->bind(1, snapshot.entity_id).bind(2, to_string(snapshot.kind)).bind(3, *fields)
                .bind(4, to_millis(at)).run();
  if (!st.ok() && stmt->failure_code() == SQLITE_CONSTRAINT_FOREIGNKEY) {
    return make_error(ErrorKind::kNotFound,
                      "cannot store the snapshot: entity " + snapshot.entity_id + " does not exist");
  }
  return st;
}

Result<std::vector<Snapshot>> SqliteStore::snapshots_of(EntityKind kind) {
  std::lock_guard lock(mutex_);
  auto stmt = prepare(
      "SELECT entity_id, kind, fields, updated_at FROM snapshots WHERE kind = ?1 ORDER BY entity_id",
      "snapshots_of");
  if (!stmt.ok()) return std::move(stmt).error();
  stmt->bind(1, to_string(kind));
  return read_snapshots(*stmt, db_->path());
}

Result<std::vector<Snapshot>> SqliteStore::snapshots_of(EntityKind kind, const std::string& after,
                                                       std::size_t limit) {
  std::lock_guard lock(mutex_);
  auto stmt = prepare(
      "SELECT entity_id, kind, fields, updated_at FROM snapshots WHERE kind = ?1 AND entity_id > ?2"
      " ORDER BY entity_id LIMIT ?3",
      "snapshots_of_page");
  if (!stmt.ok()) return std::move(stmt).error();
  stmt->bind(1, to_string(kind)).bind(2, after).bind(3, static_cast<std::int64_t>(limit));
  return read_snapshots(*stmt, db_->path());
}

// --- planning marks (set by the schema's triggers) -------------------------------------

Result<std::vector<PlanMark>> SqliteStore::plan_marks() {
  std::lock_guard lock(mutex_);
  auto stmt = prepare("SELECT entity_id, kind, joins FROM plan_marks ORDER BY entity_id", "plan_marks");
  if (!stmt.ok()) return std::move(stmt).error();
  std::vector<PlanMark> out;
  for (;;) {
    auto row = stmt->step();
    if (!row.ok()) return std::move(row).error();
    if (!*row) return out;
    auto kind = parse_entity_kind(stmt->text(1));
    if (!kind) {
      return make_error(ErrorKind::kInternal, "store " + db_->path() + ": planning mark of " +
                                                  stmt->text(0) + " has an unknown kind");
    }
    out.push_back(PlanMark{stmt->text(0), *kind, stmt->integer(2) != 0});
  }
}

Status SqliteStore::clear_plan_marks(const std::vector<std::string>& entity_ids) {
  return transaction([&]() -> Status {
    for (const auto& id : entity_ids) {
      auto stmt = prepare("DELETE FROM plan_marks WHERE entity_id = ?1", "clear_plan_marks");
      if (!stmt.ok()) return std::move(stmt).error();
      if (auto st = stmt->bind(1, id).run(); !st.ok()) return st;
    }
    return ok_status();
  });
}

Result<std::vector<std::string>> SqliteStore::referencing_marked(EntityKind kind, const std::string& ref_field) {
  std::lock_guard lock(mutex_);
  auto stmt = prepare(
      "SELECT entity_id FROM snapshots WHERE kind = ?1"
      " AND json_extract(fields, ?2) IN (SELECT entity_id FROM plan_marks WHERE joins = 1)"
      " ORDER BY entity_id",
      "referencing_marked");
  if (!stmt.ok()) return std::move(stmt).error();
  const std::string path = "$.\"" + ref_field + "\"";
  stmt->bind(1, to_string(kind)).bind(2, path);
  return stmt->first_column();
}

// --- cursors ------------------------------------------------------------------------

Result<std::string> SqliteStore::get_cursor(const std::string& system, const std::string& stream) {
  std::lock_guard lock(mutex_);
  auto stmt = prepare("SELECT value FROM cursors WHERE system = ?1 AND stream = ?2", "get_cursor");
  if (!stmt.ok()) return std::move(stmt).error();
  stmt->bind(1, system).bind(2, stream);
  auto row = stmt->step();
  if (!row.ok()) return std::move(row).error();
  if (!*row) return std::string();  // never synced: start from the beginning
  return stmt->text(0);
}

Status SqliteStore::set_cursor(const std::string& system, const std::string& stream,
                               const std::string& value) {
  std::lock_guard lock(mutex_);
  auto stmt = prepare(
      "INSERT INTO cursors(system, stream, value, updated_at) VALUES(?1, ?2, ?3, ?4)"
      " ON CONFLICT(system, stream) DO UPDATE SET value = excluded.value,"
      " updated_at = excluded.updated_at",
      "set_cursor");
  if (!stmt.ok()) return std::move(stmt).error();
  return stmt->bind(1, system).bind(2, stream).bind(3, value).bind(4, to_millis(now())).run();
}

}  // namespace coopsync::store
