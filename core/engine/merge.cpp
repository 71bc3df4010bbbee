#include "core/engine/merge.hpp"

namespace coopsync::engine {

namespace {
const nlohmann::json kNull = nullptr;

const nlohmann::json& value_of(const Fields& f, const std::string& name) {
  if (!f.is_object()) return kNull;
  auto it = f.find(name);
  return it == f.end() ? kNull : *it;
}

bool present(const Fields& f, const std::string& name) {
  const auto& v = value_of(f, name);
  return !v.is_null() && !(v.is_string() && v.get<std::string>().empty());
}

// When the canonical value of `field` was last set, per _meta ("" when unknown).
std::string stamp_of(const Fields& snapshot, const std::string& field) {
  const auto& meta = value_of(snapshot, "_meta");
  if (!meta.is_object() || !meta.contains("at")) return {};
  const auto& at = meta["at"];
  auto it = at.find(field);
  return (it != at.end() && it->is_string()) ? it->get<std::string>() : std::string();
}

void take(MergeOutcome& out, const MergeInput& in, const std::string& field,
          const nlohmann::json& value, const std::string& rule) {
  FieldChange change{field, value_of(out.merged, field), value, rule};
  out.merged[field] = value;
  auto& meta = out.merged["_meta"];
  if (!meta.is_object()) meta = nlohmann::json::object();
  meta["at"][field] = in.record_time.empty() ? in.now : in.record_time;
  meta["by"][field] = in.system;
  out.changes.push_back(std::move(change));
}
}  // namespace

MergeOutcome merge_record(const MergeInput& in) {
  MergeOutcome out;
  out.merged = (in.snapshot != nullptr && in.snapshot->is_object()) ? *in.snapshot : Fields::object();
  const Fields& incoming = *in.incoming;
  for (const auto& field : in.fields) {
    if (!incoming.contains(field)) continue;  // S did not report it
    const nlohmann::json& theirs = incoming[field];
    const nlohmann::json& ours = value_of(out.merged, field);
    const std::string their_hash = hash_value(theirs);
    if (their_hash == hash_value(ours)) continue;  // already agreed (or an echo of our write)

    const auto owner_it = in.owners.find(field);
    const bool owned_elsewhere = owner_it != in.owners.end() && owner_it->second != in.system;
    const bool owned_here = owner_it != in.owners.end() && owner_it->second == in.system;

    if (in.known == nullptr || !in.known->count(field)) {
      // First sight of this record (or of this field): no history to tell who changed.
      if (!present(out.merged, field)) {
        // An empty canonical field is filled by whoever has a value, owner or not: the
        // owner's own value, when it comes, still wins.
        if (present(incoming, field)) take(out, in, field, theirs, "first_value");
        continue;
      }
      if (owned_here) {
        take(out, in, field, theirs, "owner");
      } else if (present(incoming, field)) {
        out.disputes.push_back({field, ours, theirs,
                                owned_elsewhere ? "owned_by:" + owner_it->second : "first_link_keeps_canonical"});
      }
      continue;
    }

    const std::string& last_seen = in.known->at(field);
    if (last_seen == their_hash) continue;  // S did not change it: S is just behind
    // S changed the field.
    if (owned_elsewhere) {
      out.disputes.push_back({field, ours, theirs, "owned_by:" + owner_it->second});
      continue;
    }
    if (owned_here || last_seen == hash_value(ours)) {
      take(out, in, field, theirs, owned_here ? "owner" : "sequential");
      continue;
    }
    // Concurrent: S changed a value it had never received.
    switch (in.policy) {
      case config::ConflictPolicy::kNewest: {
        const std::string ours_at = stamp_of(out.merged, field);
        const std::string theirs_at = in.record_time.empty() ? in.now : in.record_time;
        if (ours_at.empty() || theirs_at >= ours_at) {
          out.disputes.push_back({field, theirs, ours, "newest"});  // audit: the value that lost
          take(out, in, field, theirs, "newest");
        } else {
          out.disputes.push_back({field, ours, theirs, "newest"});
        }
        break;
      }
      case config::ConflictPolicy::kPreferSystem:
        if (in.system == in.prefer_system) {
          out.disputes.push_back({field, theirs, ours, "prefer_system"});
          take(out, in, field, theirs, "prefer_system");
        } else {
          out.disputes.push_back({field, ours, theirs, "prefer_system"});
        }
        break;
      case config::ConflictPolicy::kManual:
        out.disputes.push_back({field, ours, theirs, "manual"});
        out.manual_conflict = true;
        break;
    }
  }
  return out;
}

}  // namespace coopsync::engine
