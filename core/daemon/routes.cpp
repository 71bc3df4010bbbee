#include "core/daemon/routes.hpp"

#include <spdlog/logger.h>

#include <algorithm>

namespace coopsync::daemon {

namespace {

HttpResponse json_error(int status, const std::string& message) {
  return HttpResponse{status, "application/json", nlohmann::json{{"error", message}}.dump() + "\n"};
}

}  // namespace

bool constant_time_equal(const std::string& a, const std::string& b) {
  // Length is not secret enough to matter, but walk the longer one anyway.
  const std::size_t n = std::max(a.size(), b.size());
  unsigned char diff = a.size() == b.size() ? 0 : 1;
  for (std::size_t i = 0; i < n; ++i) {
    const unsigned char x = i < a.size() ? static_cast<unsigned char>(a[i]) : 0;
    const unsigned char y = i < b.size() ? static_cast<unsigned char>(b[i]) : 0;
    diff |= static_cast<unsigned char>(x ^ y);
  }
  return diff == 0;
}

Router::Router(Worker& worker, Metrics& metrics, Settings settings, std::shared_ptr<spdlog::logger> log)
    : worker_(worker), metrics_(metrics), settings_(std::move(settings)), log_(std::move(log)) {}

void Router::set_settings(Settings settings) {
  std::lock_guard lock(mu_);
  settings_ = std::move(settings);
}

Settings Router::settings() const {
  std::lock_guard lock(mu_);
  return settings_;
}

void Router::handle(const HttpRequest& req, std::function<void(HttpResponse)> reply) {
  std::string path = req.target.substr(0, req.target.find('?'));
  if (path == "/healthz") {
    if (req.method != "GET") return reply(json_error(405, "GET only"));
    bool ok = false;
    auto j = metrics_.health(ok);
    return reply(HttpResponse{ok ? 200 : 503, "application/json", j.dump() + "\n"});
  }
  if (path == "/metrics") {
    if (req.method != "GET") return reply(json_error(405, "GET only"));
    return reply(HttpResponse{200, "text/plain; version=0.0.4; charset=utf-8", metrics_.prometheus()});
  }
  const std::string webhook = "/webhook/";
  if (path.rfind(webhook, 0) == 0) {
    if (req.method != "POST") return reply(json_error(405, "POST only"));
    const auto s = settings();
    // Authenticate before saying whether the system exists.
    if (s.webhook_secret.empty() || !constant_time_equal(req.secret_header, s.webhook_secret)) {
      log_->warn("webhook {} refused: missing or wrong X-Coopsync-Secret", path);
      return reply(json_error(401, "missing or wrong X-Coopsync-Secret"));
    }
    const std::string system = path.substr(webhook.size());
    if (!s.schedule.count(system)) return reply(json_error(404, "no enabled system of that name"));
    log_->info("webhook: pass of {} queued", system);
    // A webhook says that something changed there, maybe in what only a full read shows.
    worker_.request_pass({system}, Reads::kWhole);
    return reply(HttpResponse{202, "application/json", nlohmann::json{{"queued", system}}.dump() + "\n"});
  }
  if (path == "/control/sync") {
    if (req.method != "POST") return reply(json_error(405, "POST only"));
    const auto s = settings();
    const std::string bearer = "Bearer ";
    const std::string given = req.authorization.rfind(bearer, 0) == 0 ? req.authorization.substr(bearer.size()) : "";
    if (s.control_token.empty() || !constant_time_equal(given, s.control_token)) {
      log_->warn("control request refused: missing or wrong bearer token");
      return reply(json_error(401, "missing or wrong bearer token"));
    }
    worker_.request_pass({}, Reads::kWhole, [reply](bool ok, std::string body) {
      reply(HttpResponse{ok ? 200 : 503, "application/json", std::move(body)});
    });
    return;
  }
  reply(json_error(404, "no such endpoint"));
}

}  // namespace coopsync::daemon
