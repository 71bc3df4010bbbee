#include "core/daemon/metrics.hpp"

#include "core/util/redact.hpp"

#include <set>
#include <sstream>

namespace coopsync::daemon {

namespace {

double unix_now() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

// Label values are config keys, but escape them as the format requires anyway.
std::string label(const std::string& value) {
  std::string out;
  for (char c : value) {
    if (c == '\\') out += "\\\\";
    else if (c == '"') out += "\\\"";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
  return out;
}

std::string number(double v) {
  std::ostringstream s;
  s.precision(15);
  s << v;
  return s.str();
}

}  // namespace

void Metrics::set_systems(const std::vector<std::string>& names) {
  std::lock_guard lock(mu_);
  std::set<std::string> keep(names.begin(), names.end());
  for (auto it = systems_.begin(); it != systems_.end();) {
    it = keep.count(it->first) ? std::next(it) : systems_.erase(it);
  }
  for (const auto& n : names) systems_[n];
}

void Metrics::record_pass(const engine::PassReport& report, const std::vector<std::string>& unavailable) {
  std::lock_guard lock(mu_);
  ++total_passes_;
  const double now = unix_now();
  for (const auto& [name, r] : report.systems) {
    auto& s = systems_[name];
    ++s.passes;
    s.read += r.read;
    s.written += r.writes();
    if (r.error) {
      s.last_error = util::redact(r.error->describe());
      bool down = false;
      for (const auto& u : unavailable) down = down || u == name;
      s.state = down ? "unavailable" : "failing";
    } else {
      s.last_success = now;
      s.state = "ok";
    }
  }
}

void Metrics::record_store(std::optional<StoreGauges> gauges) {
  std::lock_guard lock(mu_);
  store_probed_ = true;
  store_ = std::move(gauges);
}

void Metrics::observe_http(const std::string& system, std::chrono::microseconds elapsed) {
  const double seconds = std::chrono::duration<double>(elapsed).count();
  std::lock_guard lock(mu_);
  auto& h = http_[system];
  for (std::size_t i = 0; i < kDurationBuckets.size(); ++i) {
    if (seconds <= kDurationBuckets[i]) ++h.buckets[i];
  }
  ++h.count;
  h.sum += seconds;
}

std::uint64_t Metrics::total_passes() const {
  std::lock_guard lock(mu_);
  return total_passes_;
}

std::string Metrics::prometheus() const {
  std::lock_guard lock(mu_);
  std::ostringstream o;
  auto per_system = [&](const char* name, const char* type, const char* help, auto value) {
    o << "# HELP " << name << " " << help << "\n# TYPE " << name << " " << type << "\n";
    for (const auto& [sys, s] : systems_) {
      auto v = value(sys, s);
      if (v) o << name << "{system=\"" << label(sys) << "\"} " << number(*v) << "\n";
    }
  };
  using Opt = std::optional<double>;
  o << "# HELP coopsync_daemon_passes_total Passes run by this daemon (all systems).\n"
       "# TYPE coopsync_daemon_passes_total counter\ncoopsync_daemon_passes_total "
    << total_passes_ << "\n";
  per_system("coopsync_passes_total", "counter", "Passes that included the system.",
             [](const std::string&, const SystemStats& s) { return Opt(double(s.passes)); });
  per_system("coopsync_records_read_total", "counter", "Records pulled from the system.",
             [](const std::string&, const SystemStats& s) { return Opt(double(s.read)); });
  per_system("coopsync_records_written_total", "counter", "Writes applied to the system.",
             [](const std::string&, const SystemStats& s) { return Opt(double(s.written)); });
  per_system("coopsync_outbox_depth", "gauge", "Pending outbox entries for the system.",
             [&](const std::string& sys, const SystemStats&) {
               if (!store_) return Opt();
               auto it = store_->outbox_pending.find(sys);
               return Opt(it == store_->outbox_pending.end() ? 0.0 : double(it->second));
             });
  per_system("coopsync_dead_letters", "gauge", "Dead outbox entries for the system.",
             [&](const std::string& sys, const SystemStats&) {
               if (!store_) return Opt();
               auto it = store_->dead.find(sys);
               return Opt(it == store_->dead.end() ? 0.0 : double(it->second));
             });
  if (store_) {
    o << "# HELP coopsync_open_conflicts Conflicts waiting for a human.\n"
         "# TYPE coopsync_open_conflicts gauge\ncoopsync_open_conflicts "
      << store_->open_conflicts << "\n";
  }
  per_system("coopsync_last_success_timestamp_seconds", "gauge", "End of the last pass that reached the system.",
             [](const std::string&, const SystemStats& s) { return s.last_success; });
  o << "# HELP coopsync_http_request_duration_seconds Outbound HTTP requests per system.\n"
       "# TYPE coopsync_http_request_duration_seconds histogram\n";
  for (const auto& [sys, h] : http_) {
    const std::string l = label(sys);
    for (std::size_t i = 0; i < kDurationBuckets.size(); ++i) {
      o << "coopsync_http_request_duration_seconds_bucket{system=\"" << l << "\",le=\""
        << number(kDurationBuckets[i]) << "\"} " << h.buckets[i] << "\n";
    }
    o << "coopsync_http_request_duration_seconds_bucket{system=\"" << l << "\",le=\"+Inf\"} " << h.count << "\n";
    o << "coopsync_http_request_duration_seconds_sum{system=\"" << l << "\"} " << number(h.sum) << "\n";
    o << "coopsync_http_request_duration_seconds_count{system=\"" << l << "\"} " << h.count << "\n";
  }
  return o.str();
}

nlohmann::json Metrics::health(bool& store_ok) const {
  std::lock_guard lock(mu_);
  store_ok = store_.has_value();
  nlohmann::json j;
  j["store"] = store_ok ? "ok" : (store_probed_ ? "unreachable" : "starting");
  j["systems"] = nlohmann::json::object();
  for (const auto& [sys, s] : systems_) {
    j["systems"][sys] = {{"last_success", s.last_success ? nlohmann::json(*s.last_success) : nlohmann::json()},
                         {"last_error", s.last_error.empty() ? nlohmann::json() : nlohmann::json(s.last_error)},
                         {"state", s.state}};
  }
  return j;
}

}  // namespace coopsync::daemon
