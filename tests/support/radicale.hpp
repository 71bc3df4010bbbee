#pragma once
// A real CalDAV server for tests: Radicale (Debian package `radicale`) on 127.0.0.1 with a
// free port, a temporary storage folder and htpasswd (plain) users. Ready when the
// constructor returns; stopped (SIGTERM, then SIGKILL) and its folder removed by the
// destructor. Recipe: ../shared/DEPS.md section 4.
#include <filesystem>
#include <map>
#include <string>
#include <sys/types.h>

namespace coopsync::testing {

class RadicaleServer {
 public:
  // users: name -> password. Throws std::runtime_error (with the log tail) when Radicale
  // is missing or does not come up within 30 s.
  explicit RadicaleServer(const std::map<std::string, std::string>& users);
  ~RadicaleServer();
  RadicaleServer(const RadicaleServer&) = delete;
  RadicaleServer& operator=(const RadicaleServer&) = delete;

  int port() const { return port_; }
  std::string base_url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  const std::filesystem::path& dir() const { return dir_; }
  void stop();

  // True when /usr/bin/python3 can import radicale (tests skip with 77 otherwise).
  static bool available();

 private:
  bool try_start(int port);
  std::filesystem::path dir_;
  pid_t pid_ = -1;
  int port_ = 0;
};

}  // namespace coopsync::testing
