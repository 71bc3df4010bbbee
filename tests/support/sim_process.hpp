#pragma once
// Starts a simulator (tests/sim/<name>/server.py) or any server that prints
// "LISTENING <port>" as its first stdout line, on 127.0.0.1 with a free port, and stops it
// (SIGTERM, then SIGKILL) when the object goes away. For C++ integration tests.
#include <chrono>
#include <string>
#include <sys/types.h>
#include <vector>

namespace coopsync::testing {

class SimProcess {
 public:
  // argv[0] is the program; e.g. {"/usr/bin/python3", source_dir + "/tests/sim/odoo/server.py"}.
  // Throws std::runtime_error (with the process's stderr tail) if it does not come up in 30 s.
  explicit SimProcess(std::vector<std::string> argv);
  ~SimProcess();
  SimProcess(const SimProcess&) = delete;
  SimProcess& operator=(const SimProcess&) = delete;

  int port() const { return port_; }
  std::string base_url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  pid_t pid() const { return pid_; }
  void stop();

 private:
  pid_t pid_ = -1;
  int port_ = 0;
};

// Path of a simulator script: $COOPSYNC_SOURCE_DIR/tests/sim/<name>/server.py
std::string sim_script(const std::string& name);

// Stops a server a test started: SIGTERM, SIGKILL if it has not exited within `grace`, and
// reaps it; sets pid to -1. Nothing to do when pid <= 0.
void terminate_child(pid_t& pid, std::chrono::milliseconds grace);

}  // namespace coopsync::testing
