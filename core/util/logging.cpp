#include "core/util/logging.hpp"

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/base_sink.h>
#include <spdlog/spdlog.h>

#include <cstdio>
#include <ctime>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <utility>

#include "core/util/redact.hpp"

namespace coopsync::util {
namespace {

std::string utc_timestamp(spdlog::log_clock::time_point time) {
  using namespace std::chrono;
  const auto since_epoch = time.time_since_epoch();
  const std::time_t seconds = duration_cast<std::chrono::seconds>(since_epoch).count();
  const auto millis = duration_cast<milliseconds>(since_epoch).count() % 1000;
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char buf[96];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<int>(millis));
  return buf;
}

// One JSON object per line: {"ts":..., "level":..., "logger":..., "msg":...}.
class JsonFormatter final : public spdlog::formatter {
 public:
  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
    nlohmann::json line = {{"ts", utc_timestamp(msg.time)},
                           {"level", std::string(spdlog::level::to_string_view(msg.level).data(),
                                                 spdlog::level::to_string_view(msg.level).size())},
                           {"logger", std::string(msg.logger_name.data(), msg.logger_name.size())},
                           {"msg", std::string(msg.payload.data(), msg.payload.size())}};
    const std::string text =
        line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
    dest.append(text.data(), text.data() + text.size());
  }
  std::unique_ptr<spdlog::formatter> clone() const override {
    return std::make_unique<JsonFormatter>();
  }
};

std::unique_ptr<spdlog::formatter> make_formatter(LogFormat format) {
  if (format == LogFormat::kJson) return std::make_unique<JsonFormatter>();
  return std::make_unique<spdlog::pattern_formatter>("%Y-%m-%dT%H:%M:%S.%eZ %l %n: %v",
                                                     spdlog::pattern_time_type::utc);
}

// Redacts the message before formatting (so JSON escaping cannot disguise a secret) and
// the formatted line after (so nothing the formatter adds can carry one either). Ignores
// set_pattern/set_formatter from loggers: only configure_logging chooses the format, so
// no caller can swap in an unredacted path by accident.
class RedactingSink final : public spdlog::sinks::base_sink<std::mutex> {
 public:
  RedactingSink() { formatter_ = make_formatter(LogFormat::kText); }

  void use_format(LogFormat format) {
    std::lock_guard lock(mutex_);
    formatter_ = make_formatter(format);
  }
  void set_output(std::ostream* out) {
    std::lock_guard lock(mutex_);
    out_ = out;
  }

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    const std::string payload = redact(std::string_view(msg.payload.data(), msg.payload.size()));
    spdlog::details::log_msg clean = msg;
    clean.payload = spdlog::string_view_t(payload.data(), payload.size());
    spdlog::memory_buf_t formatted;
    formatter_->format(clean, formatted);
    const std::string line = redact(std::string_view(formatted.data(), formatted.size()));
    if (out_ != nullptr) {
      out_->write(line.data(), static_cast<std::streamsize>(line.size()));
    } else {
      std::fwrite(line.data(), 1, line.size(), stderr);
    }
  }
  void flush_() override {
    if (out_ != nullptr) {
      out_->flush();
    } else {
      std::fflush(stderr);
    }
  }
  void set_pattern_(const std::string&) override {}
  void set_formatter_(std::unique_ptr<spdlog::formatter>) override {}

 private:
  std::ostream* out_ = nullptr;
};

struct State {
  std::mutex mutex;  // serialises logger creation and reconfiguration
  std::shared_ptr<RedactingSink> sink = std::make_shared<RedactingSink>();
  spdlog::level::level_enum level = spdlog::level::info;
  bool default_installed = false;
};

State& state() {
  static State s;
  return s;
}

std::shared_ptr<spdlog::logger> make_logger_locked(State& s, const std::string& name) {
  if (auto existing = spdlog::get(name)) return existing;
  auto logger = std::make_shared<spdlog::logger>(name, s.sink);
  logger->set_level(s.level);
  logger->flush_on(spdlog::level::warn);
  spdlog::register_logger(logger);
  return logger;
}

// spdlog's own default logger writes unredacted to stdout: replace it once, so that a
// stray spdlog::info() elsewhere goes through the same redacting sink.
void install_default_locked(State& s) {
  if (s.default_installed) return;
  s.default_installed = true;
  auto logger = std::make_shared<spdlog::logger>("coopsync", s.sink);
  logger->set_level(s.level);
  spdlog::set_default_logger(logger);
}

std::optional<spdlog::level::level_enum> parse_level(std::string_view name) {
  static constexpr std::pair<std::string_view, spdlog::level::level_enum> kLevels[] = {
      {"trace", spdlog::level::trace}, {"debug", spdlog::level::debug},
      {"info", spdlog::level::info},   {"warn", spdlog::level::warn},
      {"error", spdlog::level::err},   {"critical", spdlog::level::critical},
      {"off", spdlog::level::off}};
  for (const auto& [text, level] : kLevels) {
    if (text == name) return level;
  }
  return std::nullopt;
}

}  // namespace

bool configure_logging(std::string_view format, std::string_view level) {
  const auto parsed_level = parse_level(level);
  if (!parsed_level) return false;
  LogFormat parsed_format;
  if (format == "text") {
    parsed_format = LogFormat::kText;
  } else if (format == "json") {
    parsed_format = LogFormat::kJson;
  } else {
    return false;
  }
  State& s = state();
  std::lock_guard lock(s.mutex);
  install_default_locked(s);
  s.level = *parsed_level;
  s.sink->use_format(parsed_format);
  spdlog::set_level(*parsed_level);  // every registered logger, the default one included
  return true;
}

std::shared_ptr<spdlog::logger> make_logger(const std::string& name) {
  State& s = state();
  std::lock_guard lock(s.mutex);
  install_default_locked(s);
  return make_logger_locked(s, name);
}

void set_log_output_for_test(std::ostream* out) { state().sink->set_output(out); }

}  // namespace coopsync::util
