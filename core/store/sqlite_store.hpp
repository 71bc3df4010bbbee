#pragma once
// The embedded mapping store: one SQLite file (WAL), implementing store::Store.
// Internal to core/store and its tests; everyone else uses open_sqlite_store().
//
// Durability: synchronous=FULL. In WAL mode NORMAL survives a process crash but may lose
// the last commits on power loss or an OS crash, and a lost commit here is not harmless:
// a link recorded right after a remote create, or an outbox entry that justified advancing
// a cursor, would vanish while its side effect stays, and the next pass would create a
// duplicate or miss an update. FULL costs one WAL fsync per transaction; the engine
// groups writes into transactions, so that cost is per batch, not per row.
//
// Threads: calls are serialised by a mutex; a transaction holds the store for its whole
// body, so another thread's calls wait until it ends. Several processes (or Store objects)
// may open one file: SQLite's locks and busy_timeout serialise their writers.
#include "core/store/sqlite_db.hpp"
#include "core/store/store.hpp"

#include <functional>
#include <memory>
#include <mutex>
#include <string>

namespace coopsync::store {

class SqliteStore final : public Store {
 public:
  static Result<std::unique_ptr<SqliteStore>> open(const std::string& path);
  ~SqliteStore() override;

  Status transaction(const std::function<Status()>& body) override;

  Result<Entity> create_entity(EntityKind kind) override;
  Result<std::optional<Entity>> get_entity(const std::string& id) override;
  Status mark_merged(const std::string& id, const std::string& into) override;
  Status delete_entity(const std::string& id) override;

  Status insert_link(const Link& link) override;
  Result<std::optional<Link>> find_link(const std::string& system, EntityKind kind,
                                        const std::string& external_id) override;
  Result<std::optional<Link>> link_of(const std::string& entity_id,
                                      const std::string& system) override;
  Result<std::vector<Link>> links_of(const std::string& entity_id) override;
  Result<std::vector<Link>> links_in(const std::string& system, EntityKind kind) override;
  Result<std::vector<Link>> links_in(const std::string& system, EntityKind kind,
                                     const std::string& after, const std::string& last) override;
  Status update_link_state(const std::string& system, EntityKind kind,
                           const std::string& external_id, const std::string& version,
                           const std::string& hash) override;
  Status delete_link(const std::string& system, EntityKind kind,
                     const std::string& external_id) override;

  Status set_identity_keys(const std::string& entity_id, EntityKind kind,
                           const std::vector<std::pair<std::string, std::string>>& keys) override;
  Result<std::vector<std::string>> match_identity(EntityKind kind, const std::string& key,
                                                  const std::string& value) override;

  Result<std::optional<Snapshot>> get_snapshot(const std::string& entity_id) override;
  Status put_snapshot(const Snapshot& snapshot) override;
  Result<std::vector<Snapshot>> snapshots_of(EntityKind kind) override;
  Result<std::vector<Snapshot>> snapshots_of(EntityKind kind, const std::string& after,
                                             std::size_t limit) override;

  Result<std::vector<PlanMark>> plan_marks() override;
  Status clear_plan_marks(const std::vector<std::string>& entity_ids) override;
  Result<std::vector<std::string>> referencing_marked(EntityKind kind, const std::string& ref_field) override;

  Result<std::string> get_cursor(const std::string& system, const std::string& stream) override;
  Status set_cursor(const std::string& system, const std::string& stream,
                    const std::string& value) override;

  Status enqueue(const std::vector<OutboxEntry>& entries) override;
  Result<std::vector<OutboxRef>> due_refs(const std::string& system, TimePoint now) override;
  Result<std::vector<OutboxEntry>> outbox_entries(const std::vector<std::int64_t>& ids) override;
  Result<std::vector<OutboxEntry>> due(const std::string& system, TimePoint now,
                                       std::size_t limit) override;
  Result<std::vector<OutboxEntry>> list_outbox(std::optional<OutboxState> state,
                                               std::size_t limit) override;
  Result<std::optional<OutboxEntry>> get_outbox(std::int64_t id) override;
  Status mark_done(std::int64_t id) override;
  Status mark_failed(std::int64_t id, const std::string& error, TimePoint next_attempt,
                     bool dead) override;
  Status retry_dead(std::int64_t id) override;
  Result<std::size_t> count_outbox(const std::string& system, OutboxState state) override;

  Result<std::int64_t> add_conflict(const Conflict& conflict) override;
  Result<std::vector<Conflict>> list_conflicts(bool include_resolved) override;
  Result<std::optional<Conflict>> get_conflict(std::int64_t id) override;
  Status resolve_conflict(std::int64_t id, const std::string& resolution) override;
  Status append_audit(const AuditEntry& entry) override;
  Status erase_personal_data(const std::vector<std::string>& entity_ids) override;
  Status drop_outbox_of(const std::string& entity_id) override;
  Status drop_done_outbox(const std::string& system, const std::string& entity_id) override;
  Status drop_outbox_entry(std::int64_t id) override;
  Result<std::vector<OutboxEntry>> open_outbox_of(const std::string& system,
                                                  const std::string& entity_id) override;
  Result<std::vector<std::string>> maybe_landed(const std::string& system,
                                                 EntityKind kind) override;
  Result<std::vector<AuditEntry>> audit_of(const std::string& entity_id) override;

  std::unique_ptr<StateStore> state_for(const std::string& system) override;
  Result<bool> try_lease(const std::string& name, const std::string& holder,
                         std::chrono::seconds ttl) override;
  Status release_lease(const std::string& name, const std::string& holder) override;
  Status add_forgotten(const std::string& salted_hash) override;
  Result<bool> is_forgotten(const std::string& salted_hash) override;
  Result<std::string> salt() override;
  StoreUsage usage() const override;

  // Connector-private state (the StateStore of state_for() calls these).
  Result<std::optional<std::string>> get_state(const std::string& system, const std::string& key);
  Status put_state(const std::string& system, const std::string& key, const std::string& value);

  // Tests drive lease expiry and timestamps without sleeping.
  void set_clock_for_test(std::function<TimePoint()> clock) { clock_ = std::move(clock); }
  // Runs raw SQL on this connection (e.g. PRAGMA max_page_count to provoke "disk full").
  Status exec_for_test(const std::string& sql) { return db_->exec(sql.c_str(), "test"); }
  const std::string& path() const { return db_->path(); }

 private:
  explicit SqliteStore(std::unique_ptr<sqlite::Db> db) : db_(std::move(db)) {}

  TimePoint now() const { return clock_ ? clock_() : Clock::now(); }
  // Every statement goes through here. Inside transaction(), it refuses to run once SQLite
  // has rolled the transaction back on its own (it may on disk full or I/O errors): the
  // statement would otherwise autocommit on its own, half a change outside the transaction.
  Result<sqlite::Stmt> prepare(const char* sql, const char* op);
  Status rollback(bool outer, const std::string& savepoint);

  std::unique_ptr<sqlite::Db> db_;
  mutable std::recursive_mutex mutex_;
  int depth_ = 0;  // transaction nesting: 0 = none, 1 = BEGIN, >1 = savepoints
  std::function<TimePoint()> clock_;
  std::string salt_;  // cached after the first read: it never changes
};

}  // namespace coopsync::store
