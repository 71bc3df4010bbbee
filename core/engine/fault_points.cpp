#include "core/engine/fault_points.hpp"

#include <csignal>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string>
#include <unistd.h>

namespace coopsync::engine {

void crash_point(const char* name) {
  const char* spec = std::getenv("COOPSYNC_CRASH_AT");  // per call: a forked child may set it
  if (spec == nullptr || *spec == '\0') return;
  static std::mutex m;
  static int hits = 0;
  std::string s(spec);
  int wanted = 1;
  if (auto colon = s.find(':'); colon != std::string::npos) {
    wanted = std::atoi(s.c_str() + colon + 1);
    s.resize(colon);
  }
  if (s != name) return;
  std::lock_guard lock(m);
  if (++hits == wanted) {
    ::kill(::getpid(), SIGKILL);
  }
}

}  // namespace coopsync::engine
