#include "core/store/migrations.hpp"

#include "core/util/uuid.hpp"

#include <chrono>
#include <cstring>
#include <exception>
#include <string>

namespace coopsync::store::sqlite {

namespace {

struct Migration {
  std::int64_t version;
  const char* sql;
};

// Timestamps are INTEGER milliseconds since the Unix epoch (UTC); JSON columns are TEXT.
// Links are unique both ways: the primary key (system, kind, external_id) and
// the unique index (entity_id, system) — an entity has one kind, so (entity, system) is
// enough.
constexpr const char* kSchema1 = R"sql(
CREATE TABLE meta (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
) STRICT, WITHOUT ROWID;

CREATE TABLE entities (
  id          TEXT PRIMARY KEY,
  kind        TEXT NOT NULL,
  merged_into TEXT,
  created_at  INTEGER NOT NULL
) STRICT, WITHOUT ROWID;

CREATE TABLE links (
  system        TEXT NOT NULL,
  kind          TEXT NOT NULL,
  external_id   TEXT NOT NULL,
  entity_id     TEXT NOT NULL REFERENCES entities(id) ON DELETE CASCADE,
  version       TEXT NOT NULL DEFAULT '',
  hash          TEXT NOT NULL DEFAULT '',
  rule          TEXT NOT NULL DEFAULT '',
  matched_value TEXT NOT NULL DEFAULT '',
  created_at    INTEGER NOT NULL,
  updated_at    INTEGER NOT NULL,
  PRIMARY KEY (system, kind, external_id)
) STRICT, WITHOUT ROWID;
CREATE UNIQUE INDEX links_entity_system ON links(entity_id, system);

CREATE TABLE identity_keys (
  entity_id TEXT NOT NULL REFERENCES entities(id) ON DELETE CASCADE,
  kind      TEXT NOT NULL,
  key       TEXT NOT NULL,
  value     TEXT NOT NULL,
  PRIMARY KEY (entity_id, key, value)
) STRICT, WITHOUT ROWID;
CREATE INDEX identity_keys_match ON identity_keys(kind, key, value, entity_id);

CREATE TABLE snapshots (
  entity_id  TEXT PRIMARY KEY REFERENCES entities(id) ON DELETE CASCADE,
  kind       TEXT NOT NULL,
  fields     TEXT NOT NULL,
  updated_at INTEGER NOT NULL
) STRICT;
CREATE INDEX snapshots_kind ON snapshots(kind, entity_id);

CREATE TABLE cursors (
  system     TEXT NOT NULL,
  stream     TEXT NOT NULL,
  value      TEXT NOT NULL,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (system, stream)
) STRICT, WITHOUT ROWID;

CREATE TABLE outbox (
  id              INTEGER PRIMARY KEY AUTOINCREMENT,
  key             TEXT NOT NULL UNIQUE,
  system          TEXT NOT NULL,
  payload         TEXT NOT NULL,
  reason          TEXT NOT NULL DEFAULT '',
  attempts        INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER NOT NULL,
  last_error      TEXT NOT NULL DEFAULT '',
  state           TEXT NOT NULL CHECK (state IN ('pending', 'done', 'dead')),
  created_at      INTEGER NOT NULL,
  updated_at      INTEGER NOT NULL
) STRICT;
CREATE INDEX outbox_due ON outbox(system, state, next_attempt_at);
CREATE INDEX outbox_state ON outbox(state, id);

CREATE TABLE conflicts (
  id          INTEGER PRIMARY KEY AUTOINCREMENT,
  kind        TEXT NOT NULL,
  system      TEXT NOT NULL,
  external_id TEXT NOT NULL,
  candidates  TEXT NOT NULL,
  reason      TEXT NOT NULL,
  details     TEXT NOT NULL,
  resolved    INTEGER NOT NULL DEFAULT 0,
  resolution  TEXT NOT NULL DEFAULT '',
  created_at  INTEGER NOT NULL,
  updated_at  INTEGER NOT NULL,
  resolved_at INTEGER
) STRICT;
-- One open conflict per record and reason: raising it again on the next pass refreshes it.
CREATE UNIQUE INDEX conflicts_open ON conflicts(kind, system, external_id, reason)
  WHERE resolved = 0;
CREATE INDEX conflicts_resolved ON conflicts(resolved, id);

CREATE TABLE audit (
  id          INTEGER PRIMARY KEY AUTOINCREMENT,
  at          INTEGER NOT NULL,
  entity_id   TEXT NOT NULL,
  action      TEXT NOT NULL,
  from_system TEXT NOT NULL DEFAULT '',
  to_system   TEXT NOT NULL DEFAULT '',
  details     TEXT NOT NULL
) STRICT;
CREATE INDEX audit_entity ON audit(entity_id, id);
-- Append-only, enforced by the database itself and not only by the API.
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
  BEGIN SELECT RAISE(ABORT, 'audit is append-only'); END;
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
  BEGIN SELECT RAISE(ABORT, 'audit is append-only'); END;

CREATE TABLE state (
  system     TEXT NOT NULL,
  key        TEXT NOT NULL,
  value      TEXT NOT NULL,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (system, key)
) STRICT, WITHOUT ROWID;

CREATE TABLE leases (
  name        TEXT PRIMARY KEY,
  holder      TEXT NOT NULL,
  expires_at  INTEGER NOT NULL,
  acquired_at INTEGER NOT NULL
) STRICT, WITHOUT ROWID;

CREATE TABLE forgotten (
  hash       TEXT PRIMARY KEY,
  created_at INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
)sql";

// GDPR erasure is the one change the audit allows: the details of an erased person's
// entries (which may hold field values) become {"erased":true}; nothing else may change.
constexpr const char* kSchema2 = R"sql(
DROP TRIGGER audit_no_update;
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
  WHEN NOT (NEW.details = '{"erased":true}' AND NEW.id = OLD.id AND NEW.at = OLD.at
            AND NEW.entity_id = OLD.entity_id AND NEW.action = OLD.action
            AND NEW.from_system = OLD.from_system AND NEW.to_system = OLD.to_system)
  BEGIN SELECT RAISE(ABORT, 'audit is append-only'); END;
)sql";

// Planning marks (Store::plan_marks): the triggers mark an entity whenever what its plan
// is made of changes, whoever changes it (a pass, `conflicts resolve`, `links split`...).
// Rewriting a row with the same content marks nothing; a link's version alone (the record
// read again, same content) marks nothing either: the plan compares hashes, and apply
// takes the version from the link when it writes. An existing store starts with every
// entity marked: its first pass after the upgrade plans everything. (`INSERT ... WHERE NOT
// EXISTS` rather than OR IGNORE: in a trigger, the conflict clause of the statement that
// fired it would override the trigger's own.)
constexpr const char* kSchema3 = R"sql(
CREATE TABLE plan_marks (
  entity_id TEXT PRIMARY KEY,
  kind      TEXT NOT NULL,
  joins     INTEGER NOT NULL DEFAULT 1
) STRICT, WITHOUT ROWID;

CREATE TRIGGER plan_mark_snapshot_insert AFTER INSERT ON snapshots
  BEGIN
    INSERT INTO plan_marks SELECT NEW.entity_id, NEW.kind, 1
      WHERE NOT EXISTS (SELECT 1 FROM plan_marks WHERE entity_id = NEW.entity_id);
    UPDATE plan_marks SET joins = 1 WHERE entity_id = NEW.entity_id AND joins = 0;
  END;
CREATE TRIGGER plan_mark_snapshot_update AFTER UPDATE ON snapshots
  WHEN OLD.fields IS NOT NEW.fields OR OLD.kind IS NOT NEW.kind
  BEGIN
    INSERT INTO plan_marks SELECT NEW.entity_id, NEW.kind, 1
      WHERE NOT EXISTS (SELECT 1 FROM plan_marks WHERE entity_id = NEW.entity_id);
    UPDATE plan_marks SET joins = 1 WHERE entity_id = NEW.entity_id AND joins = 0;
  END;
CREATE TRIGGER plan_mark_link_insert AFTER INSERT ON links
  BEGIN
    INSERT INTO plan_marks SELECT NEW.entity_id, NEW.kind, 1
      WHERE NOT EXISTS (SELECT 1 FROM plan_marks WHERE entity_id = NEW.entity_id);
    UPDATE plan_marks SET joins = 1 WHERE entity_id = NEW.entity_id AND joins = 0;
  END;
CREATE TRIGGER plan_mark_link_update AFTER UPDATE ON links
  WHEN OLD.hash IS NOT NEW.hash OR OLD.entity_id IS NOT NEW.entity_id
    OR OLD.external_id IS NOT NEW.external_id
  BEGIN
    INSERT INTO plan_marks SELECT OLD.entity_id, OLD.kind, (OLD.entity_id IS NOT NEW.entity_id)
      WHERE NOT EXISTS (SELECT 1 FROM plan_marks WHERE entity_id = OLD.entity_id);
    UPDATE plan_marks SET joins = 1 WHERE entity_id = OLD.entity_id AND joins = 0 AND (OLD.entity_id IS NOT NEW.entity_id);
    INSERT INTO plan_marks SELECT NEW.entity_id, NEW.kind, (OLD.entity_id IS NOT NEW.entity_id)
      WHERE NOT EXISTS (SELECT 1 FROM plan_marks WHERE entity_id = NEW.entity_id);
    UPDATE plan_marks SET joins = 1 WHERE entity_id = NEW.entity_id AND joins = 0 AND (OLD.entity_id IS NOT NEW.entity_id);
  END;
CREATE TRIGGER plan_mark_link_delete AFTER DELETE ON links
  BEGIN
    INSERT INTO plan_marks SELECT OLD.entity_id, OLD.kind, 1
      WHERE NOT EXISTS (SELECT 1 FROM plan_marks WHERE entity_id = OLD.entity_id);
    UPDATE plan_marks SET joins = 1 WHERE entity_id = OLD.entity_id AND joins = 0;
  END;
CREATE TRIGGER plan_mark_entity_update AFTER UPDATE ON entities
  WHEN OLD.merged_into IS NOT NEW.merged_into
  BEGIN
    INSERT INTO plan_marks SELECT NEW.id, NEW.kind, 1
      WHERE NOT EXISTS (SELECT 1 FROM plan_marks WHERE entity_id = NEW.id);
    UPDATE plan_marks SET joins = 1 WHERE entity_id = NEW.id AND joins = 0;
  END;
CREATE TRIGGER plan_mark_conflict_insert AFTER INSERT ON conflicts
  BEGIN
    INSERT INTO plan_marks SELECT DISTINCT e.id, e.kind, 1 FROM json_each(NEW.candidates) AS c
      JOIN entities AS e ON e.id = c.value
      WHERE NOT EXISTS (SELECT 1 FROM plan_marks WHERE entity_id = e.id);
    UPDATE plan_marks SET joins = 1
      WHERE joins = 0 AND entity_id IN (SELECT value FROM json_each(NEW.candidates));
  END;
CREATE TRIGGER plan_mark_conflict_update AFTER UPDATE ON conflicts
  WHEN OLD.resolved IS NOT NEW.resolved OR OLD.candidates IS NOT NEW.candidates
  BEGIN
    INSERT INTO plan_marks SELECT DISTINCT e.id, e.kind, 1 FROM json_each(OLD.candidates) AS c
      JOIN entities AS e ON e.id = c.value
      WHERE NOT EXISTS (SELECT 1 FROM plan_marks WHERE entity_id = e.id);
    UPDATE plan_marks SET joins = 1
      WHERE joins = 0 AND entity_id IN (SELECT value FROM json_each(OLD.candidates));
    INSERT INTO plan_marks SELECT DISTINCT e.id, e.kind, 1 FROM json_each(NEW.candidates) AS c
      JOIN entities AS e ON e.id = c.value
      WHERE NOT EXISTS (SELECT 1 FROM plan_marks WHERE entity_id = e.id);
    UPDATE plan_marks SET joins = 1
      WHERE joins = 0 AND entity_id IN (SELECT value FROM json_each(NEW.candidates));
  END;

INSERT INTO plan_marks SELECT entity_id, kind, 1 FROM snapshots;
)sql";

constexpr Migration kMigrations[] = {
    {1, kSchema1},
    {2, kSchema2},
    {3, kSchema3},
};

std::int64_t read_be32(const std::string& bytes, std::size_t offset) {
  std::uint32_t v = 0;
  for (std::size_t i = 0; i < 4; ++i) {
    v = (v << 8) | static_cast<unsigned char>(bytes[offset + i]);
  }
  return static_cast<std::int32_t>(v);
}

Error newer_schema(const std::string& path, std::int64_t version) {
  return make_error(ErrorKind::kInvalidInput,
                    "store " + path + " has schema version " + std::to_string(version) +
                        ", this coopsync knows up to " + std::to_string(latest_schema_version()) +
                        "; upgrade coopsync to use it");
}

Error not_ours(const std::string& path, const std::string& why) {
  return make_error(ErrorKind::kInvalidInput,
                    "store " + path + " is not a coopsync store: " + why);
}

// Refusals shared by the raw header check and the opened-database check.
Status check_versions(const std::string& path, std::int64_t user_version,
                      std::int64_t application_id) {
  if (application_id != 0 && application_id != kApplicationId) {
    return not_ours(path, "it is an SQLite database of another application (application_id " +
                              std::to_string(application_id) + ")");
  }
  if (application_id == 0 && user_version != 0) {
    return not_ours(path, "it is an SQLite database without the coopsync marker (user_version " +
                              std::to_string(user_version) + ")");
  }
  if (user_version > latest_schema_version() || user_version < 0) {
    return newer_schema(path, user_version);
  }
  return ok_status();
}

// Store-level facts written once, in the same transaction as the first schema step.
Status seed_meta(Db& db) {
  std::string salt;
  std::string store_id;
  try {
    salt = util::random_hex(32);
    store_id = util::uuid_v4();
  } catch (const std::exception& e) {
    return db.error("create salt", SQLITE_ERROR, e.what());
  }
  auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                 std::chrono::system_clock::now().time_since_epoch())
                 .count();
  const std::pair<const char*, std::string> rows[] = {
      {"salt", salt}, {"store_id", store_id}, {"created_at", std::to_string(now)}};
  for (const auto& [key, value] : rows) {
    auto stmt = db.prepare("INSERT INTO meta(key, value) VALUES(?1, ?2) ON CONFLICT DO NOTHING",
                           "migrate: seed meta");
    if (!stmt.ok()) return std::move(stmt).error();
    if (auto st = stmt->bind(1, key).bind(2, value).run(); !st.ok()) return st;
  }
  return ok_status();
}

Status apply_step(Db& db, const Migration& step) {
  if (auto st = db.exec("BEGIN IMMEDIATE", "migrate: begin"); !st.ok()) return st;
  auto fail = [&](Status st) {
    if (sqlite3_get_autocommit(db.handle()) == 0) (void)db.exec("ROLLBACK", "migrate: rollback");
    return st;
  };
  // Re-read inside the write lock: another process may have applied it meanwhile.
  auto current = db.query_int("PRAGMA user_version", "migrate: read schema version");
  if (!current.ok()) return fail(std::move(current).error());
  if (*current >= step.version) return fail(ok_status());
  if (*current != step.version - 1) {
    return fail(db.error("migrate", SQLITE_ERROR,
                         "schema version " + std::to_string(*current) + " cannot go to " +
                             std::to_string(step.version)));
  }
  std::string op = "migrate to schema version " + std::to_string(step.version);
  if (auto st = db.exec(step.sql, op.c_str()); !st.ok()) return fail(st);
  if (step.version == 1) {
    if (auto st = seed_meta(db); !st.ok()) return fail(st);
  }
  std::string pragmas = "PRAGMA application_id = " + std::to_string(kApplicationId) +
                        "; PRAGMA user_version = " + std::to_string(step.version) + ";";
  if (auto st = db.exec(pragmas.c_str(), op.c_str()); !st.ok()) return fail(st);
  if (auto st = db.exec("COMMIT", op.c_str()); !st.ok()) return fail(st);
  return ok_status();
}

}  // namespace

std::int64_t latest_schema_version() {
  return kMigrations[std::size(kMigrations) - 1].version;
}

Result<HeaderInfo> check_header(const std::string& path, const std::string& header_bytes) {
  HeaderInfo info;
  if (header_bytes.empty()) return info;
  info.empty = false;
  static constexpr char kMagic[] = "SQLite format 3";  // 16 bytes with its NUL
  if (header_bytes.size() < 100 || std::memcmp(header_bytes.data(), kMagic, sizeof kMagic) != 0) {
    return not_ours(path, "it is not an SQLite database (no SQLite header); nothing was written");
  }
  info.user_version = read_be32(header_bytes, 60);
  info.application_id = read_be32(header_bytes, 68);
  if (auto st = check_versions(path, info.user_version, info.application_id); !st.ok()) {
    return std::move(st).error();
  }
  return info;
}

namespace {
Status check_opened_snapshot(Db& db) {
  auto version = db.query_int("PRAGMA user_version", "read schema version");
  if (!version.ok()) return std::move(version).error();
  auto app = db.query_int("PRAGMA application_id", "read application id");
  if (!app.ok()) return std::move(app).error();
  if (auto st = check_versions(db.path(), *version, *app); !st.ok()) return st;
  if (*version == 0) {
    auto tables = db.query_int("SELECT count(*) FROM sqlite_schema", "inspect schema");
    if (!tables.ok()) return std::move(tables).error();
    if (*tables != 0) {
      return not_ours(db.path(), "it is an SQLite database with tables but no coopsync marker");
    }
  }
  return ok_status();
}
}  // namespace

// The reads share one read transaction: read one by one, a process migrating the fresh file
// between them made it look like a foreign database with tables and no version.
Status check_opened(Db& db) {
  if (auto st = db.exec("BEGIN", "inspect: begin"); !st.ok()) return st;
  Status st = check_opened_snapshot(db);
  if (sqlite3_get_autocommit(db.handle()) == 0) {
    Status end = db.exec("COMMIT", "inspect: end");
    if (st.ok()) st = std::move(end);
  }
  return st;
}

Status migrate(Db& db) {
  auto current = db.query_int("PRAGMA user_version", "read schema version");
  if (!current.ok()) return std::move(current).error();
  for (const Migration& step : kMigrations) {
    if (step.version <= *current) continue;
    if (auto st = apply_step(db, step); !st.ok()) return st;
  }
  return ok_status();
}

}  // namespace coopsync::store::sqlite
