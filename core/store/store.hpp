#pragma once
// The mapping store: the memory that prevents duplicates (DESIGN.md "The mapping store").
// One interface; SQLite is the embedded implementation, PostgreSQL (several daemon replicas
// sharing one store) the scale-out one. Shaped so that both fit:
//  * every multi-step change runs inside transaction(), all-or-nothing;
//  * unique constraints, not read-then-write checks, decide deduplication: insert_link()
//    returns kConflict when (system, kind, external_id) or (entity, system) is taken;
//  * a lease lets only one process run a given connector's pass at a time.
// All methods return errors as values (kInternal for a broken database, kConflict for a
// unique violation, kInvalidInput for a file that is not a store or is from a newer schema).
#include "core/connector/connector.hpp"
#include "core/model/entity.hpp"
#include "core/result.hpp"

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace coopsync::store {

using Clock = std::chrono::system_clock;
using TimePoint = Clock::time_point;

struct Entity {
  std::string id;  // UUID v4 minted by coopsync
  EntityKind kind = EntityKind::kPerson;
  std::string merged_into;  // non-empty when merged into another entity
  TimePoint created_at{};
};

struct Link {
  std::string system;
  EntityKind kind = EntityKind::kPerson;
  std::string external_id;
  std::string entity_id;
  std::string version;        // external version/etag last seen or written
  std::string hash;           // hash of the projection last written to / read from it
  std::string rule;           // why linked: "created", "email", "phone", "adopted:email", "manual"
  std::string matched_value;  // the value the rule matched ("ana@coop.example")
  TimePoint created_at{};
};

// An entity to plan again (Store::plan_marks). `joins`: the change may matter to what joins
// it (memberships of a person, registrations of an event): its snapshot, its retirement, a
// conflict, a link made or removed -- not a link's version or hashes updated.
struct PlanMark {
  std::string entity_id;
  EntityKind kind = EntityKind::kPerson;
  bool joins = true;
};

struct StoreUsage {
  std::int64_t calls = 0;  // SQLite: sqlite3_step and sqlite3_exec calls
  double seconds = 0;
};

struct Snapshot {
  std::string entity_id;
  EntityKind kind = EntityKind::kPerson;
  Fields fields = Fields::object();  // last agreed canonical state (refs = canonical ids)
  TimePoint updated_at{};
};

enum class OutboxState { kPending, kDone, kDead };
const char* to_string(OutboxState state);

struct OutboxEntry {
  std::int64_t id = 0;        // assigned by the store
  std::string key;            // idempotency key, unique: enqueueing it twice keeps one entry
  std::string system;
  Write write;                // what to do (its `key` equals `key`)
  std::string reason;         // why planned: "odoo changed phone", "onboarding"...
  int attempts = 0;
  TimePoint next_attempt_at{};
  std::string last_error;
  OutboxState state = OutboxState::kPending;
  TimePoint created_at{};
};

// What apply needs to order and coalesce due entries without holding their payloads.
struct OutboxRef {
  std::int64_t id = 0;
  std::string key;
  EntityKind kind = EntityKind::kPerson;
  std::string entity_id;
};

struct Conflict {
  std::int64_t id = 0;
  EntityKind kind = EntityKind::kPerson;
  std::string system;          // where the record that raised it lives
  std::string external_id;
  std::vector<std::string> candidates;  // entity ids (or external ids) in contention
  std::string reason;          // "two partners share email ana@coop.example"
  nlohmann::json details = nlohmann::json::object();
  bool resolved = false;
  std::string resolution;      // "keep <id>", "merge <a> <b>"
  TimePoint created_at{};
};

struct AuditEntry {
  std::int64_t id = 0;
  TimePoint at{};
  std::string entity_id;
  std::string action;         // "link", "create", "update", "merge", "conflict", "forget"...
  std::string from_system;
  std::string to_system;
  nlohmann::json details = nlohmann::json::object();  // fields before/after, policy used
};

class Store {
 public:
  virtual ~Store() = default;

  // Runs `body` in one transaction: committed when it returns ok, rolled back otherwise (or
  // on exception). Nested calls join the outer transaction.
  virtual Status transaction(const std::function<Status()>& body) = 0;

  // --- entities ---------------------------------------------------------------------
  virtual Result<Entity> create_entity(EntityKind kind) = 0;
  virtual Result<std::optional<Entity>> get_entity(const std::string& id) = 0;
  // `into` is the surviving entity, or a marker starting with '!' that retires `id` with no
  // survivor (a conflict settled against it, an erasure). kNotFound when either is unknown.
  virtual Status mark_merged(const std::string& id, const std::string& into) = 0;
  // With its links, identity keys and snapshot. Deleting what is gone is ok (crash replays).
  virtual Status delete_entity(const std::string& id) = 0;

  // --- links (unique both ways) -----------------------------------------------------
  virtual Status insert_link(const Link& link) = 0;  // kConflict when either side is taken
  virtual Result<std::optional<Link>> find_link(const std::string& system, EntityKind kind,
                                                const std::string& external_id) = 0;
  virtual Result<std::optional<Link>> link_of(const std::string& entity_id,
                                              const std::string& system) = 0;
  virtual Result<std::vector<Link>> links_of(const std::string& entity_id) = 0;
  virtual Result<std::vector<Link>> links_in(const std::string& system, EntityKind kind) = 0;
  // Those of entities with `after` < entity_id <= `last` (a page of snapshots_of below).
  virtual Result<std::vector<Link>> links_in(const std::string& system, EntityKind kind,
                                             const std::string& after, const std::string& last) = 0;
  virtual Status update_link_state(const std::string& system, EntityKind kind,
                                   const std::string& external_id, const std::string& version,
                                   const std::string& hash) = 0;
  // Ok when the link is already gone (crash replays); update_link_state is kNotFound then.
  virtual Status delete_link(const std::string& system, EntityKind kind,
                             const std::string& external_id) = 0;

  // --- identity keys: normalised values used to match unlinked records ---------------
  // Replaces the keys of an entity (e.g. {"email": "a@b.c", "phone": "+33..."}).
  virtual Status set_identity_keys(const std::string& entity_id, EntityKind kind,
                                   const std::vector<std::pair<std::string, std::string>>& keys) = 0;
  // Entity ids holding that key value, merged-away entities excluded, sorted.
  virtual Result<std::vector<std::string>> match_identity(EntityKind kind, const std::string& key,
                                                          const std::string& value) = 0;

  // --- snapshots (base of the 3-way merge) -------------------------------------------
  virtual Result<std::optional<Snapshot>> get_snapshot(const std::string& entity_id) = 0;
  virtual Status put_snapshot(const Snapshot& snapshot) = 0;
  virtual Result<std::vector<Snapshot>> snapshots_of(EntityKind kind) = 0;
  // At most `limit` of them, in entity id order, after `after` ("" = from the first).
  virtual Result<std::vector<Snapshot>> snapshots_of(EntityKind kind, const std::string& after,
                                                     std::size_t limit) = 0;

  // --- planning marks -------------------------------------------------------------------
  // An entity whose durable state changed -- its snapshot, one of its links, its
  // retirement (merged_into), a conflict naming it -- is marked for planning by the store
  // itself, in the same transaction as the change. The engine plans marked entities and
  // clears their marks in the transaction that enqueues what it planned, so that a change
  // is never lost between the two (DESIGN.md "The engine: one pass").
  virtual Result<std::vector<PlanMark>> plan_marks() = 0;
  virtual Status clear_plan_marks(const std::vector<std::string>& entity_ids) = 0;
  // Entities of `kind` whose snapshot names, in its field `ref_field`, an entity marked
  // with `joins` (whatever joins it may have to be planned again too).
  virtual Result<std::vector<std::string>> referencing_marked(EntityKind kind,
                                                              const std::string& ref_field) = 0;

  // --- cursors ------------------------------------------------------------------------
  virtual Result<std::string> get_cursor(const std::string& system, const std::string& stream) = 0;
  virtual Status set_cursor(const std::string& system, const std::string& stream,
                            const std::string& value) = 0;

  // --- outbox -------------------------------------------------------------------------
  // Enqueues entries; an entry whose key already exists (pending or done) is left as it is.
  virtual Status enqueue(const std::vector<OutboxEntry>& entries) = 0;
  virtual Result<std::vector<OutboxEntry>> due(const std::string& system, TimePoint now,
                                               std::size_t limit) = 0;
  // The due entries of due(), unlimited, as references only (a first sync can have tens of
  // thousands): apply loads them by id in bounded chunks with outbox_entries().
  virtual Result<std::vector<OutboxRef>> due_refs(const std::string& system, TimePoint now) = 0;
  // The entries of these ids that still exist, in the order given (any state).
  virtual Result<std::vector<OutboxEntry>> outbox_entries(const std::vector<std::int64_t>& ids) = 0;
  virtual Result<std::vector<OutboxEntry>> list_outbox(std::optional<OutboxState> state,
                                                       std::size_t limit) = 0;
  virtual Result<std::optional<OutboxEntry>> get_outbox(std::int64_t id) = 0;
  virtual Status mark_done(std::int64_t id) = 0;
  virtual Status mark_failed(std::int64_t id, const std::string& error, TimePoint next_attempt,
                             bool dead) = 0;
  virtual Status retry_dead(std::int64_t id) = 0;  // dead -> pending, attempts reset
  // An empty `system` counts across all systems. (Limits: SIZE_MAX = no limit.)
  virtual Result<std::size_t> count_outbox(const std::string& system, OutboxState state) = 0;

  // --- conflicts and audit ------------------------------------------------------------
  // An open conflict with the same kind, system, external id and reason is refreshed
  // (candidates, details) and its id returned, so each pass does not add a duplicate.
  virtual Result<std::int64_t> add_conflict(const Conflict& conflict) = 0;
  // Open conflicts only unless include_resolved.
  virtual Result<std::vector<Conflict>> list_conflicts(bool include_resolved) = 0;
  virtual Result<std::optional<Conflict>> get_conflict(std::int64_t id) = 0;
  virtual Status resolve_conflict(std::int64_t id, const std::string& resolution) = 0;
  virtual Status append_audit(const AuditEntry& entry) = 0;
  // GDPR erasure: the only change the append-only audit allows. Replaces the details of
  // every audit entry of each of `entity_ids` (which may hold field values) with
  // {"erased": true}, deletes their settled (done) outbox entries, whose payloads hold field
  // values too, and, outside a transaction, rewrites the file and checkpoints the WAL so
  // that no erased value lingers there. One call for all of a person's entities (person,
  // memberships, registrations): the rewrite costs a full copy of the store, once.
  virtual Status erase_personal_data(const std::vector<std::string>& entity_ids) = 0;
  // Deletes every outbox entry of `entity_id`, whatever its state (an erasure replaces
  // whatever was still to be written for the person).
  virtual Status drop_outbox_of(const std::string& entity_id) = 0;
  // Forgets the settled (done) entries of an entity in one system, so that the same write
  // can be planned there again: after `links split`, a create identical to one long done
  // (the same projection onto no link) must run rather than be taken as done already.
  virtual Status drop_done_outbox(const std::string& system, const std::string& entity_id) = 0;
  // Deletes one entry, whatever its state: a write superseded before it was carried out
  // leaves no key behind, so that the same write planned again later is not taken as done.
  virtual Status drop_outbox_entry(std::int64_t id) = 0;
  // The entries of an entity in one system not carried out yet (pending or dead), oldest
  // first: a record read back may be one of these writes, made before its answer was lost.
  virtual Result<std::vector<OutboxEntry>> open_outbox_of(const std::string& system,
                                                          const std::string& entity_id) = 0;
  // Entities of this kind whose create in the system may have landed unheard: a pending
  // create tried at least once (its answer may have been lost), or the pending removal by
  // pair (no external id) that the plan put in its place.
  virtual Result<std::vector<std::string>> maybe_landed(const std::string& system,
                                                         EntityKind kind) = 0;
  virtual Result<std::vector<AuditEntry>> audit_of(const std::string& entity_id) = 0;

  // --- connector-private state, leases, erasure ---------------------------------------
  virtual std::unique_ptr<StateStore> state_for(const std::string& system) = 0;
  // True when acquired (or renewed by the same holder); false when another holder has it.
  virtual Result<bool> try_lease(const std::string& name, const std::string& holder,
                                 std::chrono::seconds ttl) = 0;
  virtual Status release_lease(const std::string& name, const std::string& holder) = 0;
  virtual Status add_forgotten(const std::string& salted_hash) = 0;
  virtual Result<bool> is_forgotten(const std::string& salted_hash) = 0;
  // A per-store random salt, created with the store, for forget hashes.
  virtual Result<std::string> salt() = 0;
  // The database's own calls since the store was opened: how many, and their wall time
  // (`sync --json`, the benchmark: whether a pass's CPU went to the store or elsewhere).
  virtual StoreUsage usage() const = 0;
};
using StorePtr = std::unique_ptr<Store>;

// Opens (creating if needed, mode 0600) the SQLite store at `path`, runs pending
// migrations. kInvalidInput when the file is not a coopsync store or has a newer schema.
Result<StorePtr> open_sqlite_store(const std::string& path);

}  // namespace coopsync::store
