#pragma once
// The operator commands, free of CLI parsing (core/cli/commands.cpp wires them to CLI11),
// so they compile fast and tests can call them. Each returns the process exit code.
#include "core/cli/context.hpp"
#include "core/engine/engine.hpp"

#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

namespace coopsync::cli {

struct SyncArgs {
  bool dry_run = false;
  bool full = false;  // forget the cursors: full listings, deletions detected
  std::vector<std::string> only;
  std::vector<std::string> kinds;
};
int run_sync(Context& ctx, const SyncArgs& args, std::ostream& out, std::ostream& err);
int run_status(Context& ctx, std::ostream& out);

struct PlanArgs {
  std::string out = "plan.json";
  std::vector<std::string> only;
  std::vector<std::string> kinds;
};
// A dry run written to `out` with every write's base, and a readable summary.
int run_plan(Context& ctx, const PlanArgs& args, std::ostream& out, std::ostream& err);
struct ApplyArgs {
  std::string plan_path;
  std::string config;  // "" = the one the plan was made with
};
// Carries out exactly the plan, or nothing (exit 1) when a record it touches changed.
int run_apply(const ApplyArgs& args, bool json, std::ostream& out, std::ostream& err);
int run_doctor(Context& ctx, std::ostream& out, std::ostream& err);

int run_conflicts_list(Context& ctx, std::ostream& out);
int run_conflicts_show(Context& ctx, std::int64_t id, std::ostream& out, std::ostream& err);
int run_conflicts_keep(Context& ctx, std::int64_t id, const std::string& keep, std::ostream& out, std::ostream& err);
int run_conflicts_merge(Context& ctx, std::int64_t id, const std::string& into, const std::string& from,
                        std::ostream& out, std::ostream& err);

int run_links_show(Context& ctx, const std::string& entity, std::ostream& out, std::ostream& err);
int run_links_find(Context& ctx, const std::string& system, const std::string& kind,
                   const std::string& external_id, std::ostream& out, std::ostream& err);
int run_links_split(Context& ctx, const std::string& entity, const std::string& system,
                    std::ostream& out, std::ostream& err);

// The append-only audit of an entity (or of the entity a system's record is linked to):
// links, merges with the rule that decided each field, disputes and who won, writes.
int run_audit(Context& ctx, const std::string& entity, std::ostream& out, std::ostream& err);
int run_audit_find(Context& ctx, const std::string& system, const std::string& kind,
                   const std::string& external_id, std::ostream& out, std::ostream& err);

int run_outbox_list(Context& ctx, bool dead_only, std::ostream& out);
int run_outbox_retry(Context& ctx, std::int64_t id, std::ostream& out, std::ostream& err);
// `connectors list`: type and summary per line, or (json) each connector's capabilities.
int run_connectors_list(bool json, std::ostream& out);

int run_forget(Context& ctx, const std::string& who, std::ostream& out, std::ostream& err);

// Text or JSON rendering of a pass report (shared with the daemon's control API).
void print_report(const engine::PassReport& report, bool dry_run, bool json, std::ostream& out);
int exit_code_for(const engine::PassReport& report);

}  // namespace coopsync::cli
