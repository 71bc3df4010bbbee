// status, conflicts, links, audit, outbox: what an operator looks at to understand and repair.
#include "core/cli/ops.hpp"

#include "core/connector/registry.hpp"
#include "core/engine/pass_run.hpp"
#include "core/model/normalize.hpp"

#include <iomanip>

namespace coopsync::cli {

namespace {
std::string iso(store::TimePoint t) {
  if (t.time_since_epoch().count() == 0) return "";
  return format_instant(std::chrono::floor<std::chrono::seconds>(t));
}

nlohmann::json link_json(const store::Link& l) {
  return {{"system", l.system},   {"kind", to_string(l.kind)}, {"external_id", l.external_id},
          {"entity", l.entity_id}, {"rule", l.rule},            {"matched_value", l.matched_value},
          {"version", l.version},  {"created_at", iso(l.created_at)}};
}

nlohmann::json conflict_json(const store::Conflict& c) {
  return {{"id", c.id},           {"kind", to_string(c.kind)}, {"system", c.system},
          {"external_id", c.external_id}, {"candidates", c.candidates}, {"reason", c.reason},
          {"details", c.details}, {"resolved", c.resolved}, {"resolution", c.resolution},
          {"created_at", iso(c.created_at)}};
}

nlohmann::json entry_json(const store::OutboxEntry& e) {
  return {{"id", e.id},         {"system", e.system},          {"op", to_string(e.write.op)},
          {"kind", to_string(e.write.kind)}, {"entity", e.write.entity_id}, {"external_id", e.write.external_id},
          {"state", store::to_string(e.state)}, {"attempts", e.attempts}, {"next_attempt_at", iso(e.next_attempt_at)},
          {"last_error", e.last_error}, {"reason", e.reason}};
}
}  // namespace

int run_status(Context& ctx, std::ostream& out) {
  nlohmann::json j = nlohmann::json::array();
  const auto now = std::chrono::system_clock::now();
  for (const auto& sys : ctx.config.systems) {
    auto last = ctx.store->get_cursor(sys.name, "status:last_pass");
    auto ok = ctx.store->get_cursor(sys.name, "status:last_success");
    auto pending = ctx.store->count_outbox(sys.name, store::OutboxState::kPending);
    auto dead = ctx.store->count_outbox(sys.name, store::OutboxState::kDead);
    long long lag = -1;
    if (ok.ok() && !ok->empty()) {
      if (auto t = parse_instant(*ok); t.ok()) {
        lag = std::chrono::duration_cast<std::chrono::seconds>(now - *t).count();
      }
    }
    j.push_back({{"system", sys.name}, {"type", sys.type}, {"enabled", sys.enabled},
                 {"last_pass", last.ok() ? *last : ""}, {"last_success", ok.ok() ? *ok : ""},
                 {"lag_seconds", lag}, {"pending", pending.ok() ? *pending : 0}, {"dead", dead.ok() ? *dead : 0}});
  }
  auto open = ctx.store->list_conflicts(false);
  if (ctx.json) {
    out << nlohmann::json{{"systems", j}, {"open_conflicts", open.ok() ? open->size() : 0}}.dump(2) << "\n";
    return kExitOk;
  }
  out << std::left << std::setw(12) << "system" << std::setw(11) << "type" << std::setw(22) << "last pass"
      << std::setw(22) << "last success" << std::right << std::setw(9) << "lag(s)" << std::setw(9) << "pending"
      << std::setw(6) << "dead" << "\n";
  for (const auto& s : j) {
    out << std::left << std::setw(12) << s["system"].get<std::string>() << std::setw(11) << s["type"].get<std::string>()
        << std::setw(22) << (s["last_pass"] == "" ? "never" : s["last_pass"].get<std::string>()) << std::setw(22)
        << (s["last_success"] == "" ? "never" : s["last_success"].get<std::string>()) << std::right << std::setw(9)
        << (s["lag_seconds"] == -1 ? std::string("-") : std::to_string(s["lag_seconds"].get<long long>()))
        << std::setw(9) << s["pending"].get<std::size_t>() << std::setw(6) << s["dead"].get<std::size_t>() << "\n";
  }
  out << "open conflicts: " << (open.ok() ? open->size() : 0) << "\n";
  return kExitOk;
}

int run_conflicts_list(Context& ctx, std::ostream& out) {
  auto open = ctx.store->list_conflicts(false);
  if (!open.ok()) {
    out << open.error().message << "\n";
    return kExitUsage;
  }
  if (ctx.json) {
    nlohmann::json j = nlohmann::json::array();
    for (const auto& c : *open) j.push_back(conflict_json(c));
    out << j.dump(2) << "\n";
    return open->empty() ? kExitOk : kExitAttention;  // same exit code as the text listing
  }
  if (open->empty()) out << "no open conflict\n";
  for (const auto& c : *open) {
    out << "#" << c.id << "  " << to_string(c.kind) << "  " << c.system << ":" << c.external_id << "  " << c.reason << "\n";
    out << "     candidates:";
    for (const auto& id : c.candidates) out << " " << id;
    out << "\n";
  }
  return open->empty() ? kExitOk : kExitAttention;
}

int run_conflicts_show(Context& ctx, std::int64_t id, std::ostream& out, std::ostream& err) {
  auto c = ctx.store->get_conflict(id);
  if (!c.ok() || !c->has_value()) {
    err << "no conflict #" << id << "\n";
    return kExitUsage;
  }
  nlohmann::json j = conflict_json(**c);
  for (const auto& cand : (*c)->candidates) {
    nlohmann::json entry = {{"entity", cand}};
    if (auto snap = ctx.store->get_snapshot(cand); snap.ok() && snap->has_value()) {
      Fields f = (*snap)->fields;
      f.erase("_meta");
      entry["fields"] = f;
    }
    if (auto links = ctx.store->links_of(cand); links.ok()) {
      for (const auto& l : *links) entry["links"].push_back(link_json(l));
    }
    j["entities"].push_back(entry);
  }
  out << j.dump(2) << "\n";
  return kExitOk;
}

int run_links_show(Context& ctx, const std::string& entity, std::ostream& out, std::ostream& err) {
  auto links = ctx.store->links_of(entity);
  if (!links.ok()) {
    err << links.error().message << "\n";
    return kExitUsage;
  }
  if (links->empty()) {
    err << "no link for entity " << entity << "\n";
    return kExitUsage;
  }
  if (ctx.json) {
    nlohmann::json j = nlohmann::json::array();
    for (const auto& l : *links) j.push_back(link_json(l));
    out << j.dump(2) << "\n";
    return kExitOk;
  }
  out << "entity " << entity << " (" << to_string(links->front().kind) << ")\n";
  for (const auto& l : *links) {
    out << "  " << std::left << std::setw(12) << l.system << std::setw(28) << l.external_id << "linked by "
        << l.rule << (l.matched_value.empty() ? "" : " = " + l.matched_value) << "  " << iso(l.created_at) << "\n";
  }
  return kExitOk;
}

int run_links_find(Context& ctx, const std::string& system, const std::string& kind_name,
                   const std::string& external_id, std::ostream& out, std::ostream& err) {
  for (EntityKind kind : kAllKinds) {
    if (!kind_name.empty() && kind_name != to_string(kind)) continue;
    auto link = ctx.store->find_link(system, kind, external_id);
    if (link.ok() && link->has_value()) return run_links_show(ctx, (*link)->entity_id, out, err);
  }
  err << "no link for " << system << " record " << external_id << "\n";
  return kExitUsage;
}

int run_audit(Context& ctx, const std::string& entity, std::ostream& out, std::ostream& err) {
  auto entries = ctx.store->audit_of(entity);
  if (!entries.ok()) {
    err << entries.error().message << "\n";
    return kExitUsage;
  }
  if (entries->empty()) {
    err << "no audit entry for entity " << entity << "\n";
    return kExitUsage;
  }
  if (ctx.json) {
    nlohmann::json j = nlohmann::json::array();
    for (const auto& a : *entries) {
      j.push_back({{"id", a.id}, {"at", iso(a.at)}, {"entity", a.entity_id}, {"action", a.action},
                   {"from_system", a.from_system}, {"to_system", a.to_system}, {"details", a.details}});
    }
    out << j.dump(2) << "\n";
    return kExitOk;
  }
  out << "entity " << entity << "\n";
  for (const auto& a : *entries) {
    out << "  " << iso(a.at) << "  " << std::left << std::setw(11) << a.action;
    if (!a.from_system.empty()) out << " from " << a.from_system;
    if (!a.to_system.empty()) out << " to " << a.to_system;
    out << "  " << a.details.dump() << "\n";
  }
  return kExitOk;
}

int run_audit_find(Context& ctx, const std::string& system, const std::string& kind_name,
                   const std::string& external_id, std::ostream& out, std::ostream& err) {
  for (EntityKind kind : kAllKinds) {
    if (!kind_name.empty() && kind_name != to_string(kind)) continue;
    auto link = ctx.store->find_link(system, kind, external_id);
    if (link.ok() && link->has_value()) return run_audit(ctx, (*link)->entity_id, out, err);
  }
  err << "no link for " << system << " record " << external_id << "\n";
  return kExitUsage;
}

int run_outbox_list(Context& ctx, bool dead_only, std::ostream& out) {
  auto entries = dead_only ? ctx.store->list_outbox(store::OutboxState::kDead, 1000)
                           : ctx.store->list_outbox(store::OutboxState::kPending, 1000);
  if (!entries.ok()) {
    out << entries.error().message << "\n";
    return kExitUsage;
  }
  if (ctx.json) {
    nlohmann::json j = nlohmann::json::array();
    for (const auto& e : *entries) j.push_back(entry_json(e));
    out << j.dump(2) << "\n";
    return kExitOk;
  }
  if (entries->empty()) out << (dead_only ? "no dead letter\n" : "outbox empty\n");
  for (const auto& e : *entries) {
    out << "#" << e.id << "  " << std::left << std::setw(10) << e.system << std::setw(8) << to_string(e.write.op)
        << std::setw(13) << to_string(e.write.kind) << e.write.entity_id << "  attempts " << e.attempts;
    if (!e.last_error.empty()) out << "  last error: " << e.last_error;
    out << "\n";
  }
  return kExitOk;
}

int run_connectors_list(bool json, std::ostream& out) {
  if (!json) {
    for (const auto* info : ConnectorRegistry::instance().list()) {
      out << info->type << "\t" << info->summary << "\n";
    }
    return kExitOk;
  }
  nlohmann::json j = nlohmann::json::array();
  for (const auto* info : ConnectorRegistry::instance().list()) {
    nlohmann::json kinds = nlohmann::json::object();
    for (const auto& [kind, caps] : info->capabilities.kinds) {
      kinds[to_string(kind)] = {{"read", caps.read},       {"create", caps.create},
                                {"update", caps.update},   {"disable", caps.disable},
                                {"remove", caps.remove},   {"fields", caps.fields},
                                {"match_keys", caps.match_keys}};
    }
    nlohmann::json commands = nlohmann::json::array();
    for (const auto& c : info->commands) {
      commands.push_back({{"name", c.name}, {"summary", c.summary}});
    }
    j.push_back({{"type", info->type}, {"summary", info->summary}, {"kinds", kinds},
                 {"commands", commands}});
  }
  out << j.dump(2) << "\n";
  return kExitOk;
}

int run_outbox_retry(Context& ctx, std::int64_t id, std::ostream& out, std::ostream& err) {
  auto st = ctx.store->retry_dead(id);
  if (!st.ok()) {
    err << "outbox entry #" << id << ": " << st.error().message << "\n";
    return kExitUsage;
  }
  out << "outbox entry #" << id << " will be retried by the next pass\n";
  return kExitOk;
}

}  // namespace coopsync::cli
