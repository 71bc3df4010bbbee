// GDPR erasure: `coopsync forget`. The person is erased or anonymised in every system per
// each system's `forget` policy, their memberships and registrations removed, and the
// store keeps only salted hashes of their identity keys and of the ids of records
// anonymised in place, so that a record still lying in some system is never imported
// again; their audit details and outbox payloads are erased. Re-runnable: after an
// outage, run it again.
#include "core/engine/engine.hpp"
#include "core/engine/pass_run.hpp"

#include <spdlog/logger.h>

#include <set>

namespace coopsync::engine {

namespace {
Fields anonymised_person() {
  return {{field::kGivenName, "Anonymised"}, {field::kFamilyName, "member"}, {field::kDisplayName, "Anonymised member"},
          {field::kEmail, nullptr},          {field::kPhone, nullptr},       {field::kActive, false}};
}
}  // namespace

Result<PassReport> Engine::forget(const std::string& entity_id) {
  auto entity = store_.get_entity(entity_id);
  if (!entity.ok()) return std::move(entity).error();
  if (!entity->has_value()) return make_error(ErrorKind::kInvalidInput, "no entity " + entity_id);
  if ((*entity)->kind != EntityKind::kPerson) {
    return make_error(ErrorKind::kInvalidInput, "entity " + entity_id + " is a " + to_string((*entity)->kind) + ", not a person");
  }
  // The person and what joins them to groups and events.
  std::vector<std::string> doomed = {entity_id};
  for (EntityKind k : {EntityKind::kMembership, EntityKind::kRegistration}) {
    auto snaps = store_.snapshots_of(k);
    if (!snaps.ok()) return std::move(snaps).error();
    for (const auto& s : *snaps) {
      if (s.fields.value(field::kPerson, std::string()) == entity_id) doomed.push_back(s.entity_id);
    }
  }
  auto st = store_.transaction([&]() -> Status {
    auto snap = store_.get_snapshot(entity_id);
    if (!snap.ok()) return std::move(snap).error();
    if (snap->has_value()) {
      auto salt = store_.salt();
      if (!salt.ok()) return std::move(salt).error();
      for (const auto& [key, value] : identity_keys(EntityKind::kPerson, (*snap)->fields, {field::kEmail, field::kPhone})) {
        if (auto s = store_.add_forgotten(hash_text(*salt + "|" + key + "|" + value)); !s.ok()) return s;
      }
    }
    std::vector<store::OutboxEntry> entries;
    for (const auto& id : doomed) {
      // Whatever was still to be written for them (with their data) gives way to the erasure.
      if (auto s = store_.drop_outbox_of(id); !s.ok()) return s;
      auto links = store_.links_of(id);
      if (!links.ok()) return std::move(links).error();
      for (const auto& link : *links) {
        const auto* sys = [&]() -> const SystemRuntime* {
          for (const auto& s : systems_) {
            if (s.name() == link.system) return &s;
          }
          return nullptr;
        }();
        if (sys == nullptr) continue;  // a system no longer configured: nothing to reach
        const auto* cap = sys->capability(link.kind);
        Write w;
        w.entity_id = id;
        w.kind = link.kind;
        w.external_id = link.external_id;
        if (link.kind == EntityKind::kPerson && (sys->config->forget == config::ForgetPolicy::kAnonymize ||
                                                  cap == nullptr || !cap->remove)) {
          w.op = WriteOp::kUpdate;
          w.fields = anonymised_person();
          for (auto it = w.fields.begin(); it != w.fields.end(); ++it) w.changed.push_back(it.key());
        } else {
          w.op = WriteOp::kDelete;
        }
        w.key = hash_text("forget|" + link.system + "|" + id + "|" + link.external_id + "|" + to_string(w.op));
        store::OutboxEntry e;
        e.key = w.key;
        e.system = link.system;
        e.write = std::move(w);
        e.reason = "forget (GDPR erasure)";
        entries.push_back(std::move(e));
      }
      // The canonical copy is erased at once; only links remain until the systems confirm.
      store::Snapshot empty;
      empty.entity_id = id;
      empty.kind = id == entity_id ? EntityKind::kPerson : EntityKind::kMembership;
      if (auto e = store_.get_entity(id); e.ok() && e->has_value()) empty.kind = (*e)->kind;
      if (auto s = store_.put_snapshot(empty); !s.ok()) return s;
      if (auto s = store_.set_identity_keys(id, empty.kind, {}); !s.ok()) return s;
      if (auto s = store_.mark_merged(id, kForgotten); !s.ok()) return s;
    }
    store::AuditEntry a;
    a.entity_id = entity_id;
    a.action = "forget";
    a.details = {{"writes", entries.size()}};
    if (auto s = store_.append_audit(a); !s.ok()) return s;
    return store_.enqueue(entries);
  });
  if (!st.ok()) return std::move(st).error();

  PassOptions options;
  PassRun run(*this, options);
  for (auto& sys : systems_) {
    sys.unavailable.reset();
    run.report().systems[sys.name()];
    if (auto s = run.apply_system(sys); !s.ok()) return std::move(s).error();
  }
  // Entities whose every erasure write succeeded go entirely; the others wait for a re-run.
  std::set<std::string> waiting;
  for (auto state : {store::OutboxState::kPending, store::OutboxState::kDead}) {
    auto left = store_.list_outbox(state, 1000000);
    if (!left.ok()) return std::move(left).error();
    for (const auto& e : *left) {
      if (e.reason == "forget (GDPR erasure)") waiting.insert(e.write.entity_id);
    }
  }
  auto salt = store_.salt();
  if (!salt.ok()) return std::move(salt).error();
  for (const auto& id : doomed) {
    if (waiting.count(id)) continue;
    auto links = store_.links_of(id);
    if (!links.ok()) return std::move(links).error();
    // Records anonymised in place stay in their systems. A salted hash of their ids, not
    // the ids (a Matrix or Nextcloud user id is often made of the name), keeps them from
    // being imported again as somebody new; the entity and its links go.
    auto retired = store_.transaction([&]() -> Status {
      for (const auto& link : *links) {
        if (auto s = store_.add_forgotten(forgotten_record_hash(*salt, link.system, link.kind, link.external_id));
            !s.ok()) {
          return s;
        }
      }
      return store_.delete_entity(id);
    });
    if (!retired.ok()) return std::move(retired).error();
  }
  const std::size_t remaining = waiting.size();
  const std::vector<std::string> erased_ids(doomed.begin(), doomed.end());
  if (auto erased = store_.erase_personal_data(erased_ids); !erased.ok()) return std::move(erased).error();
  run.report().pending = remaining;
  log_->info("forget {}: {} system record(s) still to erase", entity_id, remaining);
  return std::move(run.report());
}

}  // namespace coopsync::engine
