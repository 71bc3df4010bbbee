#pragma once
// The daemon's HTTP routes, free of Beast (the listener in server.cpp parses and writes):
//   GET  /healthz            200 {"store": "ok", "systems": {...}}, 503 when the store fails
//   GET  /metrics            Prometheus text format 0.0.4
//   POST /webhook/<system>   header X-Coopsync-Secret: <daemon.webhook_secret> -> 202, a pass
//                            of that system is queued; 401 wrong/missing secret, 404 unknown
//   POST /control/sync       Authorization: Bearer <token of daemon.control_token_file> ->
//                            200 with the pass report JSON (as `coopsync sync --json`)
#include "core/daemon/metrics.hpp"
#include "core/daemon/worker.hpp"

#include <functional>
#include <memory>
#include <mutex>
#include <string>

namespace coopsync::daemon {

struct HttpRequest {
  std::string method;
  std::string target;
  std::string body;
  std::string secret_header;  // X-Coopsync-Secret
  std::string authorization;  // Authorization
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
};

// Compares without an early exit, so the time taken says nothing about the secret.
bool constant_time_equal(const std::string& a, const std::string& b);

class Router {
 public:
  Router(Worker& worker, Metrics& metrics, Settings settings, std::shared_ptr<spdlog::logger> log);
  // `reply` may be called later from another thread (the control API waits for a pass).
  void handle(const HttpRequest& request, std::function<void(HttpResponse)> reply);
  void set_settings(Settings settings);

 private:
  Settings settings() const;
  Worker& worker_;
  Metrics& metrics_;
  mutable std::mutex mu_;
  Settings settings_;
  std::shared_ptr<spdlog::logger> log_;
};

}  // namespace coopsync::daemon
