#pragma once
// Field-level 3-way merge of one incoming record into an entity's snapshot.
//
// "Did system S change field f?" is answered by S's own history: the link keeps the hash
// of what S held for f last time (FieldHashes). If S now holds something else, S changed
// f. Then:
//  * a field owned by another system is not taken (S gets the canonical value back);
//  * if S had last seen the current canonical value, the change is sequential: taken;
//  * otherwise S changed a value it had not yet received from elsewhere: a concurrent
//    change, settled by the conflict policy (newest, a preferred system, or a human).
// A record seen for the first time (no history) fills empty fields; where both sides hold
// different values, the owner decides, and without an owner the canonical value stays.
#include "core/config/config.hpp"
#include "core/engine/field_hash.hpp"
#include "core/model/entity.hpp"

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace coopsync::engine {

struct FieldChange {
  std::string field;
  nlohmann::json before;
  nlohmann::json after;
  std::string rule;  // "sequential", "first_value", "owner", "newest", "prefer_system"
};

struct FieldDispute {
  std::string field;
  nlohmann::json kept;      // canonical value kept
  nlohmann::json proposed;  // the incoming value not taken
  std::string rule;         // "owned_by:<system>", "manual", "newest", "prefer_system"
};

struct MergeInput {
  std::string system;                    // S
  const Fields* snapshot = nullptr;      // canonical fields, may hold "_meta"
  const Fields* incoming = nullptr;      // S's record, canonical names, refs as canonical ids
  const FieldHashes* known = nullptr;    // what S held last time; nullptr = first sight
  std::vector<std::string> fields;       // fields S holds (only these are considered)
  std::map<std::string, std::string> owners;  // field -> owning system
  config::ConflictPolicy policy = config::ConflictPolicy::kNewest;
  std::string prefer_system;
  std::string record_time;  // when S says the record changed (ISO UTC), may be empty
  std::string now;          // ISO UTC, stamps _meta for taken fields
};

struct MergeOutcome {
  Fields merged;                         // new snapshot fields (with updated _meta)
  std::vector<FieldChange> changes;      // fields whose canonical value changed
  std::vector<FieldDispute> disputes;    // incoming values not taken (owner, conflicts)
  bool manual_conflict = false;          // a dispute that waits for a human
};

MergeOutcome merge_record(const MergeInput& in);

}  // namespace coopsync::engine
