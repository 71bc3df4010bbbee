#include "core/cli/ops.hpp"

#include "core/http/request_observer.hpp"
#include "core/model/normalize.hpp"
#include "core/store/lease_holder.hpp"

#include <spdlog/logger.h>

#include <cmath>
#include <iomanip>
#include <unistd.h>

namespace coopsync::cli {

int exit_code_for(const engine::PassReport& report) {
  if (report.unreachable()) return kExitUnreachable;
  if (report.open_conflicts > 0 || report.dead_letters > 0) return kExitAttention;
  return kExitOk;
}

void print_report(const engine::PassReport& report, bool dry_run, bool json, std::ostream& out) {
  if (json) {
    nlohmann::json j;
    for (const auto& [name, r] : report.systems) {
      j["systems"][name] = {{"read", r.read},       {"created", r.created}, {"adopted", r.adopted},
                            {"linked", r.linked},   {"updated", r.updated}, {"disabled", r.disabled},
                            {"deleted", r.deleted}, {"failed", r.failed},   {"dead", r.dead},
                            {"planned", r.planned}, {"error", r.error ? r.error->describe() : ""}};
    }
    j["new_entities"] = report.new_entities;
    j["conflicts_raised"] = report.conflicts;
    j["open_conflicts"] = report.open_conflicts;
    j["dead_letters"] = report.dead_letters;
    j["pending"] = report.pending;
    j["writes"] = report.total_writes();
    for (const auto& [phase, secs] : report.seconds) {
      j["seconds"][phase] = std::round(secs * 1000) / 1000;
    }
    for (const auto& [system, t] : report.http) {
      j["http"][system] = {{"requests", t.requests}, {"seconds", std::round(t.seconds * 1000) / 1000}};
    }
    j["store"] = {{"calls", report.store.calls}, {"seconds", std::round(report.store.seconds * 1000) / 1000}};
    for (const auto& p : report.planned) {
      j["planned"].push_back({{"system", p.system}, {"op", to_string(p.write.op)}, {"kind", to_string(p.write.kind)},
                              {"entity", p.write.entity_id}, {"external_id", p.write.external_id},
                              {"fields", p.write.fields}, {"changed", p.write.changed}, {"reason", p.reason}});
    }
    out << j.dump(2) << "\n";
    return;
  }
  if (dry_run) {
    out << "Dry run: nothing was written. Planned writes:\n";
    for (const auto& p : report.planned) {
      out << "  " << std::left << std::setw(10) << p.system << std::setw(8) << to_string(p.write.op)
          << std::setw(13) << to_string(p.write.kind);
      std::string label;
      for (const char* k : {"email", "name", "title", "display_name"}) {
        if (p.write.fields.contains(k) && p.write.fields[k].is_string()) {
          label = p.write.fields[k].get<std::string>();
          break;
        }
      }
      out << (label.empty() ? p.write.entity_id : label) << "  (" << p.reason << ")\n";
    }
  }
  out << std::left << std::setw(12) << "system" << std::right << std::setw(7) << "read" << std::setw(9)
      << (dry_run ? "planned" : "created") << std::setw(9) << "adopted" << std::setw(8) << "linked" << std::setw(9)
      << "updated" << std::setw(10) << "disabled" << std::setw(9) << "deleted" << std::setw(8) << "failed"
      << "\n";
  for (const auto& [name, r] : report.systems) {
    out << std::left << std::setw(12) << name << std::right << std::setw(7) << r.read << std::setw(9)
        << (dry_run ? r.planned : r.created) << std::setw(9) << r.adopted << std::setw(8) << r.linked
        << std::setw(9) << r.updated << std::setw(10) << r.disabled << std::setw(9) << r.deleted << std::setw(8)
        << r.failed << "\n";
    if (r.error) out << "  " << name << ": " << r.error->describe() << "\n";
  }
  out << "writes: " << report.total_writes() << ", new entities: " << report.new_entities
      << ", conflicts raised: " << report.conflicts << ", open conflicts: " << report.open_conflicts
      << ", pending: " << report.pending << ", dead letters: " << report.dead_letters << "\n";
}

int run_sync(Context& ctx, const SyncArgs& args, std::ostream& out, std::ostream& err) {
  int code = kExitOk;
  auto live = open_systems(ctx, err, code);
  if (!live) return code;
  engine::PassOptions options;
  options.dry_run = args.dry_run;
  for (const auto& s : args.only) {
    if (ctx.config.system(s) == nullptr) {
      err << "--only " << s << ": no such system in " << ctx.config.path << "\n";
      return kExitUsage;
    }
    options.only_systems.insert(s);
  }
  for (const auto& k : args.kinds) {
    auto kind = parse_entity_kind(k);
    if (!kind) {
      err << "--kind " << k << ": expected person, group, membership, event or registration\n";
      return kExitUsage;
    }
    options.only_kinds.insert(*kind);
  }
  if (args.full && !args.dry_run) {
    for (const auto& sys : live->runtimes) {
      if (!options.only_systems.empty() && !options.only_systems.count(sys.name())) continue;
      for (EntityKind k : kAllKinds) {
        if (auto st = ctx.store->set_cursor(sys.name(), std::string("kind:") + to_string(k), ""); !st.ok()) {
          err << st.error().message << "\n";
          return kExitUsage;
        }
      }
    }
  }
  // One pass at a time per store: a second process (or replica) waits its turn.
  const std::string holder = store::local_holder("cli");  // taken over if we are killed
  auto lease = ctx.store->try_lease("pass", holder, std::chrono::seconds(3600));
  if (!lease.ok() || !*lease) {
    err << "another coopsync pass holds the store's lease; try again when it has finished\n";
    return kExitAttention;
  }
  // A live progress line on a terminal; plain log lines when the output is a file or pipe.
  const bool tty = ::isatty(STDERR_FILENO) == 1;
  options.progress = [&, tty](const std::string& what) {
    if (tty) {
      err << "\r\033[K" << what << std::flush;
    } else {
      ctx.log->info("progress: {}", what);
    }
  };
  // Requests and the seconds spent waiting on each system (`--json`): with the phases'
  // seconds, whether a slow pass waited on a system or on itself.
  std::map<std::string, engine::PassReport::HttpTally> http_tally;
  if (ctx.json) {
    http::set_request_observer([&http_tally](const std::string& system, const std::string&, int,
                                             std::chrono::microseconds elapsed) {
      auto& t = http_tally[system];  // the observer is called under a lock
      ++t.requests;
      t.seconds += static_cast<double>(elapsed.count()) / 1e6;
    });
  }
  engine::Engine eng(ctx.config, *ctx.store, std::move(live->runtimes), ctx.log);
  auto report = eng.run_pass(options);
  http::set_request_observer(nullptr);
  if (report.ok()) report->http = std::move(http_tally);
  if (tty) err << "\r\033[K" << std::flush;
  (void)ctx.store->release_lease("pass", holder);
  if (!report.ok()) {
    err << "sync failed: " << report.error().describe() << "\n";
    return kExitUsage;
  }
  print_report(*report, args.dry_run, ctx.json, out);
  return exit_code_for(*report);
}

int run_doctor(Context& ctx, std::ostream& out, std::ostream& err) {
  int code = kExitOk;
  auto live = open_systems(ctx, err, code);
  if (!live) return code;
  int result = kExitOk;
  nlohmann::json j = nlohmann::json::array();
  for (auto& sys : live->runtimes) {
    auto st = sys.connector->check();
    if (!st.ok()) result = kExitUnreachable;
    if (ctx.json) {
      nlohmann::json entry = {{"system", sys.name()}, {"type", sys.config->type}, {"ok", st.ok()}};
      if (!st.ok()) {
        const Error& e = st.error();
        entry["error"] = {{"kind", to_string(e.kind)}, {"message", e.message}};
        if (e.http_status) entry["error"]["http_status"] = *e.http_status;
      }
      j.push_back(std::move(entry));
      continue;
    }
    out << std::left << std::setw(12) << sys.name() << std::setw(11) << sys.config->type
        << (st.ok() ? "ok" : st.error().describe()) << "\n";
  }
  if (ctx.json) out << j.dump(2) << "\n";
  return result;
}

}  // namespace coopsync::cli
