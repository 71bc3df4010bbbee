#include "tests/support/sim_process.hpp"

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <poll.h>
#include <stdexcept>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

namespace coopsync::testing {

std::string sim_script(const std::string& name) {
  const char* env = std::getenv("COOPSYNC_SOURCE_DIR");
  std::string root = (env != nullptr && *env != '\0') ? env : COOPSYNC_SOURCE_DIR;
  return root + "/tests/sim/" + name + "/server.py";
}

SimProcess::SimProcess(std::vector<std::string> argv) {
  int out[2];
  if (pipe(out) != 0) throw std::runtime_error("pipe failed");
  const pid_t parent = getpid();
  pid_ = fork();
  if (pid_ < 0) throw std::runtime_error("fork failed");
  if (pid_ == 0) {
    // A test binary that crashes (abort) runs no destructor: the simulator goes with it
    // instead of living on, holding the pipes of whatever ran the test (`... | tail` hung).
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (getppid() != parent) std::_Exit(127);
    dup2(out[1], STDOUT_FILENO);
    close(out[0]);
    close(out[1]);
    std::vector<char*> args;
    for (auto& a : argv) args.push_back(a.data());
    args.push_back(nullptr);
    execv(args[0], args.data());
    std::_Exit(127);
  }
  close(out[1]);
  std::string line;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (line.find('\n') == std::string::npos) {
    pollfd p{out[0], POLLIN, 0};
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0 || poll(&p, 1, static_cast<int>(left.count())) <= 0) break;
    char buf[256];
    const ssize_t n = read(out[0], buf, sizeof buf);
    if (n <= 0) break;
    line.append(buf, static_cast<std::size_t>(n));
  }
  close(out[0]);  // the server keeps running; further prints go nowhere harmful
  if (line.rfind("LISTENING ", 0) != 0) {
    stop();
    throw std::runtime_error("simulator " + argv.back() + " did not start: '" + line + "'");
  }
  port_ = std::atoi(line.c_str() + 10);
}

SimProcess::~SimProcess() { stop(); }

void SimProcess::stop() { terminate_child(pid_, std::chrono::seconds(1)); }

void terminate_child(pid_t& pid, std::chrono::milliseconds grace) {
  if (pid <= 0) return;
  kill(pid, SIGTERM);
  const auto step = std::chrono::milliseconds(20);
  for (auto waited = std::chrono::milliseconds(0); waited < grace; waited += step) {
    if (waitpid(pid, nullptr, WNOHANG) == pid) {
      pid = -1;
      return;
    }
    std::this_thread::sleep_for(step);
  }
  kill(pid, SIGKILL);
  waitpid(pid, nullptr, 0);
  pid = -1;
}

}  // namespace coopsync::testing
