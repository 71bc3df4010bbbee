#pragma once
// `coopsync plan` / `coopsync apply`: the plan file.
//
// A plan is what a dry run would write, each write with the state it was computed from
// (its base): the target link's version and per-field hashes, and a hash of the agreed
// canonical state it projects. `apply` re-pulls and re-plans inside one transaction and
// compares: the same writes on the same bases are carried out; any difference rolls the
// pass back, so nothing is written anywhere, and names the records that changed.
//
// Entities minted by a pull get a fresh random id on every run, so the plan names each
// entity by the record it was first seen as ("odoo/person/42"), its *identity*, and the
// comparison (the fingerprint) uses identities, never minted ids.
#include "core/config/config.hpp"
#include "core/engine/engine.hpp"
#include "core/store/store.hpp"

#include <string>
#include <vector>

namespace coopsync::engine {

struct FieldDiff {
  std::string field;
  nlohmann::json before;      // what the system holds, when known
  bool before_known = false;  // the agreed value whose hash its link holds for the field
  nlohmann::json after;
  std::string rule;  // where the canonical value came from: "sequential from odoo", ...
};

struct PlanItem {
  std::string system;
  WriteOp op = WriteOp::kCreate;
  EntityKind kind = EntityKind::kPerson;
  std::string entity_id;
  std::string identity;           // stable across runs (see above)
  std::string external_id;        // the target record, "" for a create
  std::string label;              // for people: "ana@coop.example"; memberships: "ana in lyon"
  std::string reason;             // the engine's: "not yet in cloud", "changed: email"
  std::string rule;               // the policy or rule behind the write
  std::vector<FieldDiff> fields;  // create: every field; update: the changed ones
  Fields projection = Fields::object();  // everything written (refs as identities)
  std::vector<std::string> changed;      // the fields that differ there
  std::string base_version;              // the target link's version (etag, write_date)
  std::string base_hash;                 // the target link's per-field hashes
  std::string snapshot_hash;             // the agreed canonical state projected
  std::string key;                       // outbox key when planned
  std::string fingerprint;               // what decides the write, with identities for ids
};

struct Plan {
  static constexpr int kFormat = 1;
  std::string created_at;
  std::string config_path;
  std::vector<std::string> only_systems;
  std::vector<std::string> only_kinds;
  std::vector<PlanItem> items;
};

// Inside the pass's transaction (PassOptions::inspect): each write with its base.
Result<std::vector<PlanItem>> describe_planned(store::Store& store, const config::Config& config,
                                               const std::vector<PlannedWrite>& writes);
// After the dry run was rolled back: `before` values from the state the pass started on,
// wherever the target link's hash shows the system holds exactly that value.
Status fill_before(store::Store& store, std::vector<PlanItem>& items);
// One line per record whose write differs between a plan and a fresh plan (empty = same).
std::vector<std::string> compare_plans(const std::vector<PlanItem>& planned,
                                       const std::vector<PlanItem>& fresh);

nlohmann::json plan_to_json(const Plan& plan);
Result<Plan> plan_from_json(const nlohmann::json& doc);  // kInvalidInput when malformed

}  // namespace coopsync::engine
