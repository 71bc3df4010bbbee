// A write the system refused because its record changed there since coopsync read it
// (kConflict: CalDAV's If-Match answered 412, a version that moved on). Sending the same
// write again would fail the same way until it became a dead letter, and sending it without
// the check would overwrite a person's edit. So: read the system's changes of that kind
// again (the edited record among them), merge them field by field like any pull (an edit of
// another field is kept, an edit of the same field follows ownership and the conflict
// policy), re-plan the entity, and send the new write, with the new version, once. A write
// refused again waits for a later pass with backoff: no loop.
#include "core/engine/pass_run.hpp"

namespace coopsync::engine {

Status PassRun::reread_after_conflicts(SystemRuntime& sys, EntityKind kind, const Refused& refused) {
  const auto* pol = sys.policy(kind);
  const auto* cap = sys.capability(kind);
  const auto fail_all = [&]() -> Status {
    for (const auto& [entry, error] : refused) {
      ++report_.systems[sys.name()].failed;
      if (auto st = fail(sys, *entry, error); !st.ok()) return st;
    }
    return ok_status();
  };
  if (pol == nullptr || cap == nullptr || !pol->read || !cap->read || sys.unavailable) return fail_all();
  e_.log_->info("{}: {} {} record(s) changed there since read; reading them again", sys.name(),
                refused.size(), to_string(kind));
  if (auto st = pull_system(sys, kind); !st.ok()) return st;
  if (sys.unavailable) return fail_all();
  if (auto st = load_blocked(); !st.ok()) return st;  // the merge may have raised one (manual)

  std::vector<store::OutboxEntry> planned;  // every system's entries of the re-planned entities
  std::set<std::string> retry_keys;         // of those, this system's: sent at once
  for (const auto& refusal : refused) {
    // Named, not a structured binding: clang (the fuzz build) refuses a lambda's capture
    // of a binding.
    const auto& entry = refusal.first;
    const auto& error = refusal.second;
    const std::string& id = entry->write.entity_id;
    auto snap = blocked_.count(id) ? Result<std::optional<store::Snapshot>>(std::nullopt)
                                   : e_.store_.get_snapshot(id);
    if (!snap.ok()) return std::move(snap).error();
    if (!snap->has_value()) {  // waits for a human (or vanished): the entry keeps its backoff
      ++report_.systems[sys.name()].failed;
      if (auto st = fail(sys, *entry, error); !st.ok()) return st;
      continue;
    }
    // The links of the entity everywhere, and the entities it refers to (still in effect?).
    std::vector<store::Link> links;
    for (auto& other : e_.systems_) {
      if (!selected(other) || other.policy(kind) == nullptr) continue;
      auto link = e_.store_.link_of(id, other.name());
      if (!link.ok()) return std::move(link).error();
      if (link->has_value()) links.push_back(std::move(**link));
    }
    std::map<std::string, const store::Link*> by_system;
    for (const auto& l : links) by_system[l.system] = &l;
    std::vector<store::Snapshot> related;
    for (const auto& ref : ref_fields(kind)) {
      const auto& f = (*snap)->fields;
      if (!f.contains(ref.name) || !f[ref.name].is_string()) continue;
      auto target = e_.store_.get_snapshot(f[ref.name].get<std::string>());
      if (!target.ok()) return std::move(target).error();
      if (target->has_value()) related.push_back(std::move(**target));
    }
    std::unordered_map<std::string, const store::Snapshot*> all;
    for (const auto& r : related) all[r.entity_id] = &r;
    all[id] = &**snap;
    std::vector<store::OutboxEntry> out;
    plan_entity(**snap, by_system, all, out);
    // As plan_kind: no create that could never land.
    if (auto st = drop_never_landing(out, 0); !st.ok()) return st;
    const store::OutboxEntry* mine = nullptr;
    for (const auto& e : out) {
      if (e.system == sys.name()) mine = &e;
    }
    if (mine != nullptr && mine->key == entry->key) {
      // Read again, nothing explains the refusal (the server did not list the change): the
      // entry waits for a later pass, with backoff, like any failed write.
      ++report_.systems[sys.name()].failed;
      if (auto st = fail(sys, *entry, error); !st.ok()) return st;
      continue;
    }
    e_.log_->info("{}: {} {} merged with the change made there; {}", sys.name(), to_string(kind),
                  entry->write.entity_id,
                  mine == nullptr ? "nothing left to write" : "written again with the new version");
    if (mine != nullptr) retry_keys.insert(mine->key);
    auto st = e_.store_.transaction([&]() -> Status {
      if (auto s = e_.store_.enqueue(out); !s.ok()) return s;
      return e_.store_.mark_done(entry->id);  // superseded by the re-planned entry
    });
    if (!st.ok()) return st;
    for (auto& e : out) planned.push_back(std::move(e));
  }
  for (const auto& e : planned) ++report_.systems[e.system].planned;
  if (retry_keys.empty()) return ok_status();
  auto due = e_.store_.due(sys.name(), store::Clock::now(), 1000000);
  if (!due.ok()) return std::move(due).error();
  std::vector<store::OutboxEntry> retry;
  for (auto& e : *due) {
    if (retry_keys.count(e.key)) retry.push_back(std::move(e));
  }
  return apply_batch(sys, retry, /*reread=*/false);
}

}  // namespace coopsync::engine
