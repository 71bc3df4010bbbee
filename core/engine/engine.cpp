#include "core/engine/engine.hpp"

#include "core/engine/backoff.hpp"
#include "core/engine/fault_points.hpp"
#include "core/engine/pass_run.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <tuple>

namespace coopsync::engine {

std::size_t PassReport::total_writes() const {
  std::size_t n = 0;
  for (const auto& [name, r] : systems) n += r.writes();
  return n;
}

bool PassReport::unreachable() const {
  for (const auto& [name, r] : systems) {
    if (r.error && (r.error->kind == ErrorKind::kAuth || r.error->kind == ErrorKind::kTransient)) return true;
  }
  return false;
}

Engine::Engine(const config::Config& config, store::Store& store, std::vector<SystemRuntime> systems,
               std::shared_ptr<spdlog::logger> logger)
    : config_(config), store_(store), systems_(std::move(systems)), log_(std::move(logger)),
      rng_(std::random_device{}()) {
  if (!log_) log_ = spdlog::default_logger();
}

PassRun::PassRun(Engine& engine, const PassOptions& options)
    : e_(engine), options_(options), now_(now_iso()) {}

bool PassRun::selected(const SystemRuntime& s) const {
  return options_.only_systems.empty() || options_.only_systems.count(s.name());
}

bool PassRun::selected(EntityKind kind) const {
  return options_.only_kinds.empty() || options_.only_kinds.count(kind);
}

Status PassRun::load_blocked() {
  auto open = e_.store_.list_conflicts(false);
  if (!open.ok()) return std::move(open).error();
  for (const auto& c : *open) {
    for (const auto& id : c.candidates) blocked_.insert(id);
  }
  return ok_status();
}

namespace {

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// One capacity for all systems: registered registrations of an event never exceed its
// capacity. A seat once confirmed is kept (`_meta.seated`), so the count never jumps when
// registrations from several systems arrive in the same second; the others keep their
// seats by age, and the rest are wait-listed (or refused) per policy, that status then
// written to every system.
Status settle_capacity(PassRun& run, store::Store& store, config::FullPolicy policy) {
  auto events = store.snapshots_of(EntityKind::kEvent);
  if (!events.ok()) return std::move(events).error();
  std::map<std::string, long long> capacity;
  for (const auto& e : *events) {
    if (e.fields.contains(field::kCapacity) && e.fields[field::kCapacity].is_number_integer()) {
      capacity[e.entity_id] = e.fields[field::kCapacity].get<long long>();
    }
  }
  if (capacity.empty()) return ok_status();
  auto regs = store.snapshots_of(EntityKind::kRegistration);
  if (!regs.ok()) return std::move(regs).error();
  const auto seated = [](const store::Snapshot* s) {
    return s->fields.contains("_meta") && s->fields["_meta"].is_object() && s->fields["_meta"].value("seated", false);
  };
  std::map<std::string, std::vector<store::Snapshot*>> by_event;
  std::vector<store::Snapshot*> unseat;  // left their seat (cancelled, deleted): no longer held
  for (auto& r : *regs) {
    if (!r.fields.contains(field::kEvent) || !r.fields[field::kEvent].is_string()) continue;
    const bool holds = r.fields.value(field::kStatus, std::string()) == "registered" &&
                       !(r.fields.contains("_meta") && r.fields["_meta"].value("deleted", false));
    if (!holds) {
      if (seated(&r)) unseat.push_back(&r);
      continue;
    }
    by_event[r.fields[field::kEvent].get<std::string>()].push_back(&r);
  }
  const auto stamp = [](const store::Snapshot* s) {
    const auto& m = s->fields.contains("_meta") ? s->fields["_meta"] : Fields();
    if (m.is_object() && m.contains("at") && m["at"].contains(field::kStatus)) return m["at"][field::kStatus].get<std::string>();
    return std::string();
  };
  return store.transaction([&]() -> Status {
    for (auto* r : unseat) {
      store::Snapshot s = *r;
      s.fields["_meta"].erase("seated");
      if (auto st = store.put_snapshot(s); !st.ok()) return st;
    }
    for (auto& [event, list] : by_event) {
      auto cap = capacity.find(event);
      if (cap == capacity.end()) continue;
      std::stable_sort(list.begin(), list.end(), [&](auto* a, auto* b) {
        return std::make_tuple(!seated(a), stamp(a), a->entity_id) < std::make_tuple(!seated(b), stamp(b), b->entity_id);
      });
      const std::size_t seats = static_cast<std::size_t>(std::max<long long>(0, cap->second));
      for (std::size_t i = 0; i < list.size(); ++i) {
        store::Snapshot s = *list[i];
        if (i < seats) {
          if (seated(list[i])) continue;
          s.fields["_meta"]["seated"] = true;
          if (auto st = store.put_snapshot(s); !st.ok()) return st;
          continue;
        }
        s.fields[field::kStatus] = policy == config::FullPolicy::kWaitlist ? "waitlisted" : "cancelled";
        if (s.fields.contains("_meta") && s.fields["_meta"].is_object()) s.fields["_meta"].erase("seated");
        if (auto st = store.put_snapshot(s); !st.ok()) return st;
        store::AuditEntry a;
        a.entity_id = s.entity_id;
        a.action = "capacity";
        a.details = {{"event", event}, {"capacity", cap->second}, {"status", s.fields[field::kStatus]}};
        if (auto st = store.append_audit(a); !st.ok()) return st;
      }
    }
    (void)run;
    return ok_status();
  });
}

Status count_after(store::Store& store, const std::vector<SystemRuntime>& systems, PassReport& report) {
  auto open = store.list_conflicts(false);
  if (!open.ok()) return std::move(open).error();
  report.open_conflicts = open->size();
  report.dead_letters = 0;
  report.pending = 0;
  for (const auto& s : systems) {
    auto dead = store.count_outbox(s.name(), store::OutboxState::kDead);
    if (!dead.ok()) return std::move(dead).error();
    auto pending = store.count_outbox(s.name(), store::OutboxState::kPending);
    if (!pending.ok()) return std::move(pending).error();
    report.dead_letters += *dead;
    report.pending += *pending;
  }
  return ok_status();
}

}  // namespace

Result<PassReport> Engine::run_pass(const PassOptions& options) {
  PassRun run(*this, options);
  const store::StoreUsage store_before = store_.usage();
  for (auto& sys : systems_) {
    sys.unavailable.reset();
    if (!run.selected(sys)) continue;
    run.report().systems[sys.name()];
    auto st = with_read_retries(sys.config->retry, rng_, [&] { return sys.connector->check(); });
    if (!st.ok()) {
      log_->error("{}: unavailable: {}", sys.name(), st.error().describe());
      sys.unavailable = st.error();
      run.report().systems[sys.name()].error = st.error();
    }
  }
  auto phase_start = std::chrono::steady_clock::now();
  const auto pull_and_plan = [&]() -> Status {
    if (auto st = run.load_blocked(); !st.ok()) return st;
    if (auto st = run.choose_reads(); !st.ok()) return st;
    for (EntityKind kind : kAllKinds) {
      if (!run.selected(kind)) continue;
      if (auto st = run.pull_kind(kind); !st.ok()) return st;
      if (kind == EntityKind::kMembership || kind == EntityKind::kRegistration) {
        if (auto st = run.repull_for_parked(kind); !st.ok()) return st;
      }
      if (kind == EntityKind::kRegistration) {
        if (auto st = settle_capacity(run, store_, config_.engine.when_full); !st.ok()) return st;
      }
    }
    run.report().seconds["pull"] = seconds_since(phase_start);
    phase_start = std::chrono::steady_clock::now();
    if (auto st = run.choose_plan_scope(); !st.ok()) return st;
    // Entries are stored a chunk at a time as they are planned and then let go (a first
    // sync plans tens of thousands); all of them are kept only to be shown (dry run, plan).
    // A crash between chunks loses nothing: the marks of what changed are cleared only once
    // every kind is stored, so the next pass plans the same entries again, same keys.
    const bool keep = options.dry_run || static_cast<bool>(options.inspect);
    if (options.only_planned) run.only_keys_.emplace();
    for (EntityKind kind : kAllKinds) {
      if (!run.selected(kind)) continue;
      auto st = run.plan_kind(kind, [&](std::vector<store::OutboxEntry>& entries) -> Status {
        for (const auto& e : entries) {
          ++run.report().systems[e.system].planned;
          if (keep) run.report().planned.push_back({e.system, e.write, e.reason});
          if (run.only_keys_) run.only_keys_->insert(e.key);
        }
        if (options.dry_run || options.inspect) return ok_status();
        return store_.transaction([&]() -> Status { return store_.enqueue(entries); });
      });
      if (!st.ok()) return st;
    }
    if (options.inspect) {
      if (auto st = options.inspect(run.report().planned); !st.ok()) return st;
    }
    if (options.dry_run) return ok_status();
    std::vector<store::OutboxEntry> planned;
    if (options.inspect) {
      // Checked: now stored, in this pass's one transaction (see below).
      for (const auto& p : run.report().planned) {
        store::OutboxEntry e;
        e.key = p.write.key;
        e.system = p.system;
        e.write = p.write;
        e.reason = p.reason;
        planned.push_back(std::move(e));
      }
    }
    auto st = store_.transaction([&]() -> Status {
      if (auto s = store_.enqueue(planned); !s.ok()) return s;
      return run.clear_planned_marks();  // every kind stored, then the marks go
    });
    if (!st.ok()) return st;
    crash_point("after_outbox_write");
    run.report().seconds["plan"] = seconds_since(phase_start);
    return ok_status();
  };

  if (options.dry_run) {
    // The dry run is the real pass inside one transaction that is rolled back: it shows
    // exactly what the real pass would plan, and writes nothing anywhere.
    const std::string sentinel = "dry run: rolled back";
    Status inner = ok_status();
    auto st = store_.transaction([&]() -> Status {
      inner = pull_and_plan();
      if (!inner.ok()) return inner;
      return make_error(ErrorKind::kCancelled, sentinel);
    });
    if (!inner.ok()) return std::move(inner).error();
    if (st.ok() || st.error().message != sentinel) {
      return make_error(ErrorKind::kInternal, "dry run did not roll back");
    }
  } else {
    // With a check before anything is written (apply of a plan), the pull and the plan are
    // one transaction, so a refusal leaves the store as it was.
    auto planned = options.inspect ? store_.transaction(pull_and_plan) : pull_and_plan();
    if (!planned.ok()) return std::move(planned).error();
    if (options.apply) {
      for (auto& sys : systems_) {
        if (!run.selected(sys)) continue;
        phase_start = std::chrono::steady_clock::now();
        if (auto st = run.apply_system(sys); !st.ok()) return std::move(st).error();
        run.report().seconds["apply " + sys.name()] = seconds_since(phase_start);
      }
      phase_start = std::chrono::steady_clock::now();
      if (auto st = run.settle_apply_marks(); !st.ok()) return std::move(st).error();
      run.report().seconds["replan"] = seconds_since(phase_start);
    }
  }
  if (auto st = count_after(store_, systems_, run.report()); !st.ok()) return std::move(st).error();
  if (!options.dry_run) {
    // For `coopsync status` and /healthz: when each system last passed, and last succeeded.
    for (auto& sys : systems_) {
      if (!run.selected(sys)) continue;
      const auto& rep = run.report().systems[sys.name()];
      if (auto st = store_.set_cursor(sys.name(), "status:last_pass", now_iso()); !st.ok()) return std::move(st).error();
      if (!rep.error && !sys.unavailable) {
        if (auto st = store_.set_cursor(sys.name(), "status:last_success", now_iso()); !st.ok()) {
          return std::move(st).error();
        }
      }
    }
  }
  const store::StoreUsage store_after = store_.usage();
  run.report().store = {store_after.calls - store_before.calls, store_after.seconds - store_before.seconds};
  return std::move(run.report());
}

}  // namespace coopsync::engine
