#include "core/daemon/worker.hpp"

#include "core/cli/ops.hpp"
#include "core/store/lease_holder.hpp"
#include "core/util/logging.hpp"
#include "core/util/redact.hpp"

#include <spdlog/logger.h>

#include <algorithm>
#include <fstream>
#include <sstream>
#include <sys/stat.h>
#include <unistd.h>

namespace coopsync::daemon {

namespace {

// The token file must be readable by the service user only: anyone who can read it can
// drive the daemon.
bool read_token(const std::string& path, std::string& token, std::ostream& err) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    err << "daemon.control_token_file " << path << ": cannot be read\n";
    return false;
  }
  if ((st.st_mode & 077) != 0) {
    err << "daemon.control_token_file " << path << ": mode " << std::oct << (st.st_mode & 0777) << std::dec
        << " lets others read it; chmod 600 it\n";
    return false;
  }
  if (st.st_size > 4096) {
    err << "daemon.control_token_file " << path << ": larger than 4 KiB, not a token\n";
    return false;
  }
  std::ifstream in(path, std::ios::binary);
  std::stringstream buf;
  buf << in.rdbuf();
  token = buf.str();
  while (!token.empty() && (token.back() == '\n' || token.back() == '\r' || token.back() == ' ')) token.pop_back();
  if (token.size() < 16) {
    err << "daemon.control_token_file " << path << ": the token must hold at least 16 characters\n";
    return false;
  }
  util::register_secret(token);
  return true;
}

}  // namespace

SystemSchedule schedule_of(const engine::SystemRuntime& system) {
  const auto& cfg = *system.config;
  const auto& listed = system.connector->capabilities().listed_kinds;
  bool feeds = false;
  bool listings = false;
  for (EntityKind kind : kAllKinds) {
    const auto* pol = system.policy(kind);
    const auto* cap = system.capability(kind);
    if (pol == nullptr || cap == nullptr || !pol->read || !cap->read) continue;
    (listed.count(kind) ? listings : feeds) = true;
  }
  SystemSchedule s;
  if (!listings) {
    // Nothing to list (or nothing read at all: its passes still carry out due writes).
    s.feeds = cfg.poll_interval;
  } else if (cfg.full_read_interval.count() == 0) {
    s.whole = cfg.poll_interval;
  } else {
    s.feeds = feeds ? cfg.poll_interval : std::chrono::milliseconds(0);
    s.whole = std::max(cfg.poll_interval, cfg.full_read_interval);
  }
  return s;
}

std::unique_ptr<Runtime> load_runtime(const std::string& path, std::ostream& err) {
  int code = 0;
  auto ctx = cli::open_context(path, err, code);
  if (!ctx) return nullptr;
  auto rt = std::make_unique<Runtime>();
  rt->ctx = std::move(*ctx);
  const auto& d = rt->ctx.config.daemon;
  if (!d.control_token_file.empty() && !read_token(d.control_token_file, rt->settings.control_token, err)) {
    return nullptr;
  }
  util::register_secret(d.webhook_secret);
  rt->settings.webhook_secret = d.webhook_secret;
  rt->settings.listen = d.listen;
  auto live = cli::open_systems(rt->ctx, err, code);
  if (!live) return nullptr;
  rt->live = std::move(*live);
  rt->engine = std::make_unique<engine::Engine>(rt->ctx.config, *rt->ctx.store, std::move(rt->live.runtimes),
                                                rt->ctx.log);
  for (const auto& s : rt->engine->systems()) {
    if (s.config->enabled) rt->settings.schedule[s.name()] = schedule_of(s);
  }
  return rt;
}

Worker::Worker(std::unique_ptr<Runtime> runtime, Metrics& metrics) : rt_(std::move(runtime)), metrics_(metrics) {
  std::vector<std::string> names;
  for (const auto& [name, interval] : rt_->settings.schedule) names.push_back(name);
  metrics_.set_systems(names);
}

Worker::~Worker() { drain_and_join(); }

void Worker::start() {
  start_listener();
  thread_ = std::thread([this] { loop(); });
}

void Worker::start_listener() {
  listener_ = std::make_unique<StreamListener>(
      rt_->ctx.config, *rt_->ctx.store, rt_->ctx.log,
      [this](const std::string& system) { request_pass({system}, Reads::kFeeds); });
  auto streams = listener_->start();
  if (!streams.ok()) {
    rt_->ctx.log->error("change streams not listened to: {}", streams.error().describe());
    listener_.reset();
  }
}

void Worker::request_pass(std::set<std::string> systems, Reads reads, PassDone done) {
  std::lock_guard lock(mu_);
  if (stopping_) {
    if (done) done(false, "{\"error\": \"the daemon is shutting down\"}");
    return;
  }
  if (!done) {
    for (auto& j : queue_) {
      if (j.type != Job::Type::kPass || j.pass_done) continue;
      // Waiting already: one pass reads for both (no systems named: all of them).
      if (j.reads == reads || (j.reads == Reads::kWhole && j.systems.empty())) {
        if (j.systems.empty() || systems.empty()) {
          j.systems.clear();
        } else {
          j.systems.insert(systems.begin(), systems.end());
        }
        return;
      }
    }
  }
  queue_.push_back(Job{Job::Type::kPass, std::move(systems), reads, std::move(done), nullptr});
  cv_.notify_one();
}

void Worker::request_reload(Reloaded done) {
  std::lock_guard lock(mu_);
  if (stopping_) return;
  queue_.push_back(Job{Job::Type::kReload, {}, Reads::kWhole, nullptr, std::move(done)});
  cv_.notify_one();
}

void Worker::drain_and_join() {
  if (listener_) listener_->stop();  // its wake-ups would be refused from here on
  std::deque<Job> dropped;
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
    dropped.swap(queue_);
    cv_.notify_one();
  }
  for (auto& j : dropped) {
    if (j.pass_done) j.pass_done(false, "{\"error\": \"the daemon is shutting down\"}");
  }
  if (thread_.joinable()) thread_.join();
}

void Worker::loop() {
  probe_store();
  while (true) {
    Job job;
    {
      std::unique_lock lock(mu_);
      // Idle: probe the store every few seconds so /healthz reflects it without touching it.
      if (!cv_.wait_for(lock, std::chrono::seconds(5), [&] { return stopping_ || !queue_.empty(); })) {
        lock.unlock();
        probe_store();
        continue;
      }
      if (stopping_) return;
      // A change read from a feed waits for no full read queued before it (a full read of
      // 10,000 accounts takes seconds; a feed's pass, a fraction of one).
      auto next = std::find_if(queue_.begin(), queue_.end(), [](const Job& j) {
        return j.type == Job::Type::kPass && j.reads == Reads::kFeeds;
      });
      if (next == queue_.end() || queue_.front().type != Job::Type::kPass) next = queue_.begin();
      job = std::move(*next);
      queue_.erase(next);
    }
    if (job.type == Job::Type::kPass) {
      run_pass(job);
    } else {
      run_reload(job);
    }
    probe_store();
  }
}

void Worker::run_pass(Job& job) {
  auto& store = *rt_->ctx.store;
  auto& log = *rt_->ctx.log;
  // The same lease as `coopsync sync`: a CLI pass and the daemon never overlap.
  const std::string holder = store::local_holder("daemon");
  auto lease = store.try_lease("pass", holder, std::chrono::seconds(3600));
  if (!lease.ok() || !*lease) {
    log.warn("pass skipped: another coopsync pass holds the store's lease");
    if (job.pass_done) job.pass_done(false, "{\"error\": \"another pass holds the store's lease\"}");
    return;
  }
  engine::PassOptions options;
  options.pull_only = job.systems;
  options.feeds_only = job.reads == Reads::kFeeds;
  options.progress = [&log](const std::string& what) { log.debug("progress: {}", what); };
  auto report = rt_->engine->run_pass(options);
  (void)store.release_lease("pass", holder);
  if (!report.ok()) {
    log.error("pass failed: {}", report.error().describe());
    if (job.pass_done) {
      job.pass_done(false, nlohmann::json{{"error", util::redact(report.error().describe())}}.dump());
    }
    return;
  }
  std::vector<std::string> unavailable;
  for (const auto& s : rt_->engine->systems()) {
    if (s.unavailable) unavailable.push_back(s.name());
  }
  metrics_.record_pass(*report, unavailable);
  log.info("pass done: {} writes, {} pending, {} dead letters, {} open conflicts", report->total_writes(),
           report->pending, report->dead_letters, report->open_conflicts);
  if (job.pass_done) {
    std::ostringstream out;
    cli::print_report(*report, false, true, out);
    job.pass_done(true, out.str());
  }
}

void Worker::run_reload(Job& job) {
  auto& log = *rt_->ctx.log;
  log.info("reloading {}", rt_->ctx.config.path);
  std::ostringstream problems;
  auto fresh = load_runtime(rt_->ctx.config.path, problems);
  if (!fresh) {
    log.error("new configuration refused, keeping the running one:\n{}", problems.str());
    // open_context may have switched logging to the new file's settings before failing.
    util::configure_logging(rt_->ctx.config.logging.format, rt_->ctx.config.logging.level);
    if (job.reload_done) job.reload_done(std::nullopt);
    return;
  }
  if (fresh->settings.listen != rt_->settings.listen) {
    log.warn("daemon.listen changed to {}: takes effect at the next restart", fresh->settings.listen);
  }
  if (listener_) listener_->stop();  // it holds the old runtime's store and config
  listener_.reset();
  rt_ = std::move(fresh);
  start_listener();
  std::vector<std::string> names;
  for (const auto& [name, interval] : rt_->settings.schedule) names.push_back(name);
  metrics_.set_systems(names);
  rt_->ctx.log->info("configuration reloaded ({} systems)", names.size());
  if (job.reload_done) job.reload_done(rt_->settings);
}

void Worker::probe_store() {
  auto& store = *rt_->ctx.store;
  StoreGauges g;
  for (const auto& [name, interval] : rt_->settings.schedule) {
    auto pending = store.count_outbox(name, store::OutboxState::kPending);
    auto dead = store.count_outbox(name, store::OutboxState::kDead);
    if (!pending.ok() || !dead.ok()) return metrics_.record_store(std::nullopt);
    g.outbox_pending[name] = *pending;
    g.dead[name] = *dead;
  }
  auto conflicts = store.list_conflicts(false);
  if (!conflicts.ok()) return metrics_.record_store(std::nullopt);
  g.open_conflicts = conflicts->size();
  metrics_.record_store(std::move(g));
}

}  // namespace coopsync::daemon
