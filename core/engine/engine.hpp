#pragma once
// The engine's pass (DESIGN.md "The engine: one pass"): pull, resolve, merge, plan, apply.
//
// Invariants that make a crash at any point harmless:
//  * a page of changes, the merged snapshots, the links it made and the outbox entries it
//    planned are committed in one transaction together with the cursor;
//  * planning is derived from durable state (snapshots vs per-link field hashes); a change
//    of that state marks the entity in the same transaction, and the marks are cleared in
//    the transaction that enqueues the plan (plan_scope.cpp), so nothing planned-but-lost
//    can stay lost (and every entity is planned again at least hourly);
//  * an outbox entry's key is derived from what it writes, so planning twice enqueues once;
//  * a link is committed right after the remote write succeeds, and a create that finds
//    its record already there (after a crash before the link commit) adopts it.
#include "core/config/config.hpp"
#include "core/connector/connector.hpp"
#include "core/store/store.hpp"

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <vector>

namespace spdlog {
class logger;
}

namespace coopsync::engine {

// A configured system with its live connector.
struct SystemRuntime {
  const config::SystemConfig* config = nullptr;
  Connector* connector = nullptr;
  std::optional<Error> unavailable;  // set when check() failed: skipped for this pass

  const std::string& name() const { return config->name; }
  // Kind in scope for this system (configured and supported by the connector).
  const config::KindPolicy* policy(EntityKind kind) const;
  const KindCapabilities* capability(EntityKind kind) const;
  // Canonical fields this system holds for the kind (capabilities ∩ policy.fields).
  std::vector<std::string> synced_fields(EntityKind kind) const;
};

struct PlannedWrite {
  std::string system;
  Write write;
  std::string reason;
};

struct PassOptions {
  bool dry_run = false;               // stop after plan, write nothing anywhere
  std::set<std::string> only_systems; // empty = all
  // Of those, the systems whose changes are read (empty = all of them): the daemon reads
  // the system whose timer, webhook or stream woke it, and plans and applies for all.
  std::set<std::string> pull_only;
  // Of the systems read, only the kinds with a change feed (not Capabilities::listed_kinds):
  // the daemon's poll and stream passes, so that one change in Odoo or Matrix does not cost
  // a full listing of Nextcloud. The daemon reads the listings on each system's
  // full_read_interval. A pass that plans every entity (hourly, see plan_scope.cpp) ignores
  // this and pull_only: it reads every selected system whole first.
  bool feeds_only = false;
  std::set<EntityKind> only_kinds;    // empty = all
  bool apply = true;                  // false: pull and plan only (durable), no remote writes
  std::chrono::milliseconds wait{0};  // push-capable connectors may long-poll this long
  // Called after each page pulled and each batch applied ("erp person: 1500 read").
  std::function<void(const std::string&)> progress;
  // `coopsync plan`/`apply`: called inside the pass's one transaction once every write is
  // planned, before anything is enqueued or sent; a non-ok status rolls the pass back (the
  // store is untouched, nothing is written anywhere) and run_pass returns that error.
  std::function<Status(const std::vector<PlannedWrite>&)> inspect;
  // Apply only the entries this pass planned, due or not (older entries of the same
  // entities are superseded); other pending entries wait for a later pass.
  bool only_planned = false;
};

// What a pass did, per system; printed by the CLI and exported by the daemon.
struct SystemReport {
  std::size_t read = 0;
  std::size_t created = 0;
  std::size_t adopted = 0;   // a create that found the record already there
  std::size_t linked = 0;    // unlinked records joined to an existing entity by a rule
  std::size_t updated = 0;
  std::size_t disabled = 0;
  std::size_t deleted = 0;
  std::size_t failed = 0;    // attempts that failed this pass (will retry)
  std::size_t dead = 0;      // entries that became dead letters this pass
  std::size_t planned = 0;   // outbox entries planned for this system
  std::optional<Error> error;  // unreachable / unauthenticated
  std::size_t writes() const { return created + adopted + updated + disabled + deleted; }
};

struct PassReport {
  std::map<std::string, SystemReport> systems;
  std::size_t new_entities = 0;
  std::size_t conflicts = 0;         // raised this pass
  std::size_t open_conflicts = 0;    // open after the pass
  std::size_t dead_letters = 0;      // dead after the pass (all systems)
  std::size_t pending = 0;           // pending outbox entries after the pass
  std::vector<PlannedWrite> planned; // dry run: what would be written
  // Wall time of the pass's phases: "pull", "plan", "apply <system>", "replan" (where a
  // slow pass spends its time, for `sync --json` and the benchmark).
  std::map<std::string, double> seconds;
  // Per system: HTTP requests made and the seconds spent waiting for their answers (summed
  // over threads, so it can exceed a phase's wall time). Filled by `sync --json`.
  struct HttpTally {
    std::size_t requests = 0;
    double seconds = 0;
  };
  std::map<std::string, HttpTally> http;
  // The store's calls during the pass and their wall time (store::Store::usage).
  store::StoreUsage store;
  std::size_t total_writes() const;
  bool unreachable() const;          // some system failed check() or auth
};

class Engine {
 public:
  Engine(const config::Config& config, store::Store& store,
         std::vector<SystemRuntime> systems, std::shared_ptr<spdlog::logger> logger);

  // One pass over the selected systems and kinds. Errors of single records or systems are
  // reported in the PassReport; a returned Error means the store itself failed.
  Result<PassReport> run_pass(const PassOptions& options);

  // Plans a GDPR erasure of an entity in every system (delete or anonymise per policy),
  // applies it, and when every system confirmed, leaves only salted hashes in the store.
  Result<PassReport> forget(const std::string& entity_id);

  std::vector<SystemRuntime>& systems() { return systems_; }

 private:
  friend class PassRun;
  const config::Config& config_;
  store::Store& store_;
  std::vector<SystemRuntime> systems_;
  std::shared_ptr<spdlog::logger> log_;
  std::mt19937_64 rng_;
};

}  // namespace coopsync::engine
