#include "core/engine/plan_file.hpp"

#include "core/engine/field_hash.hpp"

#include <map>
#include <unordered_map>

namespace coopsync::engine {

namespace {

bool is_origin_rule(const std::string& rule) { return rule == "new" || rule == "conflict"; }

// Names entities by the record they were first seen as, and labels them for people.
class Namer {
 public:
  explicit Namer(store::Store& store) : store_(store) {}

  Result<std::string> identity(const std::string& entity_id) {
    if (auto it = ids_.find(entity_id); it != ids_.end()) return it->second;
    auto links = store_.links_of(entity_id);
    if (!links.ok()) return std::move(links).error();
    std::string name = "entity/" + entity_id;
    for (const auto& l : *links) {
      if (is_origin_rule(l.rule)) {
        name = l.system + "/" + to_string(l.kind) + "/" + l.external_id;
        break;
      }
    }
    ids_.emplace(entity_id, name);
    return name;
  }

  // Refs (canonical ids) replaced by identities.
  Result<Fields> stable(EntityKind kind, const Fields& fields) {
    Fields out = fields;
    for (const auto& ref : ref_fields(kind)) {
      if (!out.contains(ref.name) || !out[ref.name].is_string()) continue;
      auto id = identity(out[ref.name].get<std::string>());
      if (!id.ok()) return std::move(id).error();
      out[ref.name] = *id;
    }
    return out;
  }

  Result<std::string> label(EntityKind kind, const Fields& fields) {
    const auto refs = ref_fields(kind);
    if (kind == EntityKind::kMembership || kind == EntityKind::kRegistration) {
      std::string out;
      for (const auto& ref : refs) {
        if (!fields.contains(ref.name) || !fields[ref.name].is_string()) continue;
        auto l = label_of(fields[ref.name].get<std::string>(), ref.target);
        if (!l.ok()) return l;
        out += (out.empty() ? "" : kind == EntityKind::kMembership ? " in " : " for ") + *l;
      }
      return out;
    }
    return plain_label(fields);
  }

 private:
  static std::string plain_label(const Fields& f) {
    for (const char* k :
         {field::kEmail, field::kName, field::kTitle, field::kDisplayName, field::kSlug}) {
      if (f.contains(k) && f[k].is_string() && !f[k].get<std::string>().empty()) {
        return f[k].get<std::string>();
      }
    }
    return "";
  }

  Result<std::string> label_of(const std::string& entity_id, EntityKind kind) {
    if (auto it = labels_.find(entity_id); it != labels_.end()) return it->second;
    auto snap = store_.get_snapshot(entity_id);
    if (!snap.ok()) return std::move(snap).error();
    std::string l = snap->has_value() ? plain_label((*snap)->fields) : "";
    if (l.empty()) {
      auto id = identity(entity_id);
      if (!id.ok()) return id;
      l = *id;
    }
    (void)kind;
    labels_.emplace(entity_id, l);
    return l;
  }

  store::Store& store_;
  std::unordered_map<std::string, std::string> ids_;
  std::unordered_map<std::string, std::string> labels_;
};

// The agreed state without its bookkeeping (per-field stamps carry the pass's clock).
Result<std::string> snapshot_hash(Namer& namer, const store::Snapshot& snap) {
  Fields f = snap.fields;
  bool deleted = false;
  if (f.contains("_meta")) {
    deleted = f["_meta"].is_object() && f["_meta"].value("deleted", false);
    f.erase("_meta");
  }
  if (deleted) f["_deleted"] = true;
  auto stable = namer.stable(snap.kind, f);
  if (!stable.ok()) return std::move(stable).error();
  return hash_value(*stable);
}

std::string fingerprint_of(const PlanItem& item) {
  const nlohmann::json fp = {{"system", item.system},           {"op", to_string(item.op)},
                             {"kind", to_string(item.kind)},    {"identity", item.identity},
                             {"external_id", item.external_id}, {"version", item.base_version},
                             {"hash", item.base_hash},          {"snapshot", item.snapshot_hash},
                             {"fields", item.projection},       {"changed", item.changed}};
  return hash_text(fp.dump());
}

// Where each field's canonical value came from, newest first, from the audit trail.
Result<std::map<std::string, std::string>> field_rules(store::Store& store,
                                                       const std::string& entity_id) {
  std::map<std::string, std::string> out;
  auto audit = store.audit_of(entity_id);
  if (!audit.ok()) return std::move(audit).error();
  for (auto it = audit->rbegin(); it != audit->rend(); ++it) {
    const auto& d = it->details;
    if (it->action == "merge" && d.contains("changes") && d["changes"].is_array()) {
      for (const auto& c : d["changes"]) {
        const std::string f = c.value("field", "");
        if (!f.empty()) out.emplace(f, c.value("rule", "merge") + " from " + it->from_system);
      }
    } else if (it->action == "capacity") {
      out.emplace(field::kStatus,
                  "event full (capacity " + d.value("capacity", nlohmann::json()).dump() + ")");
    } else if (it->action == "deactivate") {
      out.emplace(field::kActive, "left " + it->from_system);
    }
  }
  return out;
}

std::string write_rule(const config::Config& cfg, const PlannedWrite& p,
                       const std::string& identity) {
  const std::string kind = to_string(p.write.kind);
  const std::string policy = "systems." + p.system + ".kinds." + kind;
  switch (p.write.op) {
    case WriteOp::kCreate:
      return policy + ".create: true; the entity was first seen as " + identity;
    case WriteOp::kUpdate:
      return policy + ".update: true; " + p.system + "'s record differs from the agreed state";
    case WriteOp::kEnable:
      return "active again in the agreed state; " + p.system + " holds it disabled";
    case WriteOp::kDisable:
      return policy + ".on_delete: disable";
    case WriteOp::kDelete: {
      bool asked = false;
      if (const auto* sys = cfg.system(p.system)) {
        auto it = sys->kinds.find(p.write.kind);
        asked = it != sys->kinds.end() && it->second.on_delete == config::DeletePolicy::kDelete;
      }
      if (asked) return policy + ".on_delete: delete";
      return policy + ".on_delete: disable, but " + p.system + " cannot disable a " + kind +
             ": deleted";
    }
  }
  return "";
}

nlohmann::json item_to_json(const PlanItem& i) {
  nlohmann::json fields = nlohmann::json::array();
  for (const auto& d : i.fields) {
    nlohmann::json f = {{"field", d.field}, {"after", d.after}};
    if (d.before_known) f["before"] = d.before;
    if (!d.rule.empty()) f["rule"] = d.rule;
    fields.push_back(std::move(f));
  }
  return {
      {"op", to_string(i.op)},
      {"kind", to_string(i.kind)},
      {"entity", i.entity_id},
      {"identity", i.identity},
      {"external_id", i.external_id},
      {"label", i.label},
      {"reason", i.reason},
      {"rule", i.rule},
      {"fields", fields},
      {"projection", i.projection},
      {"changed", i.changed},
      {"base", {{"version", i.base_version}, {"hash", i.base_hash}, {"snapshot", i.snapshot_hash}}},
      {"key", i.key},
      {"fingerprint", i.fingerprint}};
}

std::string describe(const PlanItem& i) {
  return i.system + " " + to_string(i.op) + " " + to_string(i.kind) + " " +
         (i.label.empty() ? i.identity : i.label) + " [" + i.identity + "]";
}

}  // namespace

Result<std::vector<PlanItem>> describe_planned(store::Store& store, const config::Config& cfg,
                                               const std::vector<PlannedWrite>& writes) {
  Namer namer(store);
  std::vector<PlanItem> out;
  out.reserve(writes.size());
  std::unordered_map<std::string, std::map<std::string, std::string>> rules;
  for (const auto& p : writes) {
    const Write& w = p.write;
    PlanItem item;
    item.system = p.system;
    item.op = w.op;
    item.kind = w.kind;
    item.entity_id = w.entity_id;
    item.external_id = w.external_id;
    item.reason = p.reason;
    item.key = w.key;
    auto identity = namer.identity(w.entity_id);
    if (!identity.ok()) return std::move(identity).error();
    item.identity = *identity;
    auto link = store.link_of(w.entity_id, p.system);
    if (!link.ok()) return std::move(link).error();
    if (link->has_value()) {
      item.base_version = (*link)->version;
      item.base_hash = (*link)->hash;
    }
    auto snap = store.get_snapshot(w.entity_id);
    if (!snap.ok()) return std::move(snap).error();
    if (snap->has_value()) {
      auto h = snapshot_hash(namer, **snap);
      if (!h.ok()) return std::move(h).error();
      item.snapshot_hash = *h;
    }
    auto label = namer.label(w.kind, w.fields);
    if (!label.ok()) return std::move(label).error();
    item.label = *label;
    item.rule = write_rule(cfg, p, item.identity);
    auto projection = namer.stable(w.kind, w.fields);
    if (!projection.ok()) return std::move(projection).error();
    if (w.op == WriteOp::kCreate || w.op == WriteOp::kUpdate || w.op == WriteOp::kEnable) {
      auto rit = rules.find(w.entity_id);
      if (rit == rules.end()) {
        auto r = field_rules(store, w.entity_id);
        if (!r.ok()) return std::move(r).error();
        rit = rules.emplace(w.entity_id, std::move(r).value()).first;
      }
      for (const auto& f : w.changed) {
        FieldDiff d;
        d.field = f;
        d.after = projection->contains(f) ? (*projection)[f] : nlohmann::json();
        if (auto r = rit->second.find(f); r != rit->second.end()) d.rule = r->second;
        item.fields.push_back(std::move(d));
      }
    } else if (w.op == WriteOp::kDisable && w.kind == EntityKind::kPerson) {
      FieldDiff d;
      d.field = field::kActive;
      d.before = true;
      d.before_known = true;
      d.after = false;
      item.fields.push_back(std::move(d));
    }
    item.projection = std::move(projection).value();
    item.changed = w.changed;
    item.fingerprint = fingerprint_of(item);
    out.push_back(std::move(item));
  }
  return out;
}

Status fill_before(store::Store& store, std::vector<PlanItem>& items) {
  Namer namer(store);
  for (auto& item : items) {
    if (item.op != WriteOp::kUpdate && item.op != WriteOp::kEnable) continue;
    auto snap = store.get_snapshot(item.entity_id);
    if (!snap.ok()) return std::move(snap).error();
    if (!snap->has_value()) continue;
    const FieldHashes holds = decode_hashes(item.base_hash);
    auto stable = namer.stable(item.kind, (*snap)->fields);
    if (!stable.ok()) return std::move(stable).error();
    for (auto& d : item.fields) {
      auto h = holds.find(d.field);
      if (h == holds.end() || !(*snap)->fields.contains(d.field)) continue;
      if (hash_value((*snap)->fields[d.field]) != h->second) continue;
      d.before = (*stable)[d.field];
      d.before_known = true;
    }
  }
  return ok_status();
}

std::vector<std::string> compare_plans(const std::vector<PlanItem>& planned,
                                       const std::vector<PlanItem>& fresh) {
  const auto slot = [](const PlanItem& i) {
    return i.system + "|" + to_string(i.kind) + "|" + i.identity;
  };
  std::map<std::string, const PlanItem*> now;
  for (const auto& i : fresh) now.emplace(slot(i), &i);
  std::vector<std::string> out;
  std::map<std::string, bool> seen;
  for (const auto& p : planned) {
    seen[slot(p)] = true;
    auto it = now.find(slot(p));
    if (it == now.end()) {
      out.push_back(describe(p) + ": no longer needed; the record changed since the plan");
      continue;
    }
    const PlanItem& f = *it->second;
    if (f.fingerprint == p.fingerprint) continue;
    std::string why;
    if (f.op != p.op) why = "now a " + std::string(to_string(f.op)) + " instead";
    for (auto fit = f.projection.begin(); fit != f.projection.end() && f.op == p.op; ++fit) {
      const auto was = p.projection.find(fit.key());
      if (was != p.projection.end() && *was == fit.value()) continue;
      why += (why.empty() ? "" : ", ") + fit.key() + " is now " + fit.value().dump() +
             ", planned " + (was == p.projection.end() ? std::string("absent") : was->dump());
    }
    if (why.empty() && (f.base_version != p.base_version || f.base_hash != p.base_hash)) {
      why = p.system + "'s record changed since the plan (version '" + p.base_version + "' -> '" +
            f.base_version + "')";
    }
    if (why.empty() && f.snapshot_hash != p.snapshot_hash) {
      why = "its agreed state changed since the plan (a system changed it)";
    }
    if (why.empty()) why = "the write differs from the planned one";
    out.push_back(describe(p) + ": " + why);
  }
  for (const auto& f : fresh) {
    if (!seen.count(slot(f)))
      out.push_back(describe(f) +
                    ": a write the plan does not hold; a record changed since the plan");
  }
  return out;
}

nlohmann::json plan_to_json(const Plan& plan) {
  nlohmann::json doc = {{"format", Plan::kFormat},
                        {"created_at", plan.created_at},
                        {"config", plan.config_path},
                        {"only", plan.only_systems},
                        {"kinds", plan.only_kinds},
                        {"summary", nlohmann::json::object()},
                        {"systems", nlohmann::json::object()}};
  for (const auto& i : plan.items) {
    auto& count = doc["summary"][i.system][to_string(i.op)];
    count = count.is_number() ? count.get<int>() + 1 : 1;
    auto& list = doc["systems"][i.system];
    if (list.is_null()) list = nlohmann::json::array();
    list.push_back(item_to_json(i));
  }
  return doc;
}

Result<Plan> plan_from_json(const nlohmann::json& doc) {
  const auto bad = [](const std::string& why) {
    return make_error(ErrorKind::kInvalidInput, "not a usable coopsync plan: " + why);
  };
  if (!doc.is_object() || doc.value("format", 0) != Plan::kFormat) {
    return bad("expected an object with \"format\": " + std::to_string(Plan::kFormat));
  }
  Plan plan;
  try {
    plan.created_at = doc.value("created_at", "");
    plan.config_path = doc.value("config", "");
    plan.only_systems = doc.value("only", std::vector<std::string>{});
    plan.only_kinds = doc.value("kinds", std::vector<std::string>{});
    if (!doc.contains("systems") || !doc["systems"].is_object())
      return bad("no \"systems\" object");
    for (const auto& [system, list] : doc["systems"].items()) {
      if (!list.is_array()) return bad("systems." + system + " is not a list");
      for (const auto& w : list) {
        PlanItem i;
        i.system = system;
        auto op = parse_write_op(w.at("op").get<std::string>());
        auto kind = parse_entity_kind(w.at("kind").get<std::string>());
        if (!op || !kind) return bad("unknown op or kind in systems." + system);
        i.op = *op;
        i.kind = *kind;
        i.entity_id = w.value("entity", "");
        i.identity = w.at("identity").get<std::string>();
        i.external_id = w.value("external_id", "");
        i.label = w.value("label", "");
        i.reason = w.value("reason", "");
        i.rule = w.value("rule", "");
        const auto& base = w.at("base");
        i.base_version = base.value("version", "");
        i.base_hash = base.value("hash", "");
        i.snapshot_hash = base.value("snapshot", "");
        i.key = w.value("key", "");
        for (const auto& f : w.value("fields", nlohmann::json::array())) {
          FieldDiff d;
          d.field = f.at("field").get<std::string>();
          d.after = f.value("after", nlohmann::json());
          d.before_known = f.contains("before");
          if (d.before_known) d.before = f["before"];
          d.rule = f.value("rule", "");
          i.fields.push_back(std::move(d));
        }
        // The file must say what will be done: its fingerprint is recomputed from it.
        i.projection = w.value("projection", Fields::object());
        i.changed = w.value("changed", std::vector<std::string>{});
        i.fingerprint = fingerprint_of(i);
        if (i.fingerprint != w.value("fingerprint", "")) {
          return bad("the write to " + system + " for " + i.identity +
                     " was edited after planning");
        }
        plan.items.push_back(std::move(i));
      }
    }
  } catch (const nlohmann::json::exception& e) {
    return bad(e.what());
  }
  return plan;
}

}  // namespace coopsync::engine
