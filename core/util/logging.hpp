#pragma once
// Logging for the whole process: spdlog loggers that share one sink writing to stderr,
// as text or JSON lines. The sink passes every message, and then every formatted line,
// through util::redact(), so no registered secret can reach a log whatever code logged it
// (a connector dumping its settings, an HTTP error echoing a URL with a token...).
//
// Thread-safe: loggers may be used from any thread; configure_logging() may be called
// again at any time (SIGHUP reload).
#include <spdlog/logger.h>

#include <memory>
#include <ostream>
#include <string>
#include <string_view>

namespace coopsync::util {

enum class LogFormat { kText, kJson };

// Sets the format ("text" | "json") and level ("trace" | "debug" | "info" | "warn" |
// "error" | "critical" | "off") of every logger, present and future, including spdlog's
// default logger. Returns false and changes nothing when either name is unknown (the
// config loader validates both beforehand, so false means a programming error).
bool configure_logging(std::string_view format, std::string_view level);

// The logger called `name` ("engine", "odoo:erp"...), created on first use with the shared
// redacting sink and the current level. The same name gives the same logger.
std::shared_ptr<spdlog::logger> make_logger(const std::string& name);

// Tests: send formatted lines to `out` instead of stderr (nullptr: back to stderr). Lines
// are still redacted. The caller keeps `out` alive until it resets the output.
void set_log_output_for_test(std::ostream* out);

}  // namespace coopsync::util
