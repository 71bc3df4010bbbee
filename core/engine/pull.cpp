// Pull, resolve and merge: every record a system reports is joined to its entity (by its
// link, or by the identity rules), merged field by field into the snapshot, and the link
// remembers what the system held. One transaction per page, cursor included.
#include "core/engine/backoff.hpp"
#include "core/engine/fault_points.hpp"
#include "core/engine/pass_run.hpp"
#include "core/engine/runtime.hpp"
#include "core/model/normalize.hpp"

#include <algorithm>
#include <chrono>
#include <future>
#include <set>

namespace coopsync::engine {

namespace {
constexpr const char* kTitleStart = "title+start";  // built-in identity rule of events

Fields restrict(const Fields& fields, const std::vector<std::string>& names) {
  Fields out = Fields::object();
  for (const auto& n : names) {
    if (fields.contains(n)) out[n] = fields[n];
  }
  return out;
}

// A linked record read again exactly as its link says the system holds it (same version,
// every field's hash known, not marked absent). merge_into would take nothing (the system
// changed nothing since) and write the same link state back: skipping it spares an idle
// pass's re-reads (full listings, Odoo's overlap) the snapshot read and the link write.
bool read_back_unchanged(const store::Link& link, const ExternalRecord& record, const Fields& canonical) {
  if (!record.version.empty() && record.version != link.version) return false;
  const FieldHashes known = decode_hashes(link.hash);
  if (known.count(kAbsent)) return false;
  for (const auto& [f, h] : hash_fields(canonical)) {
    auto k = known.find(f);
    if (k == known.end() || k->second != h) return false;
  }
  return true;
}
}  // namespace

std::string now_iso() {
  return format_instant(std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now()));
}

std::vector<std::string> PassRun::identity_rules(EntityKind kind) const {
  const bool joins = kind == EntityKind::kMembership || kind == EntityKind::kRegistration;
  auto it = e_.config_.identity.match.find(kind);
  if (it != e_.config_.identity.match.end()) {
    // A membership or registration is always known by the pair it joins; the configured
    // keys (usually none: the config fills an empty list) come after. Without the pair, a
    // record written by us but not linked yet (crash between the write and the link's
    // commit) came back as a second entity.
    std::vector<std::string> rules = it->second;
    if (joins && std::find(rules.begin(), rules.end(), "pair") == rules.end()) {
      rules.insert(rules.begin(), "pair");
    }
    // Events with no configured keys are known by title and start, the keys connectors
    // adopt by: an event we created but had not linked yet (crash, answer lost) is read
    // back as the same event, not a second one.
    if (kind == EntityKind::kEvent && rules.empty()) rules.push_back(kTitleStart);
    return rules;
  }
  switch (kind) {
    case EntityKind::kPerson: return {field::kEmail, field::kPhone};
    case EntityKind::kGroup: return {field::kSlug};
    case EntityKind::kMembership:
    case EntityKind::kRegistration: return {"pair"};
    case EntityKind::kEvent: return {kTitleStart};
  }
  return {};
}

std::vector<std::pair<std::string, std::string>> identity_keys(
    EntityKind kind, const Fields& fields, const std::vector<std::string>& rules) {
  std::vector<std::pair<std::string, std::string>> keys;
  for (const auto& rule : rules) {
    if (rule == "pair") {
      // A membership or registration is identified by the two entities it joins.
      const auto refs = ref_fields(kind);
      std::string value;
      bool complete = refs.size() >= 2;
      for (const auto& ref : refs) {
        if (!fields.contains(ref.name) || !fields[ref.name].is_string()) {
          complete = false;
          break;
        }
        value += (value.empty() ? "" : "|") + fields[ref.name].get<std::string>();
      }
      if (complete) keys.emplace_back(rule, value);
      continue;
    }
    if (rule == kTitleStart) {
      if (!fields.contains(field::kTitle) || !fields[field::kTitle].is_string() ||
          !fields.contains(field::kStart) || !fields[field::kStart].is_string()) {
        continue;
      }
      std::string title = fields[field::kTitle].get<std::string>();
      if (title.empty()) continue;
      for (auto& c : title) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      keys.emplace_back(rule, title + "|" + fields[field::kStart].get<std::string>());
      continue;
    }
    if (fields.contains(rule) && fields[rule].is_string() && !fields[rule].get<std::string>().empty()) {
      std::string v = fields[rule].get<std::string>();
      if (rule != field::kEmail && rule != field::kPhone) {
        for (auto& c : v) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      }
      keys.emplace_back(rule, v);
    }
  }
  return keys;
}

std::map<std::string, std::string> PassRun::owners(EntityKind kind) const {
  std::map<std::string, std::string> out;
  for (const auto& sys : e_.systems_) {
    if (const auto* pol = sys.policy(kind)) {
      for (const auto& f : pol->owns) out.emplace(f, sys.name());
    }
  }
  // The display name is made of the name parts: unless configured, it belongs to whoever
  // owns them. Otherwise a hand-made account's spelling, seen before the owner's record
  // (the owner down on the first pass), stayed canonical and overwrote the owner's name.
  if (kind == EntityKind::kPerson && !out.count(field::kDisplayName)) {
    if (auto given = out.find(field::kGivenName); given != out.end()) {
      out.emplace(field::kDisplayName, given->second);
    }
  }
  return out;
}

Status PassRun::pull_kind(EntityKind kind) {
  for (auto& sys : e_.systems_) {
    if (!selected(sys) || sys.unavailable || !pulls(sys, kind)) continue;
    const auto* pol = sys.policy(kind);
    const auto* cap = sys.capability(kind);
    if (pol == nullptr || cap == nullptr || !pol->read || !cap->read) continue;
    if (auto st = pull_system(sys, kind); !st.ok()) return st;
  }
  return ok_status();
}

Status PassRun::repull_for_parked(EntityKind kind) {
  const auto readable = [](const SystemRuntime& s, EntityKind k) {
    const auto* pol = s.policy(k);
    const auto* cap = s.capability(k);
    return pol != nullptr && cap != nullptr && pol->read && cap->read;
  };
  for (auto& sys : e_.systems_) {
    if (!selected(sys) || sys.unavailable || !readable(sys, kind)) continue;
    auto state = e_.store_.state_for(sys.name());
    auto parked = nlohmann::json::parse(state->get("parked:" + std::string(to_string(kind))).value_or("{}"),
                                        nullptr, false);
    if (!parked.is_object() || parked.empty()) continue;
    std::set<EntityKind> refs;
    for (const auto& [ext, r] : parked.items()) {
      const std::string waits = r.is_object() ? r.value("waits_for", std::string()) : std::string();
      for (const auto& ref : ref_fields(kind)) {
        if (waits.rfind(std::string(ref.name) + "=", 0) == 0 && readable(sys, ref.target)) refs.insert(ref.target);
      }
    }
    if (refs.empty()) continue;
    for (EntityKind k : refs) {
      if (auto st = pull_system(sys, k); !st.ok()) return st;
    }
    if (auto st = pull_system(sys, kind); !st.ok()) return st;
  }
  return ok_status();
}

Status PassRun::pull_system(SystemRuntime& sys, EntityKind kind) {
  auto& rep = report_.systems[sys.name()];
  const std::string stream = cursor_stream(kind);
  auto cursor = e_.store_.get_cursor(sys.name(), stream);
  if (!cursor.ok()) return std::move(cursor).error();
  std::string position = *cursor;
  const bool from_start = position.empty();
  auto state = e_.store_.state_for(sys.name());
  const std::string parked_key = "parked:" + std::string(to_string(kind));
  nlohmann::json parked = nlohmann::json::parse(state->get(parked_key).value_or("{}"), nullptr, false);
  if (!parked.is_object()) parked = nlohmann::json::object();
  parked_ = &parked;
  struct Unpark {
    nlohmann::json*& slot;
    ~Unpark() { slot = nullptr; }
  } unpark{parked_};
  bool listing_complete = false;
  std::set<std::string> seen;
  // The next page is read on another thread while this one is stored: the system's time
  // and ours overlap. The connector is called from one thread at a time (the next read
  // starts once this one has returned); its own store calls wait for the page's transaction.
  const auto read_page = [&sys, kind, wait = options_.wait](const std::string& from, std::mt19937_64& rng) {
    return with_read_retries(sys.config->retry, rng, [&] { return sys.connector->changes(kind, from, wait); });
  };
  std::future<Result<ChangePage>> ahead;
  for (int page_no = 0; page_no < 100000; ++page_no) {
    auto page = ahead.valid() ? ahead.get() : read_page(position, e_.rng_);
    if (!page.ok()) {
      const Error& err = page.error();
      e_.log_->warn("{}: reading {} failed: {}", sys.name(), to_string(kind), err.describe());
      if (err.kind == ErrorKind::kAuth) sys.unavailable = err;
      if (!rep.error) rep.error = err;
      unread_.emplace(sys.name(), kind);
      return ok_status();  // other systems go on; this one's cursor stays where it was
    }
    crash_point("after_pull");
    if (page->has_more && overlapping() && options_.wait.count() == 0) {
      ahead = std::async(std::launch::async, [read_page, from = page->cursor, seed = e_.rng_()] {
        std::mt19937_64 rng(seed);
        return read_page(from, rng);
      });
    }
    auto st = e_.store_.transaction([&]() -> Status {
      for (auto& record : page->records) {
        record.kind = kind;
        if (from_start) seen.insert(record.external_id);
        ++rep.read;
        if (auto s = handle_record(sys, record); !s.ok()) return s;
      }
      if (auto s = state->put(parked_key, parked.dump()); !s.ok()) return s;
      return e_.store_.set_cursor(sys.name(), stream, page->cursor);
    });
    if (!st.ok()) return st;
    if (options_.progress) {
      options_.progress(sys.name() + " " + to_string(kind) + ": " + std::to_string(rep.read) + " read");
    }
    position = page->cursor;
    if (!page->has_more) {
      listing_complete = from_start && page->full_listing;
      break;
    }
  }
  // Parked records get another chance now that this kind's pages (and earlier kinds) are in.
  if (!parked.empty()) {
    nlohmann::json retry = std::move(parked);
    parked = nlohmann::json::object();
    auto st = e_.store_.transaction([&]() -> Status {
      for (auto& [ext, r] : retry.items()) {
        ExternalRecord rec;
        rec.kind = kind;
        rec.external_id = ext;
        rec.fields = r.value("fields", Fields::object());
        rec.version = r.value("version", "");
        rec.updated_at = r.value("updated_at", "");
        if (auto s = handle_record(sys, rec); !s.ok()) return s;
      }
      return state->put(parked_key, parked.dump());
    });
    if (!st.ok()) return st;
  }
  e_.log_->debug("{}: {} listing {}", sys.name(), to_string(kind),
                 listing_complete ? "read whole" : "not read whole");
  if (!listing_complete) return ok_status();
  listed_.emplace(sys.name(), kind);
  // A complete listing from the start: linked records it did not list are gone there.
  auto links = e_.store_.links_in(sys.name(), kind);
  if (!links.ok()) return std::move(links).error();
  return e_.store_.transaction([&]() -> Status {
    for (const auto& link : *links) {
      if (seen.count(link.external_id)) continue;
      ExternalRecord gone;
      gone.kind = kind;
      gone.external_id = link.external_id;
      gone.deleted = true;
      if (auto s = handle_record(sys, gone); !s.ok()) return s;
    }
    return ok_status();
  });
}

Result<bool> PassRun::forgotten(EntityKind kind, const Fields& fields) {
  if (kind != EntityKind::kPerson) return false;
  auto salt = e_.store_.salt();
  if (!salt.ok()) return std::move(salt).error();
  for (const auto& [key, value] : identity_keys(kind, fields, {field::kEmail, field::kPhone})) {
    auto hit = e_.store_.is_forgotten(hash_text(*salt + "|" + key + "|" + value));
    if (!hit.ok()) return std::move(hit).error();
    if (*hit) return true;
  }
  return false;
}

// Replaces a record's refs (external ids of the same system) with canonical ids. Returns
// the name of a ref that is not linked yet, if any (the record then waits).
Result<std::optional<std::string>> PassRun::translate_refs_in(const SystemRuntime& sys, EntityKind kind,
                                                              Fields& fields) {
  for (const auto& ref : ref_fields(kind)) {
    if (!fields.contains(ref.name) || fields[ref.name].is_null()) continue;
    const std::string ext = fields[ref.name].is_string() ? fields[ref.name].get<std::string>()
                                                         : fields[ref.name].dump();
    auto link = e_.store_.find_link(sys.name(), ref.target, ext);
    if (!link.ok()) return std::move(link).error();
    if (!link->has_value()) return std::optional<std::string>(std::string(ref.name) + "=" + ext);
    fields[ref.name] = (*link)->entity_id;
  }
  return std::optional<std::string>();
}

Status PassRun::handle_record(SystemRuntime& sys, ExternalRecord& record) {
  const EntityKind kind = record.kind;
  auto link = e_.store_.find_link(sys.name(), kind, record.external_id);
  if (!link.ok()) return std::move(link).error();
  if (record.deleted) {
    if (parked_ != nullptr) parked_->erase(record.external_id);
    if (!link->has_value()) return ok_status();  // never knew it: nothing to propagate
    return handle_deletion(sys, **link, (*link)->entity_id);
  }
  Fields canonical = restrict(record.fields, sys.synced_fields(kind));
  normalize_fields(kind, canonical, e_.config_.identity.default_region);
  auto missing = translate_refs_in(sys, kind, canonical);
  if (!missing.ok()) return std::move(missing).error();
  if (missing->has_value()) {
    e_.log_->debug("{}: {} {} waits for {}", sys.name(), to_string(kind), record.external_id, **missing);
    if (parked_ != nullptr && parked_->size() < 100000) {
      (*parked_)[record.external_id] = {{"fields", record.fields}, {"version", record.version},
                                        {"updated_at", record.updated_at}, {"waits_for", **missing}};
    }
    return ok_status();
  }
  if (parked_ != nullptr) parked_->erase(record.external_id);

  if (link->has_value()) {
    if (read_back_unchanged(**link, record, canonical)) return ok_status();
    auto entity = e_.store_.get_entity((*link)->entity_id);
    if (!entity.ok()) return std::move(entity).error();
    if (!entity->has_value() || !(*entity)->merged_into.empty()) return ok_status();  // ignored / erased
    return merge_into(sys, **link, kind, canonical, record, false);
  }

  auto is_forgotten = forgotten(kind, canonical);
  if (!is_forgotten.ok()) return std::move(is_forgotten).error();
  if (!*is_forgotten) {  // a record of an erased person, anonymised in place there
    auto salt = e_.store_.salt();
    if (!salt.ok()) return std::move(salt).error();
    is_forgotten = e_.store_.is_forgotten(forgotten_record_hash(*salt, sys.name(), kind, record.external_id));
    if (!is_forgotten.ok()) return std::move(is_forgotten).error();
  }
  if (*is_forgotten) {
    // Not even its id is logged: it may be made of the erased person's name.
    e_.log_->info("{}: a {} record matches an erased person: not imported", sys.name(), to_string(kind));
    return ok_status();
  }
  auto resolution = resolve(sys, kind, record, canonical);
  if (!resolution.ok()) return std::move(resolution).error();
  store::Link fresh;
  fresh.system = sys.name();
  fresh.kind = kind;
  fresh.external_id = record.external_id;
  fresh.entity_id = resolution->entity_id;
  fresh.version = record.version;
  fresh.rule = resolution->rule;
  fresh.matched_value = resolution->matched_value;
  if (auto st = e_.store_.insert_link(fresh); !st.ok()) return st;
  if (resolution->rule != "new" && resolution->rule != "conflict") ++report_.systems[sys.name()].linked;
  store::AuditEntry audit;
  audit.entity_id = fresh.entity_id;
  audit.action = "link";
  audit.from_system = sys.name();
  audit.details = {{"external_id", record.external_id}, {"rule", fresh.rule}, {"matched", fresh.matched_value}};
  if (auto st = e_.store_.append_audit(audit); !st.ok()) return st;
  return merge_into(sys, fresh, kind, canonical, record, true);
}

Result<PassRun::Resolution> PassRun::resolve(SystemRuntime& sys, EntityKind kind,
                                              const ExternalRecord& record, const Fields& canonical) {
  const auto rules = identity_rules(kind);
  const auto keys = identity_keys(kind, canonical, rules);
  std::vector<std::string> contenders;
  std::string reason;
  for (std::size_t r = 0; r < keys.size() && contenders.empty(); ++r) {
    const auto& [rule, value] = keys[r];
    auto found = e_.store_.match_identity(kind, rule, value);
    if (!found.ok()) return std::move(found).error();
    std::vector<std::string> live;
    for (const auto& id : *found) {
      auto ent = e_.store_.get_entity(id);
      if (!ent.ok()) return std::move(ent).error();
      if (ent->has_value() && (*ent)->merged_into.empty()) live.push_back(id);
    }
    if (live.empty()) continue;
    if (live.size() > 1) {
      contenders = live;
      reason = std::to_string(live.size()) + " entities share " + rule + " " + value;
      break;
    }
    auto existing = e_.store_.link_of(live[0], sys.name());
    if (!existing.ok()) return std::move(existing).error();
    if (existing->has_value()) {
      // The same pair twice in one system (joined again after leaving, where the old
      // record is still linked): an entity of its own. A pair matched while the entity is
      // deleted is the record we wrote before a crash: linked, it leaves with the entity.
      // Likewise two events with the same title and start in one system (two groups' own).
      if (rule == "pair" || rule == kTitleStart) continue;
      contenders = {live[0]};
      reason = sys.name() + " holds two records with " + rule + " " + value + ": " +
               (*existing)->external_id + " and " + record.external_id;
      break;
    }
    // A match on a later rule while an earlier rule's values differ is weak: ask a human.
    auto snap = e_.store_.get_snapshot(live[0]);
    if (!snap.ok()) return std::move(snap).error();
    for (std::size_t earlier = 0; earlier < r && snap->has_value(); ++earlier) {
      const auto& ek = keys[earlier].first;
      const auto theirs = identity_keys(kind, (*snap)->fields, {ek});
      if (!theirs.empty() && theirs[0].second != keys[earlier].second) {
        contenders = {live[0]};
        reason = "weak match on " + rule + " " + value + " but " + ek + " differs";
        break;
      }
    }
    if (!contenders.empty()) break;
    return Resolution{live[0], rule, value};
  }
  auto entity = e_.store_.create_entity(kind);
  if (!entity.ok()) return std::move(entity).error();
  ++report_.new_entities;
  if (contenders.empty()) return Resolution{entity->id, "new", ""};

  // Ambiguous: the record gets an entity of its own, and every contender is blocked (no
  // write anywhere) until `coopsync conflicts resolve` settles it. Never a guess.
  store::Conflict c;
  c.kind = kind;
  c.system = sys.name();
  c.external_id = record.external_id;
  c.candidates = contenders;
  c.candidates.push_back(entity->id);
  c.reason = reason;
  c.details = {{"record", canonical}};
  auto id = e_.store_.add_conflict(c);
  if (!id.ok()) return std::move(id).error();
  ++report_.conflicts;
  for (const auto& cand : c.candidates) blocked_.insert(cand);
  e_.log_->warn("conflict #{}: {}", *id, reason);
  return Resolution{entity->id, "conflict", reason};
}

Status PassRun::merge_into(SystemRuntime& sys, const store::Link& link, EntityKind kind,
                           const Fields& canonical, const ExternalRecord& record, bool first_sight) {
  const std::string& record_time = record.updated_at;
  auto snap = e_.store_.get_snapshot(link.entity_id);
  if (!snap.ok()) return std::move(snap).error();
  const Fields base = snap->has_value() ? (*snap)->fields : Fields::object();
  const FieldHashes known = decode_hashes(link.hash);
  MergeInput in;
  in.system = sys.name();
  in.snapshot = &base;
  in.incoming = &canonical;
  in.known = first_sight ? nullptr : &known;
  in.fields = sys.synced_fields(kind);
  in.owners = owners(kind);
  in.policy = e_.config_.engine.conflict_policy;
  in.prefer_system = e_.config_.engine.prefer_system;
  in.record_time = record_time;
  in.now = now_;
  MergeOutcome out = merge_record(in);
  // The merge keeps only this system's fields; what follows from them is stated on the
  // agreed state too, so every projection carries it from the first pass on.
  derive_fields(kind, out.merged);
  if (out.merged.contains("_meta") && out.merged["_meta"].value("deleted", false)) {
    // Listed again: it exists (again), if this system brings something new (it had the
    // record gone, or holds it differently than we know). A system that merely lists what
    // it held before the deletion elsewhere (a full listing of a group's members, say) has
    // not yet been told: the deletion stands and is projected there.
    bool revives = first_sight || known.count(kAbsent) > 0;
    for (const auto& [f, h] : hash_fields(canonical)) {
      if (revives) break;
      auto k = known.find(f);
      revives = k == known.end() || k->second != h;
    }
    if (revives && known.count(kAbsent) == 0) {
      auto echo = own_write_read_back(sys, link, kind, first_sight);
      if (!echo.ok()) return std::move(echo).error();
      revives = !*echo;
    }
    if (revives) out.merged["_meta"].erase("deleted");
  }
  if (!snap->has_value() || out.merged != base) {
    if (auto st = save_entity_state(link.entity_id, kind, out.merged); !st.ok()) return st;
  }
  // The link now remembers what this system holds, field by field.
  FieldHashes holds = known;
  // A membership listed is there (again): a system holds none it has removed. A record that
  // stays listed once disabled (an Odoo registration, cancelled) is still gone for us.
  if (kind == EntityKind::kMembership) holds.erase(kAbsent);
  for (const auto& [f, h] : hash_fields(canonical)) holds[f] = h;
  const std::string& version = record.version.empty() ? link.version : record.version;
  if (auto st = e_.store_.update_link_state(link.system, kind, link.external_id, version, encode_hashes(holds)); !st.ok()) {
    return st;
  }
  if (!out.changes.empty() || !out.disputes.empty()) {
    store::AuditEntry audit;
    audit.entity_id = link.entity_id;
    audit.action = "merge";
    audit.from_system = sys.name();
    for (const auto& c : out.changes) {
      audit.details["changes"].push_back({{"field", c.field}, {"before", c.before}, {"after", c.after}, {"rule", c.rule}});
    }
    for (const auto& d : out.disputes) {
      audit.details["disputes"].push_back({{"field", d.field}, {"kept", d.kept}, {"proposed", d.proposed}, {"rule", d.rule}});
    }
    if (auto st = e_.store_.append_audit(audit); !st.ok()) return st;
  }
  if (out.manual_conflict) {
    store::Conflict c;
    c.kind = kind;
    c.system = sys.name();
    c.external_id = link.external_id;
    c.candidates = {link.entity_id};
    c.reason = "concurrent changes to a field nobody owns (policy: manual)";
    for (const auto& d : out.disputes) c.details["fields"].push_back({{"field", d.field}, {"kept", d.kept}, {"proposed", d.proposed}});
    auto id = e_.store_.add_conflict(c);
    if (!id.ok()) return std::move(id).error();
    ++report_.conflicts;
  }
  return ok_status();
}

// A membership or registration seen for the first time (linked now by its pair) or never
// read since we adopted it is not news when it is our own write: one whose answer was lost
// (it is still open in the outbox, as after a crash between the write and its link), or
// the record our create adopted. The member did not join again: the deletion stands, and
// is projected onto that record. Anything else seen anew is a join (by hand, there).
Result<bool> PassRun::own_write_read_back(SystemRuntime& sys, const store::Link& link, EntityKind kind,
                                          bool first_sight) {
  if (kind != EntityKind::kMembership && kind != EntityKind::kRegistration) return false;
  if (!first_sight) return link.hash.empty() && link.rule.rfind("adopted", 0) == 0;
  return open_write_of(sys.name(), link.entity_id, /*removal=*/false);
}

// Whether a write of ours to the entity in that system is still open (pending, in backoff,
// or dead): a removal (delete, disable) or else a create (create, enable).
Result<bool> PassRun::open_write_of(const std::string& system, const std::string& entity_id, bool removal) {
  auto open = e_.store_.open_outbox_of(system, entity_id);
  if (!open.ok()) return std::move(open).error();
  return std::any_of(open->begin(), open->end(), [removal](const store::OutboxEntry& e) {
    const WriteOp op = e.write.op;
    return removal ? op == WriteOp::kDelete || op == WriteOp::kDisable
                   : op == WriteOp::kCreate || op == WriteOp::kEnable;
  });
}

Status PassRun::save_entity_state(const std::string& entity_id, EntityKind kind, const Fields& merged) {
  store::Snapshot s;
  s.entity_id = entity_id;
  s.kind = kind;
  s.fields = merged;
  if (auto st = e_.store_.put_snapshot(s); !st.ok()) return st;
  return e_.store_.set_identity_keys(entity_id, kind, identity_keys(kind, merged, identity_rules(kind)));
}

// A record is gone from a system (deleted there, or out of the configured scope). If that
// system decides existence (it owns `active`, or nobody does), the entity leaves: a person
// becomes inactive, anything else is deleted. Otherwise only the link goes, so that the
// entity is projected there again.
Status PassRun::handle_deletion(SystemRuntime& sys, const store::Link& link, const std::string& entity_id) {
  const auto own = owners(link.kind);
  const auto it = own.find(field::kActive);
  const bool decides = it == own.end() || it->second == sys.name();
  if (!decides) {
    if (auto st = e_.store_.delete_link(link.system, link.kind, link.external_id); !st.ok()) return st;
    // Projected there again, it is the same create onto no link as the first one: not done.
    return e_.store_.drop_done_outbox(link.system, entity_id);
  }
  auto snap = e_.store_.get_snapshot(entity_id);
  if (!snap.ok()) return std::move(snap).error();
  Fields fields = snap->has_value() ? (*snap)->fields : Fields::object();
  FieldHashes holds = decode_hashes(link.hash);
  if (link.kind == EntityKind::kPerson) {
    if (fields.value(field::kActive, true) == false) return ok_status();
    fields[field::kActive] = false;
    holds[field::kActive] = hash_value(false);
  } else {
    if (fields.contains("_meta") && fields["_meta"].value("deleted", false)) return ok_status();
    // This system said so before (or we removed it there) and has not listed it since: no
    // news. Otherwise a system that lists what it holds (Nextcloud's group members) deleted
    // again, every pass, a membership that another system had brought back.
    if (holds.count(kAbsent)) return ok_status();
    // Our own removal there read back, its answer lost (the entry is still open), while the
    // entity was wanted again since (a member moved away and back): the record is gone
    // there, as we knew; it is no news for the entity, which is made there again.
    auto echo = open_write_of(sys.name(), entity_id, /*removal=*/true);
    if (!echo.ok()) return std::move(echo).error();
    if (*echo) {
      return e_.store_.update_link_state(link.system, link.kind, link.external_id, link.version,
                                         encode_hashes({{kAbsent, "1"}}));
    }
    fields["_meta"]["deleted"] = true;
    holds = {{kAbsent, "1"}};
  }
  auto st = e_.store_.update_link_state(link.system, link.kind, link.external_id, link.version, encode_hashes(holds));
  if (!st.ok()) return st;
  store::AuditEntry audit;
  audit.entity_id = entity_id;
  audit.action = link.kind == EntityKind::kPerson ? "deactivate" : "delete";
  audit.from_system = sys.name();
  audit.details = {{"external_id", link.external_id}};
  if (auto s = e_.store_.append_audit(audit); !s.ok()) return s;
  return save_entity_state(entity_id, link.kind, fields);
}

}  // namespace coopsync::engine
