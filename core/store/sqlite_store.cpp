// Entities and links of the SQLite store.
#include "core/store/sqlite_store.hpp"

#include "core/store/codec.hpp"
#include "core/store/sqlite_sql.hpp"
#include "core/util/uuid.hpp"

#include <exception>

namespace coopsync::store {

namespace {

Result<Link> read_link(const sqlite::Stmt& row, const std::string& path) {
  Link link;
  link.system = row.text(0);
  std::string kind = row.text(1);
  auto parsed = parse_entity_kind(kind);
  if (!parsed) {
    return make_error(ErrorKind::kInternal, "store " + path + ": link has unknown kind \"" + kind + "\"");
  }
  link.kind = *parsed;
  link.external_id = row.text(2);
  link.entity_id = row.text(3);
  link.version = row.text(4);
  link.hash = row.text(5);
  link.rule = row.text(6);
  link.matched_value = row.text(7);
  link.created_at = from_millis(row.integer(8));
  return link;
}

Result<std::vector<Link>> read_links(sqlite::Stmt& stmt, const std::string& path) {
  std::vector<Link> out;
  for (;;) {
    auto row = stmt.step();
    if (!row.ok()) return std::move(row).error();
    if (!*row) return out;
    auto link = read_link(stmt, path);
    if (!link.ok()) return std::move(link).error();
    out.push_back(std::move(*link));
  }
}

std::string describe(const std::string& system, EntityKind kind, const std::string& external_id) {
  return system + " " + to_string(kind) + " " + external_id;
}

}  // namespace

// --- entities -----------------------------------------------------------------------

Result<Entity> SqliteStore::create_entity(EntityKind kind) {
  std::lock_guard lock(mutex_);
  Entity entity;
  try {
    entity.id = util::uuid_v4();
  } catch (const std::exception& e) {
    return db_->error("create_entity", SQLITE_ERROR, e.what());
  }
  entity.kind = kind;
  entity.created_at = from_millis(to_millis(now()));
  auto stmt = prepare("INSERT INTO entities(id, kind, merged_into, created_at) VALUES(?1, ?2, NULL, ?3)",
                      "create_entity");
  if (!stmt.ok()) return std::move(stmt).error();
  auto st = stmt->bind(1, entity.id).bind(2, to_string(kind)).bind(3, to_millis(entity.created_at)).run();
  if (!st.ok()) return std::move(st).error();
  return entity;
}

Result<std::optional<Entity>> SqliteStore::get_entity(const std::string& id) {
  std::lock_guard lock(mutex_);
  auto stmt = prepare("SELECT id, kind, merged_into, created_at FROM entities WHERE id = ?1", "get_entity");
  if (!stmt.ok()) return std::move(stmt).error();
  stmt->bind(1, id);
  auto row = stmt->step();
  if (!row.ok()) return std::move(row).error();
  if (!*row) return std::optional<Entity>();
  Entity e;
  e.id = stmt->text(0);
  auto kind = parse_entity_kind(stmt->text(1));
  if (!kind) return db_->error("get_entity", SQLITE_ERROR, "entity " + id + " has an unknown kind");
  e.kind = *kind;
  e.merged_into = stmt->text(2);
  e.created_at = from_millis(stmt->integer(3));
  return std::optional<Entity>(std::move(e));
}

Status SqliteStore::mark_merged(const std::string& id, const std::string& into) {
  std::lock_guard lock(mutex_);
  if (id == into) {
    return make_error(ErrorKind::kInvalidInput, "cannot merge entity " + id + " into itself");
  }
  // `into` is another entity, or a reserved marker ("!ignored", "!forgotten") that retires
  // the entity without a survivor.
  auto stmt = prepare(
      "UPDATE entities SET merged_into = ?2 WHERE id = ?1"
      " AND (substr(?2, 1, 1) = '!' OR EXISTS (SELECT 1 FROM entities WHERE id = ?2))",
      "mark_merged");
  if (!stmt.ok()) return std::move(stmt).error();
  if (auto st = stmt->bind(1, id).bind(2, into).run(); !st.ok()) return st;
  if (stmt->changes() == 0) {
    return make_error(ErrorKind::kNotFound,
                      "cannot merge entity " + id + " into " + into + ": one of them does not exist");
  }
  return ok_status();
}

Status SqliteStore::delete_entity(const std::string& id) {
  std::lock_guard lock(mutex_);
  // Links, identity keys and the snapshot go with it (ON DELETE CASCADE, one statement).
  auto stmt = prepare("DELETE FROM entities WHERE id = ?1", "delete_entity");
  if (!stmt.ok()) return std::move(stmt).error();
  // Deleting what is already gone is not an error: a replay after a crash does exactly that.
  return stmt->bind(1, id).run();
}

// --- links --------------------------------------------------------------------------

Status SqliteStore::insert_link(const Link& link) {
  std::lock_guard lock(mutex_);
  if (link.system.empty() || link.external_id.empty() || link.entity_id.empty()) {
    return make_error(ErrorKind::kInvalidInput,
                      "link needs a system, an external id and an entity id (got \"" +
                          describe(link.system, link.kind, link.external_id) + "\" -> \"" +
                          link.entity_id + "\")");
  }
  auto stmt = prepare(
      "INSERT INTO links(system, kind, external_id, entity_id, version, hash, rule,"
      " matched_value, created_at, updated_at) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
      "insert_link");
  if (!stmt.ok()) return std::move(stmt).error();
  auto created = link.created_at == TimePoint{} ? now() : link.created_at;
  auto st = stmt->bind(1, link.system).bind(2, to_string(link.kind)).bind(3, link.external_id)
                .bind(4, link.entity_id).bind(5, link.version).bind(6, link.hash).bind(7, link.rule)
                .bind(8, link.matched_value).bind(9, to_millis(created)).bind(10, to_millis(now()))
                .run();
  if (st.ok()) return st;
  const int code = stmt->failure_code();
  const std::string what = describe(link.system, link.kind, link.external_id);
  // The constraint that fired says which side is taken; the reads below only name the
  // current holder for the message.
  if (code == SQLITE_CONSTRAINT_PRIMARYKEY) {
    auto holder = find_link(link.system, link.kind, link.external_id);
    std::string who = holder.ok() && *holder ? " (entity " + (*holder)->entity_id + ")" : "";
    return make_error(ErrorKind::kConflict, "cannot link " + what + " to entity " + link.entity_id +
                                                ": " + what + " is already linked" + who);
  }
  if (code == SQLITE_CONSTRAINT_UNIQUE) {
    auto holder = link_of(link.entity_id, link.system);
    std::string who = holder.ok() && *holder ? " (external id " + (*holder)->external_id + ")" : "";
    return make_error(ErrorKind::kConflict, "cannot link " + what + " to entity " + link.entity_id +
                                                ": the entity already has a " + link.system +
                                                " link" + who);
  }
  if (code == SQLITE_CONSTRAINT_FOREIGNKEY) {
    return make_error(ErrorKind::kNotFound, "cannot link " + what + ": entity " + link.entity_id +
                                                " does not exist");
  }
  return st;
}

Result<std::optional<Link>> SqliteStore::find_link(const std::string& system, EntityKind kind,
                                                   const std::string& external_id) {
  std::lock_guard lock(mutex_);
  auto stmt = prepare(sqlite::sql::kFindLink, "find_link");
  if (!stmt.ok()) return std::move(stmt).error();
  stmt->bind(1, system).bind(2, to_string(kind)).bind(3, external_id);
  auto links = read_links(*stmt, db_->path());
  if (!links.ok()) return std::move(links).error();
  if (links->empty()) return std::optional<Link>();
  return std::optional<Link>(std::move(links->front()));
}

Result<std::optional<Link>> SqliteStore::link_of(const std::string& entity_id,
                                                 const std::string& system) {
  std::lock_guard lock(mutex_);
  auto stmt = prepare(sqlite::sql::kLinkOf, "link_of");
  if (!stmt.ok()) return std::move(stmt).error();
  stmt->bind(1, entity_id).bind(2, system);
  auto links = read_links(*stmt, db_->path());
  if (!links.ok()) return std::move(links).error();
  if (links->empty()) return std::optional<Link>();
  return std::optional<Link>(std::move(links->front()));
}

Result<std::vector<Link>> SqliteStore::links_of(const std::string& entity_id) {
  std::lock_guard lock(mutex_);
  auto stmt = prepare(
      "SELECT system, kind, external_id, entity_id, version, hash, rule, matched_value, created_at"
      " FROM links WHERE entity_id = ?1 ORDER BY system",
      "links_of");
  if (!stmt.ok()) return std::move(stmt).error();
  stmt->bind(1, entity_id);
  return read_links(*stmt, db_->path());
}

Result<std::vector<Link>> SqliteStore::links_in(const std::string& system, EntityKind kind) {
  std::lock_guard lock(mutex_);
  auto stmt = prepare(
      "SELECT system, kind, external_id, entity_id, version, hash, rule, matched_value, created_at"
      " FROM links WHERE system = ?1 AND kind = ?2 ORDER BY external_id",
      "links_in");
  if (!stmt.ok()) return std::move(stmt).error();
  stmt->bind(1, system).bind(2, to_string(kind));
  return read_links(*stmt, db_->path());
}

Result<std::vector<Link>> SqliteStore::links_in(const std::string& system, EntityKind kind,
                                               const std::string& after, const std::string& last) {
  std::lock_guard lock(mutex_);
  auto stmt = prepare(
      "SELECT system, kind, external_id, entity_id, version, hash, rule, matched_value, created_at"
      " FROM links WHERE entity_id > ?3 AND entity_id <= ?4 AND system = ?1 AND kind = ?2"
      " ORDER BY entity_id",
      "links_in_range");
  if (!stmt.ok()) return std::move(stmt).error();
  stmt->bind(1, system).bind(2, to_string(kind)).bind(3, after).bind(4, last);
  return read_links(*stmt, db_->path());
}

Status SqliteStore::update_link_state(const std::string& system, EntityKind kind,
                                      const std::string& external_id, const std::string& version,
                                      const std::string& hash) {
  std::lock_guard lock(mutex_);
  auto stmt = prepare(
      "UPDATE links SET version = ?4, hash = ?5, updated_at = ?6"
      " WHERE system = ?1 AND kind = ?2 AND external_id = ?3",
      "update_link_state");
  if (!stmt.ok()) return std::move(stmt).error();
  auto st = stmt->bind(1, system).bind(2, to_string(kind)).bind(3, external_id).bind(4, version)
                .bind(5, hash).bind(6, to_millis(now())).run();
  if (!st.ok()) return st;
  if (stmt->changes() == 0) {
    return make_error(ErrorKind::kNotFound, "no link for " + describe(system, kind, external_id));
  }
  return ok_status();
}

Status SqliteStore::delete_link(const std::string& system, EntityKind kind,
                                const std::string& external_id) {
  std::lock_guard lock(mutex_);
  auto stmt = prepare("DELETE FROM links WHERE system = ?1 AND kind = ?2 AND external_id = ?3",
                      "delete_link");
  if (!stmt.ok()) return std::move(stmt).error();
  // Idempotent, like delete_entity: the engine replays deletions after a crash or after a
  // remote "not found", when the link may be gone already.
  return stmt->bind(1, system).bind(2, to_string(kind)).bind(3, external_id).run();
}

StoreUsage SqliteStore::usage() const {
  std::lock_guard lock(mutex_);
  const auto& u = db_->usage();
  return {u.calls, std::chrono::duration<double>(u.time).count()};
}

}  // namespace coopsync::store
