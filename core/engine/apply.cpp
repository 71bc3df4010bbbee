// Apply: due outbox entries of one system, coalesced per entity (the newest projection
// wins), refs translated to the system's ids at the last moment (a membership waits for
// its person's account), sent in batches, settled one by one: the link is committed right
// after the remote write, in the same transaction that marks the entry done.
#include "core/engine/apply_pipeline.hpp"
#include "core/engine/backoff.hpp"
#include "core/engine/fault_points.hpp"
#include "core/engine/pass_run.hpp"

#include <algorithm>
#include <set>
#include <unordered_map>

namespace coopsync::engine {

bool whole_batch_failed_transiently(const std::vector<WriteResult>& results) {
  return results.size() > 1 && std::all_of(results.begin(), results.end(), [](const WriteResult& r) {
           return r.error && (r.error->kind == ErrorKind::kTransient || r.error->kind == ErrorKind::kRateLimited);
         });
}

namespace {
// Persons, then groups, then what joins them. When the system's person creates carry their
// memberships (Capabilities::fold_memberships_into), groups come first so they are there
// to be named.
int kind_rank(EntityKind k, std::optional<EntityKind> fold) {
  if (fold == EntityKind::kPerson) {
    if (k == EntityKind::kGroup) return 0;
    if (k == EntityKind::kPerson) return 1;
  }
  switch (k) {
    case EntityKind::kPerson: return 0;
    case EntityKind::kGroup: return 1;
    case EntityKind::kMembership: return 2;
    case EntityKind::kEvent: return 3;
    case EntityKind::kRegistration: return 4;
  }
  return 5;
}

// Due entries are loaded (payloads parsed) this many at a time, never all at once: a first
// sync plans tens of thousands.
constexpr std::size_t kApplyChunk = 1000;
}  // namespace

Status PassRun::apply_system(SystemRuntime& sys) {
  if (sys.unavailable) return ok_status();
  // Applying a plan: its entries now, whatever their backoff; entries of other entities wait.
  const auto& only = only_keys_;
  const auto until = only ? store::Clock::now() + std::chrono::hours(24 * 365 * 100) : store::Clock::now();
  auto due = e_.store_.due_refs(sys.name(), until);
  if (!due.ok()) return std::move(due).error();
  // Coalesce: per entity keep the newest entry (a planned one, when applying a plan); older
  // ones are superseded by it.
  // An entry left over from an earlier pass (in backoff, or waiting) is superseded too when
  // this pass planned its entity anew and wants something else there, or nothing: a create
  // for a membership that ended since would put the member back in the group she left, a
  // removal of one that came back would take her out again.
  // Superseded entries were never carried out: they are dropped, not kept as done, or the
  // same write planned again later (she moves back) would be taken as done by its key.
  std::unordered_map<std::string, std::size_t> newest;
  std::vector<bool> stale(due->size(), false);
  for (std::size_t i = 0; i < due->size(); ++i) {
    const auto& e = (*due)[i];
    const bool planned = only && only->count(e.key);
    if (only && !planned) continue;
    if (!only && considered_.count(e.entity_id) && !planned_keys_.count(e.key)) {
      stale[i] = true;
      continue;
    }
    auto [it, inserted] = newest.emplace(e.entity_id, i);
    if (!inserted && (*due)[it->second].id < e.id) it->second = i;
  }
  std::vector<const store::OutboxRef*> work;
  for (std::size_t i = 0; i < due->size(); ++i) {
    const auto& e = (*due)[i];
    if (stale[i]) {
      e_.log_->debug("{}: {} {} superseded (outbox entry {}): planned from an earlier state",
                     sys.name(), to_string(e.kind), e.entity_id, e.id);
      if (auto st = e_.store_.drop_outbox_entry(e.id); !st.ok()) return st;
      continue;
    }
    auto nit = newest.find(e.entity_id);
    if (nit == newest.end()) continue;  // not part of the plan being applied: waits
    if (nit->second != i) {
      if (auto st = e_.store_.drop_outbox_entry(e.id); !st.ok()) return st;
      continue;
    }
    if (blocked_.count(e.entity_id)) continue;  // waits for a human
    work.push_back(&e);
  }
  newest.clear();
  const auto fold = sys.connector->capabilities().fold_memberships_into;
  std::stable_sort(work.begin(), work.end(), [&](const auto* a, const auto* b) {
    return kind_rank(a->kind, fold) < kind_rank(b->kind, fold);
  });
  if (auto st = index_folds(fold, work); !st.ok()) return st;
  if (auto st = list_before_creating(sys, work); !st.ok()) return st;
  const std::size_t batch_size = static_cast<std::size_t>(std::max(1, sys.config->batch_size));
  std::vector<store::OutboxEntry> batch;
  Pipeline pipeline(*this, sys);
  for (std::size_t from = 0; from < work.size() && !sys.unavailable; from += kApplyChunk) {
    std::vector<std::int64_t> ids;
    const std::size_t to = std::min(work.size(), from + kApplyChunk);
    for (std::size_t i = from; i < to; ++i) ids.push_back(work[i]->id);
    auto chunk = e_.store_.outbox_entries(ids);
    if (!chunk.ok()) return std::move(chunk).error();
    // Settled meanwhile: a membership written with its person's or group's create.
    std::erase_if(*chunk, [](const auto& e) { return e.state != store::OutboxState::kPending; });
    for (std::size_t i = 0; i < chunk->size(); ++i) {
      batch.push_back(std::move((*chunk)[i]));
      const bool last = i + 1 == chunk->size();
      if (batch.size() >= batch_size || last ||
          (*chunk)[i + 1].write.kind != batch.back().write.kind) {
        auto st = overlapping() ? pipeline.send(std::move(batch)) : apply_batch(sys, batch);
        if (!st.ok()) return st;
        batch.clear();
        if (sys.unavailable) break;  // auth failure or outage: the rest waits for the next pass
      }
    }
  }
  if (auto st = pipeline.drain(); !st.ok()) return st;
  folds_.clear();
  folded_done_.clear();
  return ok_status();
}

// A kind the system only lists whole (no change feed: Matrix's accounts, Nextcloud's users)
// and that this pass did not read (a daemon's feed pass) is read now when something is to be
// created there: what was made there by hand since the last listing is then joined to its
// entity rather than doubled (Synapse 1.67 cannot look an account up by email; its admin
// API would move the email onto the new account).
Status PassRun::list_before_creating(SystemRuntime& sys, std::vector<const store::OutboxRef*>& work) {
  for (EntityKind kind : sys.connector->capabilities().listed_kinds) {
    if (listed_.count({sys.name(), kind}) || unread_.count({sys.name(), kind})) continue;
    const auto* pol = sys.policy(kind);
    const auto* cap = sys.capability(kind);
    if (pol == nullptr || cap == nullptr || !pol->read || !cap->read) continue;
    std::set<std::int64_t> creates;  // entries of entities not linked there
    for (const auto* r : work) {
      if (r->kind != kind) continue;
      auto link = e_.store_.link_of(r->entity_id, sys.name());
      if (!link.ok()) return std::move(link).error();
      if (!link->has_value()) creates.insert(r->id);
    }
    if (creates.empty()) continue;
    e_.log_->info("{}: reading its {} listing before creating there", sys.name(), to_string(kind));
    if (auto st = pull_system(sys, kind); !st.ok()) return st;
    // A create whose entity the listing joined to a record there was planned without that
    // record: it is dropped, and the entity (marked by its new link) planned again from the
    // merged state, as a full pass would have planned it.
    std::vector<const store::OutboxRef*> kept;
    for (const auto* r : work) {
      if (creates.count(r->id)) {
        auto link = e_.store_.link_of(r->entity_id, sys.name());
        if (!link.ok()) return std::move(link).error();
        if (link->has_value()) {
          if (auto st = e_.store_.drop_outbox_entry(r->id); !st.ok()) return st;
          continue;
        }
      }
      kept.push_back(r);
    }
    work = std::move(kept);
  }
  return ok_status();
}

Status PassRun::index_folds(std::optional<EntityKind> fold,
                            const std::vector<const store::OutboxRef*>& work) {
  folds_.clear();
  if (!fold) return ok_status();
  const char* owner = *fold == EntityKind::kPerson ? field::kPerson : field::kGroup;
  const char* other = *fold == EntityKind::kPerson ? field::kGroup : field::kPerson;
  std::vector<std::int64_t> ids;
  const auto flush = [&]() -> Status {
    auto entries = e_.store_.outbox_entries(ids);
    ids.clear();
    if (!entries.ok()) return std::move(entries).error();
    for (const auto& e : *entries) {
      const auto& f = e.write.fields;
      if (e.write.op != WriteOp::kCreate || !f.contains(owner) || !f[owner].is_string() ||
          !f.contains(other) || !f[other].is_string()) {
        continue;
      }
      folds_[f[owner].get<std::string>()].push_back(
          {e.id, e.write.entity_id, f[other].get<std::string>()});
    }
    return ok_status();
  };
  for (const auto* r : work) {
    if (r->kind != EntityKind::kMembership) continue;
    ids.push_back(r->id);
    if (ids.size() >= kApplyChunk) {
      if (auto st = flush(); !st.ok()) return st;
    }
  }
  return flush();
}

Status PassRun::apply_batch(SystemRuntime& sys, std::vector<store::OutboxEntry>& batch, bool reread) {
  auto prepared = prepare_batch(sys, std::move(batch));
  batch.clear();
  if (!prepared.ok()) return std::move(prepared).error();
  if (prepared->writes.empty()) return ok_status();
  const auto results = sys.connector->apply(prepared->writes);
  crash_point("after_remote_write");
  Refused refused;
  if (auto st = settle_batch(sys, *prepared, results, reread, refused); !st.ok()) return st;
  if (refused.empty()) return ok_status();
  return reread_after_conflicts(sys, refused.front().first->write.kind, refused);
}

Result<PassRun::Prepared> PassRun::prepare_batch(SystemRuntime& sys, std::vector<store::OutboxEntry> batch) {
  Prepared p;
  p.entries = std::move(batch);
  const auto fold = sys.connector->capabilities().fold_memberships_into;
  for (std::size_t index = 0; index < p.entries.size(); ++index) {
    const auto& entry = p.entries[index];
    if (folded_done_.count(entry.id)) continue;  // written with its person's or group's create
    Write w = entry.write;
    auto link = e_.store_.link_of(w.entity_id, sys.name());
    if (!link.ok()) return std::move(link).error();
    // The entry was planned from an older state of the link: bring the op up to date.
    if (link->has_value()) {
      w.external_id = (*link)->external_id;
      w.version = (*link)->version;
      // A membership made again where it had been removed stays a create (plan: "back in").
      const bool gone =
          w.kind == EntityKind::kMembership && decode_hashes((*link)->hash).count(kAbsent) > 0;
      if (w.op == WriteOp::kCreate && !gone) w.op = WriteOp::kUpdate;
    } else if (w.op == WriteOp::kUpdate) {
      w.op = WriteOp::kCreate;
    } else if (w.op != WriteOp::kCreate) {
      // A membership's removal goes by its pair (plan: our add may have landed unheard);
      // any other removal or enabling of what is not linked there has nothing to act on.
      const bool by_pair = w.kind == EntityKind::kMembership &&
                           (w.op == WriteOp::kDelete || w.op == WriteOp::kDisable);
      bool skip = !by_pair;
      if (by_pair) {
        auto wanted = pair_held_by_another(sys, w);
        if (!wanted.ok()) return std::move(wanted).error();
        skip = *wanted;
      }
      if (skip) {
        if (auto st = e_.store_.mark_done(entry.id); !st.ok()) return st.error();
        continue;
      }
    }
    // Refs: canonical ids -> this system's ids. A ref not linked yet here makes it wait.
    std::string waiting;
    for (const auto& ref : ref_fields(w.kind)) {
      if (!w.fields.contains(ref.name) || !w.fields[ref.name].is_string()) continue;
      auto target = e_.store_.link_of(w.fields[ref.name].get<std::string>(), sys.name());
      if (!target.ok()) return std::move(target).error();
      if (!target->has_value()) {
        waiting = std::string(ref.name);
        break;
      }
      w.fields[ref.name] = (*target)->external_id;
    }
    if (!waiting.empty()) {
      // Not a failure: no backoff, no attempt counted (it never becomes a dead letter of its
      // own); it goes as soon as its ref exists here, in this pass's later batches or after.
      e_.log_->debug("{}: {} {} waits for its {}", sys.name(), to_string(w.kind), w.entity_id, waiting);
      continue;
    }
    if (w.op == WriteOp::kCreate && unread_.count({sys.name(), w.kind})) {
      e_.log_->debug("{}: {} {} waits: its kind could not be read there in this pass", sys.name(),
                     to_string(w.kind), w.entity_id);
      continue;  // like a ref not linked yet: no attempt counted
    }
    w.key = entry.key;
    w.listed = w.op == WriteOp::kCreate && listed_.count({sys.name(), w.kind}) > 0;
    std::vector<const Fold*> carried;
    if (fold && w.kind == *fold && w.op == WriteOp::kCreate) {
      auto st = fold_memberships(sys, w, carried);
      if (!st.ok()) return st.error();
    }
    p.writes.push_back(std::move(w));
    p.sent.push_back(index);
    p.folded.push_back(std::move(carried));
  }
  return p;
}

Status PassRun::settle_batch(SystemRuntime& sys, const Prepared& p, const std::vector<WriteResult>& results,
                             bool reread, Refused& refused) {
  auto& rep = report_.systems[sys.name()];
  const auto& writes = p.writes;
  if (results.size() != writes.size()) {
    return make_error(ErrorKind::kInternal, sys.name() + ": connector returned " + std::to_string(results.size()) +
                                                " results for " + std::to_string(writes.size()) + " writes");
  }
  // The batch's links and outcomes commit together: one durable commit (an fsync) per batch
  // rather than per write. The remote writes are all done already, so a crash loses no more
  // than before (links not committed yet: the next pass reads those records and adopts them).
  auto settled = e_.store_.transaction([&]() -> Status {
    for (std::size_t i = 0; i < writes.size(); ++i) {
      const auto& r = results[i];
      const auto& entry = p.entries[p.sent[i]];
      if (r.error) {
        // Changed there since read: re-read and merged, then sent again (reread_after_conflicts).
        if (reread && r.error->kind == ErrorKind::kConflict && writes[i].op != WriteOp::kCreate) {
          refused.emplace_back(&entry, *r.error);
          continue;
        }
        ++rep.failed;
        if (r.error->kind == ErrorKind::kAuth) {
          sys.unavailable = *r.error;
          if (!rep.error) rep.error = *r.error;
        }
        if (auto st = fail(sys, entry, *r.error); !st.ok()) return st;
        if (auto st = note_carried_tries(p.folded[i], 0, *r.error); !st.ok()) return st;
        continue;
      }
      if (auto st = settle(sys, entry, writes[i], r); !st.ok()) return st;
      if (auto st = settle_folded(sys, p.folded[i], r); !st.ok()) return st;
    }
    return ok_status();
  });
  if (!settled.ok()) return settled;
  crash_point("after_link_commit");
  if (options_.progress) {
    options_.progress(sys.name() + ": " + std::to_string(rep.writes()) + " written, " +
                      std::to_string(rep.failed) + " failed");
  }
  // The whole batch failed transiently: the system is down or throttling. Stop for this
  // pass rather than hammer it; entries keep their backoff schedule.
  if (whole_batch_failed_transiently(results)) {
    sys.unavailable = make_error(ErrorKind::kTransient, sys.name() + ": every write of a batch failed; pausing until the next pass");
  }
  return ok_status();
}

Status PassRun::fold_memberships(SystemRuntime& sys, Write& w, std::vector<const Fold*>& carried) {
  auto it = folds_.find(w.entity_id);
  if (it == folds_.end()) return ok_status();
  for (const auto& f : it->second) {
    if (blocked_.count(f.membership)) continue;
    auto mine = e_.store_.link_of(f.membership, sys.name());
    if (!mine.ok()) return std::move(mine).error();
    if (mine->has_value()) continue;  // there already: its entry goes as an update
    auto target = e_.store_.link_of(f.other, sys.name());
    if (!target.ok()) return std::move(target).error();
    if (!target->has_value()) continue;  // the other side is not there yet: sent on its own
    w.memberships.push_back({f.membership, (*target)->external_id});
    carried.push_back(&f);
  }
  return ok_status();
}

Status PassRun::settle_folded(SystemRuntime& sys, const std::vector<const Fold*>& carried,
                              const WriteResult& r) {
  if (r.error) return ok_status();
  for (std::size_t j = 0; j < carried.size(); ++j) {
    if (j >= r.memberships.size()) {
      return note_carried_tries(carried, j, make_error(ErrorKind::kTransient, "no outcome reported"));
    }
    const auto& m = r.memberships[j];
    if (m.error || m.external_id.empty()) {  // not written with it (maybe): goes on its own
      const Error why = m.error ? *m.error : make_error(ErrorKind::kTransient, "outcome unknown");
      if (auto st = note_carried_tries(carried, j, why, j + 1); !st.ok()) return st;
      continue;
    }
    auto entries = e_.store_.outbox_entries({carried[j]->outbox_id});
    if (!entries.ok()) return std::move(entries).error();
    if (entries->empty() || entries->front().state != store::OutboxState::kPending) continue;
    const auto& entry = entries->front();
    Write mw = entry.write;
    mw.op = WriteOp::kCreate;
    mw.external_id.clear();
    if (auto st = settle(sys, entry, mw, m); !st.ok()) return st;
    folded_done_.insert(entry.id);
  }
  return ok_status();
}

// Whether another membership of the same person and group is there or wanted (she joined
// again): a removal by pair would take that one out.
Result<bool> PassRun::pair_held_by_another(SystemRuntime& sys, const Write& w) {
  const auto keys = identity_keys(w.kind, w.fields, {"pair"});
  if (keys.empty()) return true;  // no pair to remove by
  auto found = e_.store_.match_identity(w.kind, keys[0].first, keys[0].second);
  if (!found.ok()) return std::move(found).error();
  for (const auto& id : *found) {
    if (id == w.entity_id) continue;
    auto link = e_.store_.link_of(id, sys.name());
    if (!link.ok()) return std::move(link).error();
    if (link->has_value()) return true;
    auto snap = e_.store_.get_snapshot(id);
    if (!snap.ok()) return std::move(snap).error();
    if (snap->has_value()) {
      const auto& f = (*snap)->fields;
      if (!(f.contains("_meta") && f["_meta"].value("deleted", false))) return true;
    }
  }
  return false;
}

// Memberships carried in a create that failed, or whose own outcome is unknown, may have
// been written there all the same (Matrix invites with a room's creation, which then failed
// on its space link): counted as tried, so that if the membership ends before its retry,
// the plan removes it there by its pair rather than dropping the create (plan_entity).
Status PassRun::note_carried_tries(const std::vector<const Fold*>& carried, std::size_t from,
                                   const Error& error, std::size_t to) {
  const std::string why = "carried in its " + std::string(to_string(EntityKind::kGroup)) +
                          "'s or person's create: " + error.describe();
  for (std::size_t j = from; j < std::min(to, carried.size()); ++j) {
    auto st = e_.store_.mark_failed(carried[j]->outbox_id, why, store::Clock::now(), false);
    if (!st.ok() && st.error().kind != ErrorKind::kInvalidInput) return st;  // settled already
  }
  return ok_status();
}

Status PassRun::settle(SystemRuntime& sys, const store::OutboxEntry& entry, const Write& w,
                       const WriteResult& r) {
  auto& rep = report_.systems[sys.name()];
  // What the system holds now, as canonical refs (the link's hashes are in canonical terms).
  const FieldHashes written = hash_fields(entry.write.fields);
  bool gone_there = false;
  return e_.store_.transaction([&]() -> Status {
    store::AuditEntry audit;
    audit.entity_id = w.entity_id;
    audit.to_system = sys.name();
    audit.action = to_string(w.op);
    audit.details = {{"reason", entry.reason}, {"changed", w.changed}};
    switch (w.op) {
      case WriteOp::kCreate: {
        store::Link link;
        link.system = sys.name();
        link.kind = w.kind;
        link.external_id = r.external_id;
        link.entity_id = w.entity_id;
        link.version = r.version;
        // An adopted record may differ from our projection: hold no hashes, so the next
        // pull reads it as first sight and the merge rules decide field by field.
        link.hash = r.adopted ? std::string() : encode_hashes(written);
        link.rule = "created";
        if (r.adopted) {  // what found it, for `coopsync links show`
          link.rule = r.matched_key.empty() ? "adopted" : "adopted:" + r.matched_key;
          link.matched_value = r.matched_value;
        }
        // Made again where it had been removed (plan: "back in"): the new record replaces
        // the link to the one that is gone.
        auto gone = e_.store_.link_of(w.entity_id, sys.name());
        if (!gone.ok()) return std::move(gone).error();
        if (gone->has_value() && decode_hashes((*gone)->hash).count(kAbsent)) {
          if (auto s = e_.store_.delete_link(sys.name(), w.kind, (*gone)->external_id); !s.ok()) return s;
        }
        auto st = e_.store_.insert_link(link);
        if (!st.ok()) {
          if (st.error().kind != ErrorKind::kConflict) return st;
          // The record we created or adopted is linked to another entity already.
          store::Conflict c;
          c.kind = w.kind;
          c.system = sys.name();
          c.external_id = r.external_id;
          c.candidates = {w.entity_id};
          c.reason = "create in " + sys.name() + " returned " + r.external_id + ", already linked: " + st.error().message;
          if (auto id = e_.store_.add_conflict(c); !id.ok()) return std::move(id).error();
          ++report_.conflicts;
          return e_.store_.mark_done(entry.id);
        }
        audit.details["external_id"] = r.external_id;
        if (r.adopted) audit.details["matched"] = {{"rule", link.rule}, {"value", link.matched_value}};
        r.adopted ? ++rep.adopted : ++rep.created;
        break;
      }
      case WriteOp::kUpdate:
      case WriteOp::kEnable:
      case WriteOp::kDisable: {
        auto link = e_.store_.link_of(w.entity_id, sys.name());
        if (!link.ok()) return std::move(link).error();
        if (!link->has_value()) break;
        FieldHashes holds = decode_hashes((*link)->hash);
        holds.erase(kAbsent);
        for (const auto& f : w.changed) {
          if (written.count(f)) holds[f] = written.at(f);
        }
        if (w.op == WriteOp::kDisable) {
          if (w.kind == EntityKind::kPerson) {
            holds[field::kActive] = hash_value(false);
          } else {
            holds = {{kAbsent, "1"}};
            gone_there = true;
          }
          ++rep.disabled;
        } else {
          if (w.op == WriteOp::kEnable) holds[field::kActive] = hash_value(true);
          ++rep.updated;
        }
        auto st = e_.store_.update_link_state(sys.name(), w.kind, (*link)->external_id,
                                              r.version.empty() ? (*link)->version : r.version,
                                              encode_hashes(holds));
        if (!st.ok()) return st;
        break;
      }
      case WriteOp::kDelete: {
        auto st = e_.store_.delete_link(sys.name(), w.kind, w.external_id);
        if (!st.ok()) return st;
        gone_there = true;
        ++rep.deleted;
        break;
      }
    }
    if (auto st = e_.store_.append_audit(audit); !st.ok()) return st;
    if (auto st = e_.store_.mark_done(entry.id); !st.ok()) return st;
    // Gone there now. If it is wanted there again (a member back in a group she left), the
    // create is planned onto the same link state as the one done before (no link, or the
    // link of a record gone), and a second removal onto the same state as this one: the
    // same keys. Forgetting what was done there (this removal too) lets them run.
    if (!gone_there) return ok_status();
    if (auto st = e_.store_.drop_done_outbox(sys.name(), w.entity_id); !st.ok()) return st;
    // An older create still open there (in backoff, its answer lost) is superseded by this
    // removal: left, it would keep the plan removing by pair what is gone already.
    auto open = e_.store_.open_outbox_of(sys.name(), w.entity_id);
    if (!open.ok()) return std::move(open).error();
    for (const auto& e : *open) {
      if (e.id < entry.id && e.state == store::OutboxState::kPending && e.write.op == WriteOp::kCreate) {
        if (auto st = e_.store_.drop_outbox_entry(e.id); !st.ok()) return st;
      }
    }
    return ok_status();
  });
}

Status PassRun::fail(SystemRuntime& sys, const store::OutboxEntry& entry, const Error& error) {
  auto& rep = report_.systems[sys.name()];
  if (error.kind == ErrorKind::kNotFound && entry.write.op != WriteOp::kCreate) {
    // The record vanished there: forget the link; the next plan recreates it if it should.
    return e_.store_.transaction([&]() -> Status {
      if (auto st = e_.store_.delete_link(sys.name(), entry.write.kind, entry.write.external_id); !st.ok()) return st;
      if (auto st = e_.store_.mark_done(entry.id); !st.ok()) return st;
      return e_.store_.drop_done_outbox(sys.name(), entry.write.entity_id);  // as settle's removals
    });
  }
  const int attempt = entry.attempts + 1;
  const bool retryable = error.retryable() || error.kind == ErrorKind::kAuth;
  const bool dead = !retryable || attempt >= sys.config->retry.max_attempts;
  const auto delay = backoff_delay(sys.config->retry, attempt, error.retry_after, e_.rng_);
  if (dead) ++rep.dead;
  e_.log_->warn("{}: {} {} {} failed (attempt {}{}): {}", sys.name(), to_string(entry.write.op),
                to_string(entry.write.kind), entry.write.entity_id, attempt, dead ? ", dead letter" : "",
                error.describe());
  return e_.store_.mark_failed(entry.id, error.describe(), store::Clock::now() + delay, dead);
}

}  // namespace coopsync::engine
