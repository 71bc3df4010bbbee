// Plan: for every entity and every system in scope, compare the projection the system
// should hold with what its link says it holds, field by field. Equal means nothing to
// write (echo suppression: our own write read back changes nothing). Differences become
// outbox entries whose key is derived from their content, so planning twice enqueues once.
#include "core/engine/pass_run.hpp"
#include "core/model/normalize.hpp"

#include <algorithm>

namespace coopsync::engine {

namespace {

bool is_deleted(const Fields& f) {
  return f.contains("_meta") && f["_meta"].is_object() && f["_meta"].value("deleted", false);
}

// Whether the event a registration points to has already begun at `now`.
bool event_begun(const Fields& registration, const std::unordered_map<std::string, const store::Snapshot*>& all,
                 const std::string& now) {
  if (!registration.contains(field::kEvent) || !registration[field::kEvent].is_string()) return false;
  auto it = all.find(registration[field::kEvent].get<std::string>());
  if (it == all.end()) return false;
  const auto& start = it->second->fields.value(field::kStart, nlohmann::json());
  if (!start.is_string()) return false;
  auto begins = parse_instant(start.get<std::string>());
  auto at = parse_instant(now);
  return begins.ok() && at.ok() && *begins <= *at;
}

// Whether the entity should exist (actively) in the systems, derived from its own state and,
// for memberships and registrations, from the entities they join. A person who leaves loses
// their registrations for events to come; those of events already begun stay as they are
// (they are history: who came).
bool effective(EntityKind kind, const Fields& f,
               const std::unordered_map<std::string, const store::Snapshot*>& all, const std::string& now) {
  if (is_deleted(f)) return false;
  if (kind == EntityKind::kPerson) return f.value(field::kActive, true) != false;
  for (const auto& ref : ref_fields(kind)) {
    if (ref.target == EntityKind::kGroup && kind == EntityKind::kGroup) continue;  // parent
    if (!f.contains(ref.name) || !f[ref.name].is_string()) continue;
    auto it = all.find(f[ref.name].get<std::string>());
    if (it == all.end()) continue;
    if (effective(ref.target, it->second->fields, all, now)) continue;
    if (kind == EntityKind::kRegistration && ref.target == EntityKind::kPerson && event_begun(f, all, now)) continue;
    return false;
  }
  return true;
}

Fields project(const Fields& canonical, const std::vector<std::string>& names) {
  Fields out = Fields::object();
  for (const auto& n : names) {
    if (canonical.contains(n)) out[n] = canonical[n];
  }
  return out;
}

}  // namespace

Result<std::vector<store::OutboxEntry>> PassRun::plan_kind(EntityKind kind) {
  std::vector<store::OutboxEntry> all;
  auto st = plan_kind(kind, [&](std::vector<store::OutboxEntry>& chunk) -> Status {
    if (all.empty()) {
      all = std::move(chunk);
    } else {
      all.insert(all.end(), std::make_move_iterator(chunk.begin()), std::make_move_iterator(chunk.end()));
    }
    return ok_status();
  });
  if (!st.ok()) return std::move(st).error();
  return all;
}

Status PassRun::plan_kind(EntityKind kind, const PlanSink& sink) {
  maybe_landed_.clear();
  // The entities to plan (all of the kind, or those marked: plan_scope.cpp).
  std::optional<std::set<std::string>> only;
  if (marks_only_) {
    auto scope = marked_scope(kind);
    if (!scope.ok()) return std::move(scope).error();
    if (scope->empty()) return ok_status();
    only = std::move(*scope);
  }
  if (kind == EntityKind::kMembership) {
    for (const auto& sys : e_.systems_) {
      if (!selected(sys)) continue;
      auto tried = e_.store_.maybe_landed(sys.name(), kind);
      if (!tried.ok()) return std::move(tried).error();
      if (!tried->empty()) maybe_landed_[sys.name()].insert(tried->begin(), tried->end());
    }
  }
  // Retired entities (ignored by a conflict's resolution, merged, being erased) are never
  // projected anywhere, nor is what joins them (their memberships, registrations); neither
  // is anything of an entity that waits for a human (open conflict).
  std::unordered_map<std::string, bool> retired_cache;
  const auto held_back = [&](const std::string& id) -> Result<bool> {
    if (blocked_.count(id)) return true;
    auto cached = retired_cache.find(id);
    if (cached != retired_cache.end()) return cached->second;
    auto entity = e_.store_.get_entity(id);
    if (!entity.ok()) return std::move(entity).error();
    const bool retired = !entity->has_value() || !(*entity)->merged_into.empty();
    retired_cache.emplace(id, retired);
    return retired;
  };
  std::vector<store::OutboxEntry> out;
  std::string after;
  do {
    // A page of them, the entities they join (memberships/registrations: to know whether
    // those are still effective), and their links per selected system.
    auto input = plan_input(kind, only ? &*only : nullptr, after);
    if (!input.ok()) return std::move(input).error();
    after = input->next;
    std::unordered_map<std::string, const store::Snapshot*> all;
    for (const auto& s : input->related) all[s.entity_id] = &s;
    for (const auto& s : input->snaps) all[s.entity_id] = &s;
    const auto& links = input->links;  // system -> entity -> link
    for (const auto& snap : input->snaps) {
      auto held = held_back(snap.entity_id);
      if (!held.ok()) return std::move(held).error();
      for (const auto& ref : ref_fields(kind)) {
        if (*held) break;
        if (ref.target == kind) continue;  // a group's parent does not hold it back
        if (!snap.fields.contains(ref.name) || !snap.fields[ref.name].is_string()) continue;
        held = held_back(snap.fields[ref.name].get<std::string>());
        if (!held.ok()) return std::move(held).error();
      }
      if (*held) continue;
      std::map<std::string, const store::Link*> by_system;
      for (const auto& [system, m] : links) {
        auto it = m.find(snap.entity_id);
        if (it != m.end()) by_system[system] = &it->second;
      }
      const std::size_t first = out.size();
      plan_entity(snap, by_system, all, out);
      // A membership or registration cannot be created where an entity it joins is missing
      // and will never be made by us (the system takes no creates of that kind: Mobilizon
      // persons). Planned anyway, it would wait there until it became a dead letter. It is
      // planned once that entity is found there (read and linked).
      if (auto st = drop_never_landing(out, first); !st.ok()) return st;
      considered_.insert(snap.entity_id);
      for (std::size_t i = first; i < out.size(); ++i) planned_keys_.insert(out[i].key);
    }
    if (!out.empty()) {
      if (auto st = sink(out); !st.ok()) return st;
      out.clear();
    }
  } while (!after.empty());
  return ok_status();
}

Status PassRun::drop_never_landing(std::vector<store::OutboxEntry>& out, std::size_t from) {
  for (std::size_t i = from; i < out.size();) {
    auto never = ref_never_there(out[i]);
    if (!never.ok()) return std::move(never).error();
    if (*never) {
      out.erase(out.begin() + static_cast<std::ptrdiff_t>(i));
    } else {
      ++i;
    }
  }
  return ok_status();
}

Result<bool> PassRun::ref_never_there(const store::OutboxEntry& entry) {
  if (entry.write.op != WriteOp::kCreate) return false;
  const SystemRuntime* sys = nullptr;
  for (const auto& s : e_.systems_) {
    if (s.name() == entry.system) sys = &s;
  }
  if (sys == nullptr) return false;
  for (const auto& ref : ref_fields(entry.write.kind)) {
    if (ref.target == entry.write.kind) continue;  // a group's parent is made like the group
    const auto& f = entry.write.fields;
    if (!f.contains(ref.name) || !f[ref.name].is_string()) continue;
    const auto* pol = sys->policy(ref.target);
    const auto* cap = sys->capability(ref.target);
    if (pol != nullptr && cap != nullptr && pol->create && cap->create) continue;
    auto link = e_.store_.link_of(f[ref.name].get<std::string>(), sys->name());
    if (!link.ok()) return std::move(link).error();
    if (!link->has_value()) return true;
  }
  return false;
}

void PassRun::plan_entity(const store::Snapshot& snap,
                          const std::map<std::string, const store::Link*>& links_by_system,
                          const std::unordered_map<std::string, const store::Snapshot*>& all,
                          std::vector<store::OutboxEntry>& out) {
  const EntityKind kind = snap.kind;
  const bool live = effective(kind, snap.fields, all, now_);
  for (auto& sys : e_.systems_) {
    if (!selected(sys)) continue;
    const auto* pol = sys.policy(kind);
    const auto* cap = sys.capability(kind);
    if (pol == nullptr || cap == nullptr) continue;
    const auto fields = sys.synced_fields(kind);
    Fields proj = project(snap.fields, fields);
    auto lit = links_by_system.find(sys.name());
    const store::Link* link = lit == links_by_system.end() ? nullptr : lit->second;
    const FieldHashes known = link ? decode_hashes(link->hash) : FieldHashes{};

    Write w;
    w.entity_id = snap.entity_id;
    w.kind = kind;
    w.fields = proj;
    std::string reason;
    if (!live) {
      if (pol->on_delete == config::DeletePolicy::kIgnore) continue;
      // Never linked there, but our create may have landed there with its answer lost (a
      // member invited with her room's creation, which failed after the invites): removed
      // by its pair, which the connector resolves; a removal of what is not there is done.
      // A system need not list it (a Matrix room not yet in the space is not read).
      if (link == nullptr) {
        auto tried = maybe_landed_.find(sys.name());
        if (tried == maybe_landed_.end() || !tried->second.count(snap.entity_id)) continue;
      }
      if (known.count(kAbsent)) continue;  // gone or disabled there already
      const bool can_disable = cap->disable;
      if (pol->on_delete == config::DeletePolicy::kDelete || !can_disable) {
        if (!cap->remove) continue;
        w.op = WriteOp::kDelete;
      } else {
        // Already disabled there (we did it, or it was read back so): nothing to do.
        auto a = known.find(field::kActive);
        if (kind == EntityKind::kPerson && a != known.end() && a->second == hash_value(false)) continue;
        w.op = WriteOp::kDisable;
      }
      reason = kind == EntityKind::kPerson ? "person left" : std::string(to_string(kind)) + " removed";
      if (link == nullptr) reason += " (our add there may have landed, its answer lost)";
    } else if (link == nullptr) {
      if (!pol->create || !cap->create) continue;
      w.op = WriteOp::kCreate;
      for (auto it = proj.begin(); it != proj.end(); ++it) w.changed.push_back(it.key());
      reason = "not yet in " + sys.name();
    } else if (kind == EntityKind::kMembership && known.count(kAbsent)) {
      // Removed there before and wanted again (a member moved back to a group it left):
      // the record is gone there, so it is made again, not updated.
      if (!pol->create || !cap->create) continue;
      w.op = WriteOp::kCreate;
      for (auto it = proj.begin(); it != proj.end(); ++it) w.changed.push_back(it.key());
      reason = "back in " + sys.name();
    } else {
      for (auto it = proj.begin(); it != proj.end(); ++it) {
        auto k = known.find(it.key());
        if (k == known.end() || k->second != hash_value(it.value())) w.changed.push_back(it.key());
      }
      if (w.changed.empty()) continue;  // the system already holds exactly this
      const bool reactivate = kind == EntityKind::kPerson &&
                              std::find(w.changed.begin(), w.changed.end(), field::kActive) != w.changed.end() &&
                              proj.value(field::kActive, true) == true;
      if (reactivate && cap->disable) {
        w.op = WriteOp::kEnable;
      } else {
        if (!pol->update || !cap->update) continue;
        w.op = WriteOp::kUpdate;
      }
      reason = "changed: ";
      for (std::size_t i = 0; i < w.changed.size(); ++i) reason += (i ? "," : "") + w.changed[i];
    }
    if (link != nullptr) {
      w.external_id = link->external_id;
      w.version = link->version;
    }
    // The key names what is written onto which state of the record: the same plan made
    // twice is one entry, while a record that drifted again (new version or content) gets
    // a new entry even if an earlier, identical write is long done.
    w.key = hash_text(sys.name() + "|" + snap.entity_id + "|" + to_string(w.op) + "|" +
                      (link ? link->external_id + "|" + link->version + "|" + link->hash : std::string()) +
                      "|" + proj.dump());
    store::OutboxEntry entry;
    entry.key = w.key;
    entry.system = sys.name();
    entry.write = std::move(w);
    entry.reason = std::move(reason);
    out.push_back(std::move(entry));
  }
}

}  // namespace coopsync::engine
