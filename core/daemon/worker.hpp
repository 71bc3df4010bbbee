#pragma once
// The pass worker: one thread that owns the config, the store, the connectors and the
// engine, and runs one job at a time (a pass, a store probe, a config reload). The HTTP
// thread never touches the store: it submits jobs and reads Metrics.
#include "core/cli/context.hpp"
#include "core/daemon/metrics.hpp"
#include "core/daemon/stream_listener.hpp"
#include "core/engine/runtime.hpp"

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>

namespace coopsync::daemon {

// What a pass reads of the systems it reads.
enum class Reads {
  kFeeds,  // their change feeds only (PassOptions::feeds_only): polls, stream events
  kWhole,  // everything, listings included: full reads, webhooks, the control API, start
};

// When the daemon reads one system. A change found in its feed (a poll, a stream event)
// costs a read of that feed only; what it has no feed for (Capabilities::listed_kinds) is
// read whole on the slower full_read schedule. Every pass plans and applies for every system.
struct SystemSchedule {
  std::chrono::milliseconds feeds{0};  // a Reads::kFeeds pass this often; 0: none
  std::chrono::milliseconds whole{0};  // a Reads::kWhole pass this often; 0: none
};

// Its schedule from a system's config and its connector's capabilities: feeds every
// poll_interval, whole every max(poll_interval, full_read_interval); a system without
// listings has only the first, one without feeds only the second, and full_read_interval
// 0 reads it whole on every poll.
SystemSchedule schedule_of(const engine::SystemRuntime& system);

// What the HTTP side needs of the current config, swapped whole on reload.
struct Settings {
  std::string webhook_secret;  // empty: webhooks refused
  std::string control_token;   // empty: control API refused
  std::map<std::string, SystemSchedule> schedule;  // by enabled system
  std::string listen;
};

// Everything a config gives life to. Built in place and never moved: the engine keeps
// references into the context and the live systems.
struct Runtime {
  cli::Context ctx;
  engine::LiveSystems live;
  std::unique_ptr<engine::Engine> engine;
  Settings settings;
};

// Loads and validates `path`, opens the store, builds the connectors and reads the control
// token (refused when its file is readable by group or others). On failure returns null and
// writes every problem to `err`.
std::unique_ptr<Runtime> load_runtime(const std::string& path, std::ostream& err);

class Worker {
 public:
  using PassDone = std::function<void(bool ok, std::string report_json)>;
  using Reloaded = std::function<void(std::optional<Settings>)>;

  Worker(std::unique_ptr<Runtime> runtime, Metrics& metrics);
  ~Worker();
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  void start();
  // A pass that reads `systems` (empty: all) and plans and applies for every system, so a
  // change reaches the others at once. Waiting requests without a callback that read alike
  // are merged into one; a waiting kFeeds pass runs before waiting kWhole passes (it is
  // short, and what a change waits for). `done` runs on the worker thread.
  void request_pass(std::set<std::string> systems, Reads reads, PassDone done = nullptr);
  // Re-reads the config file; `done` gets the new settings, or nullopt when it was refused.
  void request_reload(Reloaded done);
  // Lets the job in flight finish, drops the rest (their callbacks get ok=false), joins.
  void drain_and_join();

 private:
  struct Job {
    enum class Type { kPass, kReload } type = Type::kPass;
    std::set<std::string> systems;
    Reads reads = Reads::kWhole;
    PassDone pass_done;
    Reloaded reload_done;
  };
  void loop();
  void run_pass(Job& job);
  void run_reload(Job& job);
  void probe_store();
  void start_listener();

  std::unique_ptr<Runtime> rt_;
  std::unique_ptr<StreamListener> listener_;  // follows rt_: stopped before it is replaced
  Metrics& metrics_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Job> queue_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace coopsync::daemon
