#pragma once
// Push-like change streams in the daemon (Matrix /sync): a second connector instance per
// push-capable system long-polls the stream from where the engine's cursor stands and, as
// soon as something arrives, asks for a pass that reads that system. It never consumes:
// the pass reads the same changes through the engine's own cursor, so a crash or a restart
// of the listener loses nothing, and a wake-up too many costs one pass that writes nothing.
#include "core/config/config.hpp"
#include "core/engine/runtime.hpp"

#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace coopsync::daemon {

class StreamListener {
 public:
  using Wake = std::function<void(const std::string& system)>;
  // Each long-poll lasts at most this long, which bounds how long stop() waits.
  static constexpr std::chrono::milliseconds kLongPoll{5000};

  StreamListener(const config::Config& config, store::Store& store,
                 std::shared_ptr<spdlog::logger> log, Wake wake);
  ~StreamListener();
  StreamListener(const StreamListener&) = delete;
  StreamListener& operator=(const StreamListener&) = delete;

  // Builds the listening connectors (nothing is sent yet) and starts one thread each.
  // Returns the number of streams listened to; an error when the connectors cannot be built.
  Result<std::size_t> start();
  void stop();

 private:
  void listen(engine::SystemRuntime& sys, EntityKind kind);
  bool pause(std::chrono::milliseconds d);  // false when stopping

  const config::Config& config_;
  store::Store& store_;
  std::shared_ptr<spdlog::logger> log_;
  Wake wake_;
  engine::LiveSystems live_;
  std::vector<std::thread> threads_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
};

}  // namespace coopsync::daemon
