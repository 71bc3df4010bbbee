#pragma once
// `coopsync daemon`: passes on each system's schedule, an HTTP endpoint on a loopback
// address (/healthz, /metrics, /webhook/<system>, /control/sync), SIGTERM drains and exits
// 0, SIGHUP reloads and re-validates the config (a bad one is refused, the old one kept).
#include <ostream>
#include <string>

namespace coopsync::daemon {

struct DaemonArgs {
  std::string config_path;
  // daemon.listen must be a loopback address unless this is set (--allow-non-loopback):
  // the endpoint has no TLS, so exposing it is a deliberate choice behind a proxy.
  bool allow_non_loopback = false;
  // Written with the bound port once listening (useful with listen: 127.0.0.1:0).
  std::string port_file;
};

// Returns the process exit code (0 after a SIGTERM/SIGINT drain, 2 on a start-up error).
int run_daemon(const DaemonArgs& args, std::ostream& err);

}  // namespace coopsync::daemon
