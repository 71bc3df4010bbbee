// The shared log sink: text or JSON lines, levels, and no registered secret in any line.
#include "core/util/logging.hpp"

#include <doctest/doctest.h>
#include <spdlog/spdlog.h>

#include <nlohmann/json.hpp>
#include <sstream>

#include "core/config/config.hpp"
#include "core/util/redact.hpp"
#include "tests/unit/config_test_util.hpp"

using namespace coopsync;

namespace {

// Captures everything the shared sink writes for the scope, then restores stderr.
struct Capture {
  std::ostringstream out;
  Capture() { util::set_log_output_for_test(&out); }
  ~Capture() {
    util::set_log_output_for_test(nullptr);
    REQUIRE(util::configure_logging("text", "info"));
  }
};

}  // namespace

TEST_CASE("text lines carry time, level, logger and message; levels filter") {
  Capture cap;
  REQUIRE(util::configure_logging("text", "info"));
  auto log = util::make_logger("test-text");
  log->debug("hidden at info");
  log->info("pulled {} records from {}", 12, "erp");
  const std::string text = cap.out.str();
  CHECK(text.find("hidden at info") == std::string::npos);
  CHECK(text.find(" info test-text: pulled 12 records from erp\n") != std::string::npos);
  CHECK(text.size() > 24);
  CHECK(text[4] == '-');
  CHECK(text.find("Z info") != std::string::npos);  // UTC timestamps
  REQUIRE(util::configure_logging("text", "debug"));
  log->debug("visible at debug");
  CHECK(cap.out.str().find("visible at debug") != std::string::npos);
  CHECK(util::make_logger("test-text") == log);
}

TEST_CASE("JSON lines are one parseable object each") {
  Capture cap;
  REQUIRE(util::configure_logging("json", "info"));
  auto log = util::make_logger("test-json");
  log->warn("quote \" and newline \n inside");
  std::istringstream lines(cap.out.str());
  std::string line;
  int count = 0;
  while (std::getline(lines, line)) {
    const auto j = nlohmann::json::parse(line);
    CHECK(j["level"] == "warning");
    CHECK(j["logger"] == "test-json");
    CHECK(j["msg"] == "quote \" and newline \n inside");
    CHECK(j["ts"].get<std::string>().back() == 'Z');
    ++count;
  }
  CHECK(count == 1);
}

TEST_CASE("unknown format or level is refused and changes nothing") {
  CHECK_FALSE(util::configure_logging("xml", "info"));
  CHECK_FALSE(util::configure_logging("text", "loud"));
}

TEST_CASE("no registered secret reaches a log line, in text or JSON, from any logger") {
  // The secret is resolved by the config loader, as in production.
  config::testing::ScopedEnv env("COOPSYNC_TEST_LOG_PW", "log-secret-\"value\"-F");
  const auto registry = config::testing::strict_registry();
  const auto loaded = config::load_config_text(
      "systems:\n  erp:\n    type: testconn\n    url: https://erp.example\n"
      "    password: ${COOPSYNC_TEST_LOG_PW}\n",
      "t.yaml", registry);
  REQUIRE(loaded.issues.empty());
  const std::string secret = loaded.config->systems.at(0).settings["password"];
  for (const char* format : {"text", "json"}) {
    CAPTURE(format);
    Capture cap;
    REQUIRE(util::configure_logging(format, "trace"));
    auto log = util::make_logger("test-secret");
    log->info("login as sync with password {}", secret);
    log->error("settings: {}", loaded.config->systems.at(0).settings.dump());
    spdlog::warn("default logger: {}", secret);
    // A caller trying to swap the format cannot bypass redaction.
    log->set_pattern("%v");
    log->info("after set_pattern: {}", secret);
    const std::string text = cap.out.str();
    CHECK(text.find("log-secret") == std::string::npos);
    CHECK(text.find("password ***") != std::string::npos);
    CHECK(text.find("default logger: ***") != std::string::npos);
    CHECK(text.find("after set_pattern: ***") != std::string::npos);
  }
}
