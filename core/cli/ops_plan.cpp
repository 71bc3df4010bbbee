// `coopsync plan` and `coopsync apply`: a dry run written to a file with every write's base,
// and the pass that carries out exactly that file or nothing (core/engine/plan_file.hpp).
#include "core/cli/ops.hpp"

#include "core/engine/plan_file.hpp"
#include "core/model/normalize.hpp"
#include "core/store/lease_holder.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <map>
#include <sstream>

namespace coopsync::cli {

namespace {

// --only / --kind into pass options; false (message printed) when one is unknown.
bool select(const Context& ctx, const std::vector<std::string>& only,
            const std::vector<std::string>& kinds, engine::PassOptions& options,
            std::ostream& err) {
  for (const auto& s : only) {
    if (ctx.config.system(s) == nullptr) {
      err << "--only " << s << ": no such system in " << ctx.config.path << "\n";
      return false;
    }
    options.only_systems.insert(s);
  }
  for (const auto& k : kinds) {
    auto kind = parse_entity_kind(k);
    if (!kind) {
      err << "--kind " << k << ": expected person, group, membership, event or registration\n";
      return false;
    }
    options.only_kinds.insert(*kind);
  }
  return true;
}

// One pass at a time per store, as `sync` does.
struct Lease {
  store::Store& store;
  std::string holder = store::local_holder("cli");  // taken over if we are killed
  bool held = false;
  explicit Lease(store::Store& s) : store(s) {
    auto got = store.try_lease("pass", holder, std::chrono::seconds(3600));
    held = got.ok() && *got;
  }
  ~Lease() {
    if (held) (void)store.release_lease("pass", holder);
  }
};

// Written beside the target and renamed, mode 0600: a plan holds names and addresses.
Status write_private(const std::string& path, const std::string& text) {
  const std::string tmp = path + ".tmp";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return make_error(ErrorKind::kInvalidInput, "cannot write " + tmp);
  std::size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n <= 0) {
      ::close(fd);
      std::remove(tmp.c_str());
      return make_error(ErrorKind::kInvalidInput, "cannot write " + tmp);
    }
    done += static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0 || std::rename(tmp.c_str(), path.c_str()) != 0) {
    std::remove(tmp.c_str());
    return make_error(ErrorKind::kInvalidInput, "cannot write " + path);
  }
  return ok_status();
}

std::string show(const nlohmann::json& v) {
  std::string s = v.dump();
  return s.size() > 80 ? s.substr(0, 77) + "..." : s;
}

void print_item(const engine::PlanItem& i, std::ostream& out);

void print_summary(const engine::Plan& plan, const std::string& path, std::ostream& out) {
  std::map<std::string, std::map<std::string, int>> counts;
  for (const auto& i : plan.items) ++counts[i.system][to_string(i.op)];
  out << "Plan: " << plan.items.size() << " write" << (plan.items.size() == 1 ? "" : "s") << " in "
      << path << " (nothing was written anywhere).\n";
  for (const auto& [system, ops] : counts) {
    out << "  " << system << ":";
    bool first = true;
    for (const auto& [op, n] : ops) {
      out << (first ? " " : ", ") << n << " " << op;
      first = false;
    }
    out << "\n";
  }
  for (const auto& [system, ops] : counts) {
    out << system << "\n";
    for (const auto& i : plan.items) {
      if (i.system == system) print_item(i, out);
    }
  }
  if (!plan.items.empty()) out << "Carry it out with: coopsync apply " << path << "\n";
}

void print_item(const engine::PlanItem& i, std::ostream& out) {
  out << "  " << std::left << std::setw(8) << to_string(i.op) << std::setw(13) << to_string(i.kind)
      << (i.label.empty() ? i.identity : i.label) << "  (" << i.reason << ")\n";
  if (i.op == WriteOp::kCreate) return;
  for (const auto& d : i.fields) {
    out << "      " << d.field << ": " << (d.before_known ? show(d.before) : "?") << " -> "
        << show(d.after);
    if (!d.rule.empty()) out << "  [" << d.rule << "]";
    out << "\n";
  }
}

}  // namespace

int run_plan(Context& ctx, const PlanArgs& args, std::ostream& out, std::ostream& err) {
  int code = kExitOk;
  auto live = open_systems(ctx, err, code);
  if (!live) return code;
  engine::PassOptions options;
  options.dry_run = true;
  if (!select(ctx, args.only, args.kinds, options, err)) return kExitUsage;
  std::vector<engine::PlanItem> items;
  options.inspect = [&](const std::vector<engine::PlannedWrite>& planned) -> Status {
    auto described = engine::describe_planned(*ctx.store, ctx.config, planned);
    if (!described.ok()) return std::move(described).error();
    items = std::move(described).value();
    return ok_status();
  };
  Lease lease(*ctx.store);
  if (!lease.held) {
    err << "another coopsync pass holds the store's lease; try again when it has finished\n";
    return kExitAttention;
  }
  engine::Engine eng(ctx.config, *ctx.store, std::move(live->runtimes), ctx.log);
  auto report = eng.run_pass(options);
  if (!report.ok()) {
    err << "plan failed: " << report.error().describe() << "\n";
    return kExitUsage;
  }
  if (report->unreachable()) {
    // A plan without a system's changes would be carried out as if it had none.
    for (const auto& [name, r] : report->systems) {
      if (r.error) err << name << ": " << r.error->describe() << "\n";
    }
    err << "no plan written: a system is unreachable\n";
    return kExitUnreachable;
  }
  // The dry run was rolled back: the store holds the state the plan started from.
  if (auto st = engine::fill_before(*ctx.store, items); !st.ok()) {
    err << "plan failed: " << st.error().describe() << "\n";
    return kExitUsage;
  }
  engine::Plan plan;
  plan.created_at =
      format_instant(std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now()));
  std::error_code ec;
  const auto abs = std::filesystem::absolute(ctx.config.path, ec);
  plan.config_path = ec ? ctx.config.path : abs.string();
  plan.only_systems = args.only;
  plan.only_kinds = args.kinds;
  plan.items = std::move(items);
  if (auto st = write_private(args.out, plan_to_json(plan).dump(2) + "\n"); !st.ok()) {
    err << st.error().message << "\n";
    return kExitUsage;
  }
  if (ctx.json) {
    nlohmann::json j = plan_to_json(plan);
    out << nlohmann::json{{"plan", args.out},
                          {"writes", plan.items.size()},
                          {"summary", j["summary"]},
                          {"open_conflicts", report->open_conflicts},
                          {"dead_letters", report->dead_letters}}
               .dump(2)
        << "\n";
  } else {
    print_summary(plan, args.out, out);
    if (report->open_conflicts > 0) {
      out << report->open_conflicts << " open conflict(s) wait for a human: coopsync conflicts\n";
    }
  }
  return exit_code_for(*report);
}

int run_apply(const ApplyArgs& args, bool json, std::ostream& out, std::ostream& err) {
  std::ifstream in(args.plan_path);
  if (!in) {
    err << "cannot read " << args.plan_path << "\n";
    return kExitUsage;
  }
  std::stringstream text;
  text << in.rdbuf();
  auto plan = engine::plan_from_json(nlohmann::json::parse(text.str(), nullptr, false));
  if (!plan.ok()) {
    err << args.plan_path << ": " << plan.error().message << "\n";
    return kExitUsage;
  }
  std::string config_path = args.config.empty() ? plan->config_path : args.config;
  if (config_path.empty()) config_path = default_config_path();
  int code = kExitOk;
  auto ctx = open_context(config_path, err, code);
  if (!ctx) return code;
  ctx->json = json;
  auto live = open_systems(*ctx, err, code);
  if (!live) return code;
  engine::PassOptions options;
  if (!select(*ctx, plan->only_systems, plan->only_kinds, options, err)) return kExitUsage;
  options.only_planned = true;
  std::vector<std::string> changed;
  bool unreachable = false;
  engine::Engine* engine_ptr = nullptr;
  options.inspect = [&](const std::vector<engine::PlannedWrite>& planned) -> Status {
    for (const auto& sys : engine_ptr->systems()) {
      if (sys.unavailable &&
          (options.only_systems.empty() || options.only_systems.count(sys.name()))) {
        unreachable = true;
      }
    }
    if (unreachable) return make_error(ErrorKind::kTransient, "a system is unreachable");
    auto fresh = engine::describe_planned(*ctx->store, ctx->config, planned);
    if (!fresh.ok()) return std::move(fresh).error();
    changed = engine::compare_plans(plan->items, *fresh);
    if (!changed.empty()) return make_error(ErrorKind::kConflict, "records changed since the plan");
    return ok_status();
  };
  Lease lease(*ctx->store);
  if (!lease.held) {
    err << "another coopsync pass holds the store's lease; try again when it has finished\n";
    return kExitAttention;
  }
  engine::Engine eng(ctx->config, *ctx->store, std::move(live->runtimes), ctx->log);
  engine_ptr = &eng;
  auto report = eng.run_pass(options);
  if (unreachable) {
    for (const auto& sys : eng.systems()) {
      if (sys.unavailable) err << sys.name() << ": " << sys.unavailable->describe() << "\n";
    }
    err << "apply refused, nothing was written: a system is unreachable\n";
    return kExitUnreachable;
  }
  if (!changed.empty()) {
    err << "apply refused, nothing was written: " << changed.size() << " planned write"
        << (changed.size() == 1 ? "" : "s") << " no longer match"
        << (changed.size() == 1 ? "es" : "") << " what the systems hold:\n";
    const std::size_t shown = std::min<std::size_t>(changed.size(), 50);
    for (std::size_t i = 0; i < shown; ++i) err << "  " << changed[i] << "\n";
    if (shown < changed.size()) err << "  ... and " << changed.size() - shown << " more\n";
    err << "make a new plan: coopsync plan --config " << config_path << " --out " << args.plan_path
        << "\n";
    return kExitAttention;
  }
  if (!report.ok()) {
    err << "apply failed: " << report.error().describe() << "\n";
    return kExitUsage;
  }
  print_report(*report, false, json, out);
  return exit_code_for(*report);
}

}  // namespace coopsync::cli
