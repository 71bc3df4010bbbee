// Command-line parsing (CLI11 lives in this one translation unit: it is costly to build).
#include "core/cli/commands.hpp"

#include "core/cli/ops.hpp"
#include "core/connector/registry.hpp"
#include "core/daemon/daemon.hpp"

#include <CLI/CLI.hpp>

#include <iostream>

namespace coopsync::cli {

namespace {

struct Common {
  std::string config = default_config_path();
  bool json = false;
};

void add_common(CLI::App* cmd, Common& c, bool json = true) {
  cmd->add_option("-c,--config", c.config, "configuration file (default $COOPSYNC_CONFIG or ./coopsync.yaml)");
  if (json) cmd->add_flag("--json", c.json, "machine-readable output");
}

// Opens the context and runs `fn`; turns start-up failures into exit codes.
template <class Fn>
int with_context(const Common& c, Fn fn) {
  int code = kExitOk;
  auto ctx = open_context(c.config, std::cerr, code);
  if (!ctx) return code;
  ctx->json = c.json;
  return fn(*ctx);
}

int validate_config(const std::string& path) {
  auto loaded = config::load_config(path, ConnectorRegistry::instance());
  if (!loaded.warnings.empty()) std::cerr << config::format_issues(loaded.warnings);
  if (!loaded.issues.empty()) {
    std::cerr << config::format_issues(loaded.issues);
    return kExitUsage;
  }
  std::cout << path << ": valid (" << loaded.config->systems.size() << " systems)\n";
  return kExitOk;
}

}  // namespace

int run(int argc, char** argv) {
  CLI::App app{"coopsync: keeps Odoo, Nextcloud, Matrix and Mobilizon in agreement"};
  app.set_version_flag("--version", std::string("coopsync ") + COOPSYNC_VERSION);
  app.require_subcommand(1);
  int code = kExitOk;
  Common common;

  auto* sync = app.add_subcommand("sync", "run one pass: pull, resolve, merge, plan, apply");
  SyncArgs sync_args;
  add_common(sync, common);
  sync->add_flag("--dry-run", sync_args.dry_run, "stop after planning; print what would be written");
  sync->add_flag("--full", sync_args.full, "full listings from every system (detects deletions)");
  sync->add_option("--only", sync_args.only, "only these systems (repeatable)");
  sync->add_option("--kind", sync_args.kinds, "only these kinds: person, group, membership, event, registration");
  sync->callback([&] {
    code = with_context(common, [&](Context& ctx) { return run_sync(ctx, sync_args, std::cout, std::cerr); });
  });

  auto* plan_cmd = app.add_subcommand("plan", "write every intended write to a file (nothing is written anywhere)");
  PlanArgs plan_args;
  add_common(plan_cmd, common);
  plan_cmd->add_option("--out", plan_args.out, "plan file to write (default plan.json)");
  plan_cmd->add_option("--only", plan_args.only, "only these systems (repeatable)");
  plan_cmd->add_option("--kind", plan_args.kinds, "only these kinds: person, group, membership, event, registration");
  plan_cmd->callback([&] {
    code = with_context(common, [&](Context& ctx) { return run_plan(ctx, plan_args, std::cout, std::cerr); });
  });

  auto* apply_cmd = app.add_subcommand("apply", "carry out a plan file exactly, or nothing if a record changed since");
  ApplyArgs apply_args;
  apply_cmd->add_option("plan", apply_args.plan_path, "plan file written by coopsync plan")->required();
  apply_cmd->add_option("-c,--config", apply_args.config, "configuration file (default: the plan's)");
  apply_cmd->add_flag("--json", common.json, "machine-readable output");
  apply_cmd->callback([&] { code = run_apply(apply_args, common.json, std::cout, std::cerr); });

  auto* daemon_cmd = app.add_subcommand("daemon", "run as a service: scheduled passes, /healthz, /metrics, webhooks");
  daemon::DaemonArgs daemon_args;
  add_common(daemon_cmd, common, false);
  daemon_cmd->add_flag("--allow-non-loopback", daemon_args.allow_non_loopback,
                   "accept a daemon.listen address that is not loopback (behind a TLS proxy)");
  daemon_cmd->add_option("--port-file", daemon_args.port_file, "write the bound port there once listening");
  daemon_cmd->callback([&] {
    daemon_args.config_path = common.config;
    code = daemon::run_daemon(daemon_args, std::cerr);
  });

  auto* status = app.add_subcommand("status", "per system: last pass, lag, pending writes, dead letters");
  add_common(status, common);
  status->callback([&] { code = with_context(common, [&](Context& ctx) { return run_status(ctx, std::cout); }); });

  auto* doctor = app.add_subcommand("doctor", "check connectivity and credentials of every system");
  add_common(doctor, common);
  doctor->callback([&] {
    code = with_context(common, [&](Context& ctx) { return run_doctor(ctx, std::cout, std::cerr); });
  });

  auto* conflicts = app.add_subcommand("conflicts", "list, show and resolve conflicts");
  add_common(conflicts, common);
  conflicts->callback([&] {
    if (conflicts->get_subcommands().empty()) {
      code = with_context(common, [&](Context& ctx) { return run_conflicts_list(ctx, std::cout); });
    }
  });
  auto* c_list = conflicts->add_subcommand("list", "open conflicts");
  add_common(c_list, common);
  c_list->callback([&] { code = with_context(common, [&](Context& ctx) { return run_conflicts_list(ctx, std::cout); }); });
  std::int64_t conflict_id = 0;
  auto* c_show = conflicts->add_subcommand("show", "one conflict with its candidates");
  add_common(c_show, common);
  c_show->add_option("id", conflict_id, "conflict id")->required();
  c_show->callback([&] {
    code = with_context(common, [&](Context& ctx) { return run_conflicts_show(ctx, conflict_id, std::cout, std::cerr); });
  });
  auto* c_resolve = conflicts->add_subcommand("resolve", "settle a conflict: --keep ENTITY or --merge A B");
  add_common(c_resolve, common);
  std::string keep;
  std::vector<std::string> merge;
  c_resolve->add_option("id", conflict_id, "conflict id")->required();
  auto* keep_opt = c_resolve->add_option("--keep", keep, "keep this candidate; ignore the others");
  auto* merge_opt = c_resolve->add_option("--merge", merge, "merge B into A")->expected(2);
  keep_opt->excludes(merge_opt);
  c_resolve->callback([&] {
    code = with_context(common, [&](Context& ctx) {
      if (!keep.empty()) return run_conflicts_keep(ctx, conflict_id, keep, std::cout, std::cerr);
      if (merge.size() == 2) return run_conflicts_merge(ctx, conflict_id, merge[0], merge[1], std::cout, std::cerr);
      std::cerr << "conflicts resolve: give --keep ENTITY or --merge A B\n";
      return static_cast<int>(kExitUsage);
    });
  });

  auto* links = app.add_subcommand("links", "show why records were joined; split a wrong link");
  add_common(links, common);
  auto* l_show = links->add_subcommand("show", "links of an entity, or of a system's record");
  add_common(l_show, common);
  std::string entity, system, external_id, kind;
  l_show->add_option("entity", entity, "canonical entity id");
  l_show->add_option("--system", system, "system name");
  l_show->add_option("--external-id", external_id, "the record's id in that system");
  l_show->add_option("--kind", kind, "kind of the record (default: any)");
  l_show->callback([&] {
    code = with_context(common, [&](Context& ctx) {
      if (!entity.empty()) return run_links_show(ctx, entity, std::cout, std::cerr);
      if (!system.empty() && !external_id.empty()) return run_links_find(ctx, system, kind, external_id, std::cout, std::cerr);
      std::cerr << "links show: give ENTITY, or --system S --external-id X\n";
      return static_cast<int>(kExitUsage);
    });
  });
  auto* l_split = links->add_subcommand("split", "undo a wrong link: the system's record gets its own entity");
  add_common(l_split, common);
  l_split->add_option("entity", entity, "canonical entity id")->required();
  l_split->add_option("--system", system, "system name")->required();
  l_split->callback([&] {
    code = with_context(common, [&](Context& ctx) { return run_links_split(ctx, entity, system, std::cout, std::cerr); });
  });

  auto* audit = app.add_subcommand("audit", "what happened to an entity: links, merges (who won a field and why), writes");
  add_common(audit, common);
  audit->add_option("entity", entity, "canonical entity id");
  audit->add_option("--system", system, "system name");
  audit->add_option("--external-id", external_id, "the record's id in that system");
  audit->add_option("--kind", kind, "kind of the record (default: any)");
  audit->callback([&] {
    code = with_context(common, [&](Context& ctx) {
      if (!entity.empty()) return run_audit(ctx, entity, std::cout, std::cerr);
      if (!system.empty() && !external_id.empty()) return run_audit_find(ctx, system, kind, external_id, std::cout, std::cerr);
      std::cerr << "audit: give ENTITY, or --system S --external-id X\n";
      return static_cast<int>(kExitUsage);
    });
  });

  auto* outbox = app.add_subcommand("outbox", "pending writes and dead letters");
  add_common(outbox, common);
  bool dead_only = false;
  outbox->add_flag("--dead", dead_only, "dead letters only");
  outbox->callback([&] {
    if (outbox->get_subcommands().empty()) {
      code = with_context(common, [&](Context& ctx) { return run_outbox_list(ctx, dead_only, std::cout); });
    }
  });
  auto* o_list = outbox->add_subcommand("list", "pending entries (--dead: dead letters)");
  add_common(o_list, common);
  o_list->add_flag("--dead", dead_only, "dead letters only");
  o_list->callback([&] { code = with_context(common, [&](Context& ctx) { return run_outbox_list(ctx, dead_only, std::cout); }); });
  std::int64_t entry_id = 0;
  auto* o_retry = outbox->add_subcommand("retry", "replay a dead letter after a fix");
  add_common(o_retry, common);
  o_retry->add_option("id", entry_id, "outbox entry id")->required();
  o_retry->callback([&] {
    code = with_context(common, [&](Context& ctx) { return run_outbox_retry(ctx, entry_id, std::cout, std::cerr); });
  });

  auto* forget = app.add_subcommand("forget", "GDPR erasure of a person in every system");
  add_common(forget, common);
  std::string who;
  forget->add_option("person", who, "entity id or email address")->required();
  forget->callback([&] { code = with_context(common, [&](Context& ctx) { return run_forget(ctx, who, std::cout, std::cerr); }); });

  auto* cfg = app.add_subcommand("config", "configuration tools");
  auto* validate = cfg->add_subcommand("validate", "check a configuration file; every problem with file:line:column");
  std::string validate_path;
  validate->add_option("file", validate_path, "configuration file")->required();
  validate->callback([&] { code = validate_config(validate_path); });
  cfg->require_subcommand(1);

  auto* connectors = app.add_subcommand("connectors", "the connectors compiled in");
  auto* c_ls = connectors->add_subcommand("list", "types and summaries");
  bool connectors_json = false;
  c_ls->add_flag("--json", connectors_json, "machine-readable output");
  c_ls->callback([&] { code = run_connectors_list(connectors_json, std::cout); });
  std::string describe_type;
  auto* c_desc = connectors->add_subcommand("describe", "a connector's configuration keys");
  c_desc->add_option("type", describe_type)->required();
  c_desc->callback([&] {
    const auto* info = ConnectorRegistry::instance().find(describe_type);
    if (info == nullptr) {
      std::cerr << "no connector of type '" << describe_type << "'\n";
      code = kExitUsage;
      return;
    }
    std::cout << info->type << ": " << info->summary << "\n" << info->spec.describe(2);
  });
  connectors->require_subcommand(1);

  // Commands a connector offers (e.g. `coopsync matrix registration`): core knows none.
  std::vector<std::string> tool_args;
  for (const auto* info : ConnectorRegistry::instance().list()) {
    if (info->commands.empty()) continue;
    auto* group = app.add_subcommand(info->type, "commands of the " + info->type + " connector");
    group->require_subcommand(1);
    for (const auto& command : info->commands) {
      auto* sub = group->add_subcommand(command.name, command.summary);
      add_common(sub, common, false);
      sub->add_option("args", tool_args, "arguments");
      sub->callback([&, info, command] {
        code = with_context(common, [&](Context& ctx) {
          for (const auto& sys : ctx.config.systems) {
            if (sys.type != info->type) continue;
            ConnectorContext cctx;
            cctx.name = sys.name;
            cctx.settings = sys.settings;
            cctx.make_http = [](const http::ClientOptions& o) { return http::make_curl_client(o); };
            auto state = ctx.store->state_for(sys.name);
            cctx.state = state.get();
            cctx.logger = ctx.log;
            cctx.default_region = ctx.config.identity.default_region;
            return command.run(cctx, tool_args, std::cout);
          }
          std::cerr << "no system of type " << info->type << " in " << common.config << "\n";
          return static_cast<int>(kExitUsage);
        });
      });
    }
  }

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int rc = app.exit(e);
    return rc == 0 ? kExitOk : kExitUsage;
  }
  return code;
}

}  // namespace coopsync::cli
