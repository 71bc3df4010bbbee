#pragma once
// Internal to the engine: the state of one pass, shared by pull.cpp, plan.cpp, apply.cpp.
#include "core/engine/engine.hpp"
#include "core/engine/field_hash.hpp"
#include "core/engine/merge.hpp"

#include <spdlog/logger.h>

#include <functional>
#include <set>
#include <unordered_map>
#include <unordered_set>

namespace coopsync::engine {

// Reserved values of Entity::merged_into.
inline constexpr const char* kIgnored = "!ignored";      // a conflict settled against it
inline constexpr const char* kForgotten = "!forgotten";  // erasure in progress
// Marker in a link's field hashes: the system no longer holds the record actively (it was
// deleted or left scope there, or we disabled it), so there is nothing left to disable.
inline constexpr const char* kAbsent = "_absent";

class PassRun {
 public:
  PassRun(Engine& engine, const PassOptions& options);

  // Pull every selected system for `kind`, resolve and merge each record (durable per page).
  Status pull_kind(EntityKind kind);
  // Records of `kind` parked this pass for a ref first seen while reading them (Mobilizon
  // meets persons as participants): read that ref's kind again, then retry them, so they
  // land in this pass rather than the next.
  Status repull_for_parked(EntityKind kind);
  // Plan every entity of `kind` in scope against every selected system; returns the entries.
  Result<std::vector<store::OutboxEntry>> plan_kind(EntityKind kind);
  // The same, handed to `sink` a page of entities at a time (plan_input), which may take
  // them: a first sync plans tens of thousands, and only a page is held at once.
  using PlanSink = std::function<Status(std::vector<store::OutboxEntry>&)>;
  Status plan_kind(EntityKind kind, const PlanSink& sink);
  // plan_scope.cpp. Which entities this pass plans: every one (the first pass, a changed
  // config, a restricted or inspected pass, and at least hourly), or only those marked
  // since they were last planned (Store::plan_marks) and those joining them.
  Status choose_plan_scope();
  // Before the pull of a pass restricted by pull_only or feeds_only: when it is to plan every
  // entity (the last full plan is an hour old, or was made under another config), it reads
  // every selected system whole first, so that the full plan starts from fresh listings.
  Status choose_reads();
  // Whether pull_kind reads `kind` of `sys` in this pass (pull_only, feeds_only).
  bool pulls(const SystemRuntime& sys, EntityKind kind) const;
  // Inside the transaction that enqueues the plan: the marks it planned are cleared (only
  // after a plan of every system and kind).
  Status clear_planned_marks();
  // After apply: the marks its writes set (links settled) are planned again at once, and
  // cleared when that plan finds nothing to write (the usual outcome); otherwise the next
  // pass plans them. Spares the pass after a big apply a plan of everything it wrote.
  Status settle_apply_marks();
  // Carry out due outbox entries of one system.
  Status apply_system(SystemRuntime& system);

  PassReport& report() { return report_; }
  bool selected(const SystemRuntime& s) const;
  bool selected(EntityKind kind) const;
  Status load_blocked();  // entities named by open conflicts: no write until settled

 private:
  // pull.cpp
  Status pull_system(SystemRuntime& system, EntityKind kind);
  Status handle_record(SystemRuntime& system, ExternalRecord& record);
  Status handle_deletion(SystemRuntime& system, const store::Link& link, const std::string& entity_id);
  Result<bool> own_write_read_back(SystemRuntime& system, const store::Link& link, EntityKind kind,
                                   bool first_sight);
  Result<bool> open_write_of(const std::string& system, const std::string& entity_id, bool removal);
  Result<std::optional<std::string>> translate_refs_in(const SystemRuntime& system, EntityKind kind, Fields& fields);
  struct Resolution {
    std::string entity_id;
    std::string rule;           // "new", "email", "phone", "slug", "pair", "conflict"
    std::string matched_value;
  };
  Result<Resolution> resolve(SystemRuntime& system, EntityKind kind, const ExternalRecord& record,
                             const Fields& canonical);
  Result<bool> forgotten(EntityKind kind, const Fields& fields);
  Status merge_into(SystemRuntime& system, const store::Link& link, EntityKind kind,
                    const Fields& canonical, const ExternalRecord& record, bool first_sight);
  Status save_entity_state(const std::string& entity_id, EntityKind kind, const Fields& merged);
  std::map<std::string, std::string> owners(EntityKind kind) const;
  // Records waiting for a ref that is not linked yet, kept durably per system and kind
  // (the cursor moves on; they must not be lost) and retried after every pull of the kind.
  nlohmann::json* parked_ = nullptr;

  // plan_scope.cpp
  struct PlanInput {
    std::vector<store::Snapshot> snaps;    // to plan
    std::vector<store::Snapshot> related;  // entities they refer to
    std::map<std::string, std::unordered_map<std::string, store::Link>> links;  // system -> entity -> link
    std::string next;  // a page of the kind: where the next one starts ("" after the last)
  };
  // The entities of `kind` to plan and what planning them reads: those of `only` (marked)
  // when few, else a page of the kind after `after` (those of `only` in it, if given).
  Result<PlanInput> plan_input(EntityKind kind, const std::set<std::string>* only,
                               const std::string& after);
  Result<std::set<std::string>> marked_scope(EntityKind kind);
  Status load_pending();
  std::vector<store::PlanMark> marks_;  // read when the plan began
  // Entities with writes still to carry out: planned again each pass, so that an entry
  // planned from an earlier state is superseded (apply_system) rather than sent.
  std::vector<std::pair<std::string, EntityKind>> pending_;
  bool marks_only_ = false;    // plan the marked entities (and those joining them) only
  bool clears_marks_ = false;  // a plan of every system and kind: marks_ cleared with it
  std::string full_plan_;      // a full plan: its record (time, config), stored with it
  bool read_whole_ = false;    // a full plan is due: pull_only and feeds_only are set aside
  // Whether a full plan is due: the record to store with it when so, empty when not.
  Result<std::string> due_full_plan();

  // plan.cpp
  // Per system, memberships whose create there may have landed unheard (Store::maybe_landed):
  // loaded by plan_kind, read by plan_entity.
  std::map<std::string, std::unordered_set<std::string>> maybe_landed_;
  void plan_entity(const store::Snapshot& snap, const std::map<std::string, const store::Link*>& links_by_system,
                   const std::unordered_map<std::string, const store::Snapshot*>& all,
                   std::vector<store::OutboxEntry>& out);

  // A create that joins an entity this system lacks and never gets from us (plan.cpp).
  Result<bool> ref_never_there(const store::OutboxEntry& entry);
  // Drops, from index `from` on, planned writes whose referenced entity will never be there.
  Status drop_never_landing(std::vector<store::OutboxEntry>& out, std::size_t from);

  // apply.cpp
  // `reread`: a write refused as kConflict (the record changed there since it was read) is
  // re-read, merged and sent again once (conflict_reread.cpp); false for that second try.
  Status apply_batch(SystemRuntime& system, std::vector<store::OutboxEntry>& batch, bool reread = true);
  using Refused = std::vector<std::pair<const store::OutboxEntry*, Error>>;
  struct Fold;
  // A batch ready to send: refs translated, ops brought up to date with the links. Owns its
  // entries (settling refers to them).
  struct Prepared {
    std::vector<store::OutboxEntry> entries;
    std::vector<Write> writes;
    std::vector<std::size_t> sent;                 // per write: its entry
    std::vector<std::vector<const Fold*>> folded;  // per write: the memberships it carries
  };
  Result<Prepared> prepare_batch(SystemRuntime& system, std::vector<store::OutboxEntry> batch);
  // Records the system's answers (links, outbox states, audit) in one transaction; writes
  // refused as changed there since read go to `refused` when `reread`.
  Status settle_batch(SystemRuntime& system, const Prepared& prepared,
                      const std::vector<WriteResult>& results, bool reread, Refused& refused);
  // Batches of one system, sent one at a time, the next one on its way while the last one's
  // answers are settled (apply_pipeline.cpp).
  class Pipeline;
  // Whether a system's reads and writes may run on another thread while this one uses the
  // store (the next page read while this one is stored, the next batch sent while the last
  // one settles). Not inside a transaction held across the pass (dry run, a plan checked
  // before it is stored): a connector's own store calls (StateStore, linked_version) would
  // wait for that transaction, which waits for them.
  bool overlapping() const { return !options_.dry_run && !options_.inspect; }
  Status reread_after_conflicts(SystemRuntime& system, EntityKind kind, const Refused& refused);
  Status settle(SystemRuntime& system, const store::OutboxEntry& entry, const Write& write,
                const WriteResult& result);
  // Membership creates of this pass that can ride in their person's or group's create
  // (Capabilities::fold_memberships_into), by that person or group.
  struct Fold {
    std::int64_t outbox_id = 0;
    std::string membership;  // canonical ids
    std::string other;
  };
  std::unordered_map<std::string, std::vector<Fold>> folds_;
  std::set<std::int64_t> folded_done_;  // their outbox entries, settled so
  Status index_folds(std::optional<EntityKind> fold,
                     const std::vector<const store::OutboxRef*>& work);
  Status list_before_creating(SystemRuntime& system, std::vector<const store::OutboxRef*>& work);
  // Adds to a create the memberships it can carry (their other side linked here already).
  Status fold_memberships(SystemRuntime& system, Write& write, std::vector<const Fold*>& carried);
  // Settles, like a write of their own, the memberships a create wrote with it.
  Status settle_folded(SystemRuntime& system, const std::vector<const Fold*>& carried,
                       const WriteResult& result);
  Status fail(SystemRuntime& system, const store::OutboxEntry& entry, const Error& error);
  Result<bool> pair_held_by_another(SystemRuntime& system, const Write& write);
  // Counts carried[from, to) as tried, their outcome unknown (apply.cpp).
  Status note_carried_tries(const std::vector<const Fold*>& carried, std::size_t from,
                            const Error& error, std::size_t to = SIZE_MAX);

 public:
  Engine& e_;
  PassOptions options_;
  PassReport report_;
  std::string now_;  // ISO UTC, one per pass
  std::set<std::string> blocked_;
  std::optional<std::set<std::string>> only_keys_;  // PassOptions::only_planned: this pass's keys
  // (system, kind) whose complete listing was read in this pass: every record there was
  // joined to its entity, so a create planned for that system has nothing to adopt.
  std::set<std::pair<std::string, EntityKind>> listed_;
  // (system, kind) whose read failed in this pass: creates there wait for a pass that read
  // it, since adopting what is there already needs that read where the system has no lookup
  // by key (Synapse 1.67: no account by email; a create would take the email of an account
  // made by hand).
  std::set<std::pair<std::string, EntityKind>> unread_;
  // Entities this pass planned from their current state (plan_kind), and the keys of what it
  // planned: a pending entry of such an entity whose key is not among them is left over
  // from an earlier state and superseded (apply.cpp).
  std::unordered_set<std::string> considered_;
  std::unordered_set<std::string> planned_keys_;
  // Keys whose normalised values identify an entity of a kind (identity rules).
  std::vector<std::string> identity_rules(EntityKind kind) const;
};

// Identity keys of a canonical state: [(rule, normalised value)] for the kind's rules.
std::vector<std::pair<std::string, std::string>> identity_keys(
    EntityKind kind, const Fields& fields, const std::vector<std::string>& rules);

// Every write of a batch (more than one) failed transiently: the system is down or
// throttling, and gets no further batch in this pass (apply.cpp).
bool whole_batch_failed_transiently(const std::vector<WriteResult>& results);

// Time of now as canonical ISO-8601 UTC.
std::string now_iso();

// The salted hash that marks a system's record as belonging to an erased person (forget).
inline std::string forgotten_record_hash(const std::string& salt, const std::string& system, EntityKind kind,
                                         const std::string& external_id) {
  return hash_text(salt + "|record|" + system + "|" + to_string(kind) + "|" + external_id);
}

}  // namespace coopsync::engine
