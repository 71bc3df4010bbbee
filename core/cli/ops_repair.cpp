// conflicts resolve, links split, forget: the commands that change what coopsync knows.
#include "core/cli/ops.hpp"

#include "core/engine/repair.hpp"
#include "core/model/normalize.hpp"

namespace coopsync::cli {

int run_conflicts_keep(Context& ctx, std::int64_t id, const std::string& keep, std::ostream& out, std::ostream& err) {
  if (auto st = engine::resolve_keep(*ctx.store, id, keep); !st.ok()) {
    err << st.error().message << "\n";
    return kExitUsage;
  }
  out << "conflict #" << id << " resolved: kept " << keep << "; the next pass writes it\n";
  return kExitOk;
}

int run_conflicts_merge(Context& ctx, std::int64_t id, const std::string& into, const std::string& from,
                        std::ostream& out, std::ostream& err) {
  if (auto st = engine::resolve_merge(*ctx.store, id, into, from); !st.ok()) {
    err << st.error().message << "\n";
    return kExitUsage;
  }
  out << "conflict #" << id << " resolved: " << from << " merged into " << into << "\n";
  return kExitOk;
}

int run_links_split(Context& ctx, const std::string& entity, const std::string& system, std::ostream& out,
                    std::ostream& err) {
  auto fresh = engine::split_link(*ctx.store, entity, system);
  if (!fresh.ok()) {
    err << fresh.error().message << "\n";
    return kExitUsage;
  }
  out << "the " << system << " record of " << entity << " now belongs to new entity " << *fresh << "\n";
  return kExitOk;
}

int run_forget(Context& ctx, const std::string& who, std::ostream& out, std::ostream& err) {
  std::string entity = who;
  if (who.find('@') != std::string::npos) {
    auto email = normalize_email(who);
    if (!email) {
      err << "forget: '" << who << "' is not an email address\n";
      return kExitUsage;
    }
    auto found = ctx.store->match_identity(EntityKind::kPerson, "email", *email);
    if (!found.ok() || found->empty()) {
      err << "forget: nobody with email " << *email << " is known\n";
      return kExitUsage;
    }
    if (found->size() > 1) {
      err << "forget: " << found->size() << " people share " << *email << "; name the entity id\n";
      return kExitUsage;
    }
    entity = found->front();
  }
  int code = kExitOk;
  auto live = open_systems(ctx, err, code);
  if (!live) return code;
  engine::Engine eng(ctx.config, *ctx.store, std::move(live->runtimes), ctx.log);
  auto report = eng.forget(entity);
  if (!report.ok()) {
    err << "forget: " << report.error().message << "\n";
    return kExitUsage;
  }
  print_report(*report, false, ctx.json, out);
  if (report->pending > 0) {
    out << "forget: " << report->pending << " record(s) could not be erased yet; run `coopsync forget "
        << entity << "` again when the systems are reachable\n";
    return kExitAttention;
  }
  out << "forget: " << entity << " erased everywhere; only salted hashes remain\n";
  return kExitOk;
}

}  // namespace coopsync::cli
