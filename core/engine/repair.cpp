#include "core/engine/repair.hpp"

#include "core/engine/pass_run.hpp"

#include <algorithm>

namespace coopsync::engine {

namespace {
Result<store::Conflict> open_conflict(store::Store& store, std::int64_t id, const std::string& entity) {
  auto c = store.get_conflict(id);
  if (!c.ok()) return std::move(c).error();
  if (!c->has_value()) return make_error(ErrorKind::kInvalidInput, "no conflict #" + std::to_string(id));
  if ((*c)->resolved) return make_error(ErrorKind::kInvalidInput, "conflict #" + std::to_string(id) + " is already resolved");
  const auto& cands = (*c)->candidates;
  if (std::find(cands.begin(), cands.end(), entity) == cands.end()) {
    std::string list;
    for (const auto& x : cands) list += " " + x;
    return make_error(ErrorKind::kInvalidInput, "entity " + entity + " is not a candidate of conflict #" +
                                                    std::to_string(id) + " (candidates:" + list + ")");
  }
  return **c;
}

Status audit(store::Store& store, const std::string& entity, const std::string& action, nlohmann::json details) {
  store::AuditEntry a;
  a.entity_id = entity;
  a.action = action;
  a.details = std::move(details);
  return store.append_audit(a);
}
}  // namespace

Status resolve_keep(store::Store& store, std::int64_t conflict_id, const std::string& keep) {
  auto c = open_conflict(store, conflict_id, keep);
  if (!c.ok()) return std::move(c).error();
  return store.transaction([&]() -> Status {
    for (const auto& other : c->candidates) {
      if (other == keep) continue;
      if (auto st = store.mark_merged(other, kIgnored); !st.ok()) return st;
      if (auto st = store.set_identity_keys(other, c->kind, {}); !st.ok()) return st;
      if (auto st = audit(store, other, "ignored", {{"conflict", conflict_id}, {"kept", keep}}); !st.ok()) return st;
    }
    if (auto st = audit(store, keep, "kept", {{"conflict", conflict_id}}); !st.ok()) return st;
    return store.resolve_conflict(conflict_id, "keep " + keep);
  });
}

Status resolve_merge(store::Store& store, std::int64_t conflict_id, const std::string& into, const std::string& from) {
  auto c = open_conflict(store, conflict_id, into);
  if (!c.ok()) return std::move(c).error();
  if (auto c2 = open_conflict(store, conflict_id, from); !c2.ok()) return std::move(c2).error();
  if (into == from) return make_error(ErrorKind::kInvalidInput, "cannot merge an entity into itself");
  return store.transaction([&]() -> Status {
    auto links = store.links_of(from);
    if (!links.ok()) return std::move(links).error();
    nlohmann::json moved = nlohmann::json::array(), kept = nlohmann::json::array();
    for (const auto& l : *links) {
      auto existing = store.link_of(into, l.system);
      if (!existing.ok()) return std::move(existing).error();
      if (existing->has_value()) {
        kept.push_back(l.system + ":" + l.external_id);
        continue;
      }
      store::Link moved_link = l;
      moved_link.entity_id = into;
      moved_link.rule = "merged";
      if (auto st = store.delete_link(l.system, l.kind, l.external_id); !st.ok()) return st;
      if (auto st = store.insert_link(moved_link); !st.ok()) return st;
      moved.push_back(l.system + ":" + l.external_id);
    }
    auto a = store.get_snapshot(into);
    auto b = store.get_snapshot(from);
    if (!a.ok()) return std::move(a).error();
    if (!b.ok()) return std::move(b).error();
    if (a->has_value() && b->has_value()) {
      store::Snapshot merged = **a;
      for (auto it = (*b)->fields.begin(); it != (*b)->fields.end(); ++it) {
        if (it.key() == "_meta") continue;
        if (!merged.fields.contains(it.key()) || merged.fields[it.key()].is_null()) merged.fields[it.key()] = it.value();
      }
      if (auto st = store.put_snapshot(merged); !st.ok()) return st;
    }
    if (auto st = store.mark_merged(from, into); !st.ok()) return st;
    if (auto st = store.set_identity_keys(from, c->kind, {}); !st.ok()) return st;
    if (auto st = audit(store, into, "merge", {{"conflict", conflict_id}, {"from", from}, {"moved", moved}, {"left", kept}}); !st.ok()) {
      return st;
    }
    return store.resolve_conflict(conflict_id, "merge " + from + " into " + into);
  });
}

Result<std::string> split_link(store::Store& store, const std::string& entity, const std::string& system) {
  auto link = store.link_of(entity, system);
  if (!link.ok()) return std::move(link).error();
  if (!link->has_value()) return make_error(ErrorKind::kInvalidInput, "entity " + entity + " has no link in " + system);
  std::string fresh_id;
  auto st = store.transaction([&]() -> Status {
    auto fresh = store.create_entity((*link)->kind);
    if (!fresh.ok()) return std::move(fresh).error();
    fresh_id = fresh->id;
    store::Link moved = **link;
    moved.entity_id = fresh_id;
    moved.rule = "manual-split";
    moved.matched_value.clear();
    moved.hash.clear();  // re-read as a first sight: its fields fill the new entity
    if (auto s = store.delete_link(system, moved.kind, moved.external_id); !s.ok()) return s;
    if (auto s = store.insert_link(moved); !s.ok()) return s;
    // The old entity's writes there, done onto the split record, must not stand for the
    // ones its own record there will need.
    if (auto s = store.drop_done_outbox(system, entity); !s.ok()) return s;
    // Records there that refer to the split one (a membership of that account, a
    // registration) were made or joined for the old entity through the wrong link: unlink
    // them, so the next pass writes the old entity's own ones for its own record there and
    // reads these as the split record's.
    nlohmann::json dependents = nlohmann::json::array();
    for (EntityKind k : kAllKinds) {
      for (const auto& ref : ref_fields(k)) {
        if (ref.target != moved.kind) continue;
        auto links = store.links_in(system, k);
        if (!links.ok()) return std::move(links).error();
        for (const auto& l : *links) {
          auto snap = store.get_snapshot(l.entity_id);
          if (!snap.ok()) return std::move(snap).error();
          if (!snap->has_value() || (*snap)->fields.value(ref.name, nlohmann::json()) != entity) continue;
          if (auto s = store.delete_link(system, k, l.external_id); !s.ok()) return s;
          if (auto s = store.drop_done_outbox(system, l.entity_id); !s.ok()) return s;
          dependents.push_back(std::string(to_string(k)) + ":" + l.external_id);
        }
      }
    }
    // The old entity should no longer hold this system's projection: clearing nothing else,
    // the next plan creates or adopts its record there anew unless policy says otherwise.
    if (auto s = audit(store, entity, "split", {{"system", system}, {"external_id", moved.external_id}, {"new_entity", fresh_id},
                                             {"unlinked", dependents}}); !s.ok()) {
      return s;
    }
    return ok_status();
  });
  if (!st.ok()) return std::move(st).error();
  return fresh_id;
}

}  // namespace coopsync::engine
