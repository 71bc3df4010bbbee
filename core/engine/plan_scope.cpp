// Which entities a pass plans. Planning is derived from durable state only (snapshots, links,
// conflicts, retirements), and the store marks an entity whenever that state changes
// (Store::plan_marks, set by the store in the same transaction as the change). So a pass
// plans the marked entities, what joins them (a membership whose person left) and those
// with writes still pending (an entry planned from an earlier state is then superseded), and
// clears the marks in the transaction that enqueues the plan: a crash in between leaves
// them marked, planned again by the next pass. An idle pass then plans nothing rather than
// every entity against every system.
//
// Every entity is planned instead when the plan cannot lean on the marks: the store's first
// pass, a pass restricted to some systems or kinds (it keeps the marks for the others), a
// dry run, `coopsync plan` and `apply` (they show and apply every intended write), a change
// of the configured policies or of the plan rules, and at least every kFullPlanEvery: what
// depends on the clock alone (an event that has begun keeps the registrations of a person
// who left) is then caught up.
#include "core/engine/pass_run.hpp"
#include "core/model/normalize.hpp"

#include <chrono>

namespace coopsync::engine {

namespace {

constexpr const char* kEngineCursor = "!engine";  // not a valid system name: no clash
constexpr const char* kFullPlanStream = "plan:full";
constexpr auto kFullPlanEvery = std::chrono::hours(1);
// Up to this many entities of a kind are loaded one by one; more, with the kind's tables.
constexpr std::size_t kPointLoads = 256;
// More are planned a page of this many at a time (snapshots, what they refer to, links).
constexpr std::size_t kPlanPage = 1000;
// Bump when plan_entity's rules change: the first pass of the new binary plans everything.
constexpr int kPlanRules = 2;

// What plan_entity's outcome depends on besides the store: the systems, their policies and
// their connectors' capabilities.
std::string plan_fingerprint(const std::vector<SystemRuntime>& systems) {
  nlohmann::json j = nlohmann::json::array({kPlanRules});
  for (const auto& sys : systems) {
    nlohmann::json s = {{"name", sys.name()}};
    for (EntityKind kind : kAllKinds) {
      const auto* pol = sys.policy(kind);
      const auto* cap = sys.capability(kind);
      if (pol == nullptr || cap == nullptr) continue;
      s[to_string(kind)] = {pol->read,    pol->create, pol->update,  static_cast<int>(pol->on_delete),
                            pol->owns,    pol->fields, cap->create,  cap->update,
                            cap->disable, cap->remove, cap->fields,  sys.synced_fields(kind)};
    }
    j.push_back(std::move(s));
  }
  return hash_text(j.dump());
}

}  // namespace

Result<std::string> PassRun::due_full_plan() {
  const std::string fingerprint = plan_fingerprint(e_.systems_);
  auto last = e_.store_.get_cursor(kEngineCursor, kFullPlanStream);
  if (!last.ok()) return std::move(last).error();
  const auto record = nlohmann::json::parse(*last, nullptr, false);
  if (record.is_object() && record.value("fingerprint", std::string()) == fingerprint) {
    auto at = parse_instant(record.value("at", std::string()));
    auto now = parse_instant(now_);
    if (at.ok() && now.ok() && *at <= *now && *now - *at < kFullPlanEvery) return std::string();
  }
  return nlohmann::json{{"at", now_}, {"fingerprint", fingerprint}}.dump();
}

Status PassRun::choose_reads() {
  read_whole_ = false;
  const bool restricted_reads = !options_.pull_only.empty() || options_.feeds_only;
  const bool leans_on_marks = options_.only_systems.empty() && options_.only_kinds.empty() &&
                              !options_.dry_run && !options_.inspect && !options_.only_planned;
  if (!restricted_reads || !leans_on_marks) return ok_status();
  auto due = due_full_plan();
  if (!due.ok()) return std::move(due).error();
  read_whole_ = !due->empty();
  if (read_whole_) e_.log_->info("hourly full plan: every system is read whole first");
  return ok_status();
}

bool PassRun::pulls(const SystemRuntime& sys, EntityKind kind) const {
  if (read_whole_) return true;
  if (!options_.pull_only.empty() && !options_.pull_only.count(sys.name())) return false;
  return !options_.feeds_only || !sys.connector->capabilities().listed_kinds.count(kind);
}

Status PassRun::choose_plan_scope() {
  auto marks = e_.store_.plan_marks();
  if (!marks.ok()) return std::move(marks).error();
  marks_ = std::move(*marks);
  marks_only_ = false;
  full_plan_.clear();
  clears_marks_ = options_.only_systems.empty() && options_.only_kinds.empty();
  if (!clears_marks_ || options_.dry_run || options_.inspect || options_.only_planned) return ok_status();
  auto due = due_full_plan();
  if (!due.ok()) return std::move(due).error();
  if (due->empty()) {
    marks_only_ = true;
    if (auto st = load_pending(); !st.ok()) return st;
  } else {
    full_plan_ = std::move(*due);
  }
  return ok_status();
}

Status PassRun::clear_planned_marks() {
  if (!clears_marks_) return ok_status();
  std::vector<std::string> ids;
  ids.reserve(marks_.size());
  for (const auto& m : marks_) ids.push_back(m.entity_id);
  if (auto st = e_.store_.clear_plan_marks(ids); !st.ok()) return st;
  if (full_plan_.empty()) return ok_status();
  return e_.store_.set_cursor(kEngineCursor, kFullPlanStream, full_plan_);
}

Status PassRun::settle_apply_marks() {
  if (!clears_marks_ || options_.dry_run) return ok_status();
  auto marks = e_.store_.plan_marks();
  if (!marks.ok()) return std::move(marks).error();
  if (marks->empty()) return ok_status();
  marks_ = std::move(*marks);
  marks_only_ = true;
  full_plan_.clear();
  if (auto st = load_pending(); !st.ok()) return st;
  std::size_t writes = 0;
  for (EntityKind kind : kAllKinds) {
    auto st = plan_kind(kind, [&](std::vector<store::OutboxEntry>& entries) -> Status {
      writes += entries.size();
      return ok_status();
    });
    if (!st.ok()) return st;
  }
  if (writes > 0) {
    e_.log_->debug("{} entities changed by this pass's writes still differ somewhere ({} writes): "
                   "the next pass plans them", marks_.size(), writes);
    return ok_status();
  }
  return e_.store_.transaction([&] { return clear_planned_marks(); });
}

Status PassRun::load_pending() {
  pending_.clear();
  auto open = e_.store_.list_outbox(store::OutboxState::kPending, SIZE_MAX);
  if (!open.ok()) return std::move(open).error();
  for (const auto& e : *open) pending_.emplace_back(e.write.entity_id, e.write.kind);
  return ok_status();
}

Result<std::set<std::string>> PassRun::marked_scope(EntityKind kind) {
  std::set<std::string> ids;
  for (const auto& [id, k] : pending_) {
    if (k == kind) ids.insert(id);
  }
  std::set<EntityKind> joined;  // kinds with a mark that matters to what joins them
  for (const auto& m : marks_) {
    if (m.joins) joined.insert(m.kind);
    if (m.kind == kind) ids.insert(m.entity_id);
  }
  // What joins a marked entity: whether it is still effective (or held back, or can land
  // where the entity is linked) may have changed with it.
  for (const auto& ref : ref_fields(kind)) {
    if (ref.target == kind || !joined.count(ref.target)) continue;
    auto joining = e_.store_.referencing_marked(kind, ref.name);
    if (!joining.ok()) return std::move(joining).error();
    ids.insert(joining->begin(), joining->end());
  }
  return ids;
}

Result<PassRun::PlanInput> PassRun::plan_input(EntityKind kind, const std::set<std::string>* only,
                                               const std::string& after) {
  PlanInput in;
  const auto planned_here = [&](const SystemRuntime& sys) { return selected(sys) && sys.policy(kind) != nullptr; };
  const auto refs_of = [&](const store::Snapshot& snap, std::set<std::string>& into) {
    for (const auto& ref : ref_fields(kind)) {
      const auto& f = snap.fields;
      if (ref.target != kind && f.contains(ref.name) && f[ref.name].is_string()) {
        into.insert(f[ref.name].get<std::string>());
      }
    }
  };
  const auto load_related = [&](const std::set<std::string>& ids) -> Status {
    for (const auto& id : ids) {
      auto snap = e_.store_.get_snapshot(id);
      if (!snap.ok()) return std::move(snap).error();
      if (snap->has_value()) in.related.push_back(std::move(**snap));
    }
    return ok_status();
  };
  if (!only || only->size() > kPointLoads) {
    // A page of the kind, the entities they refer to, and their links.
    auto page = e_.store_.snapshots_of(kind, after, kPlanPage);
    if (!page.ok()) return std::move(page).error();
    const std::string last = page->empty() ? after : page->back().entity_id;
    if (page->size() == kPlanPage) in.next = last;
    std::set<std::string> related;
    for (auto& s : *page) {
      if (only && !only->count(s.entity_id)) continue;
      refs_of(s, related);
      in.snaps.push_back(std::move(s));
    }
    if (in.snaps.empty()) return in;
    if (auto st = load_related(related); !st.ok()) return std::move(st).error();
    for (auto& sys : e_.systems_) {
      if (!planned_here(sys)) continue;
      auto links = e_.store_.links_in(sys.name(), kind, after, last);
      if (!links.ok()) return std::move(links).error();
      auto& m = in.links[sys.name()];
      for (auto& l : *links) {
        if (!only || only->count(l.entity_id)) m.emplace(l.entity_id, std::move(l));
      }
    }
    return in;
  }
  std::set<std::string> related;
  for (const auto& id : *only) {
    auto snap = e_.store_.get_snapshot(id);
    if (!snap.ok()) return std::move(snap).error();
    if (!snap->has_value() || (*snap)->kind != kind) continue;  // erased since it was marked
    refs_of(**snap, related);
    auto links = e_.store_.links_of(id);
    if (!links.ok()) return std::move(links).error();
    for (auto& l : *links) {
      for (const auto& sys : e_.systems_) {
        if (sys.name() == l.system && planned_here(sys)) in.links[sys.name()].emplace(l.entity_id, l);
      }
    }
    in.snaps.push_back(std::move(**snap));
  }
  if (auto st = load_related(related); !st.ok()) return std::move(st).error();
  return in;
}

}  // namespace coopsync::engine
