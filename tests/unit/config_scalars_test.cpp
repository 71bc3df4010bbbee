// Durations, integers, booleans, typo suggestions and ${VAR} expansion.
#include <doctest/doctest.h>

#include <map>

#include "core/config/config.hpp"
#include "core/config/scalars.hpp"
#include "core/config/secrets.hpp"

using namespace coopsync::config;
using std::chrono::milliseconds;

TEST_CASE("parse_duration accepts units, combinations and bare seconds") {
  CHECK(parse_duration("250ms") == milliseconds(250));
  CHECK(parse_duration("30s") == milliseconds(30000));
  CHECK(parse_duration("5m") == milliseconds(300000));
  CHECK(parse_duration("1h") == milliseconds(3600000));
  CHECK(parse_duration("2d") == milliseconds(172800000));
  CHECK(parse_duration("1h30m") == milliseconds(5400000));
  CHECK(parse_duration("1m500ms") == milliseconds(60500));
  CHECK(parse_duration("45") == milliseconds(45000));
  CHECK(parse_duration("0") == milliseconds(0));
  CHECK(parse_duration("366d") == milliseconds(366LL * 86400000));
}

TEST_CASE("parse_duration refuses what it cannot read exactly") {
  for (const char* bad :
       {"", "s", "-5s", "-1", "5", "1.5s", "5 s", " 5s", "5sec", "5min", "30s5m", "1h1h", "abc",
        "5S", "367d", "99999999999999999999", "9999999999999s", "1e3", "0x10"}) {
    CAPTURE(bad);
    if (std::string(bad) == "5") continue;  // bare integer: seconds (checked above)
    CHECK_FALSE(parse_duration(bad).has_value());
  }
}

TEST_CASE("parse_integer and parse_boolean are strict") {
  CHECK(parse_integer("42") == 42);
  CHECK(parse_integer("-7") == -7);
  CHECK(parse_integer("+7") == 7);
  CHECK_FALSE(parse_integer("+-7").has_value());
  CHECK_FALSE(parse_integer("4.0").has_value());
  CHECK_FALSE(parse_integer(" 4").has_value());
  CHECK_FALSE(parse_integer("99999999999999999999999").has_value());
  CHECK(parse_boolean("yes") == true);
  CHECK(parse_boolean("Off") == false);
  CHECK_FALSE(parse_boolean("1").has_value());
}

TEST_CASE("closest_match suggests typos, not different words") {
  const std::vector<std::string> keys = {"max_in_flight", "batch_size", "poll_interval", "url"};
  CHECK(closest_match("max_inflight", keys) == "max_in_flight");
  CHECK(closest_match("batchsize", keys) == "batch_size");
  CHECK(closest_match("poll-interval", keys) == "poll_interval");
  CHECK(closest_match("ur", keys) == "url");
  CHECK(closest_match("password", keys).empty());
  CHECK(closest_match("x", keys).empty());
}

TEST_CASE("describe_node quotes, shortens and escapes scalars") {
  CHECK(describe_node(YAML::Load("abc")) == "string 'abc'");
  CHECK(describe_node(YAML::Load("[1]")) == "sequence");
  CHECK(describe_node(YAML::Load("{a: 1}")) == "mapping");
  CHECK(describe_node(YAML::Load("~")) == "null");
  CHECK(describe_node(YAML::Node(std::string(100, 'x'))) ==
        "string '" + std::string(40, 'x') + "...'");
  CHECK(describe_node(YAML::Node(std::string("a\nb"))) == "string 'a\\x0ab'");
}

TEST_CASE("expand_env: whole and embedded references, fallbacks, escapes, errors") {
  const std::map<std::string, std::string> vars = {{"HOST", "db.example"}, {"EMPTY", ""}};
  const EnvLookup env = [&](const std::string& name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
  auto e = expand_env("${HOST}", env);
  CHECK(e.value == "db.example");
  CHECK(e.whole_reference);
  e = expand_env("https://${HOST}:8069/", env);
  CHECK(e.value == "https://db.example:8069/");
  CHECK(e.has_reference);
  CHECK_FALSE(e.whole_reference);
  CHECK(expand_env("${NOPE:-fallback}", env).value == "fallback");
  CHECK(expand_env("${EMPTY:-fallback}", env).value == "fallback");
  CHECK(expand_env("${EMPTY}", env).value.empty());
  CHECK(expand_env("price $5 and $${LITERAL}", env).value == "price $5 and ${LITERAL}");
  e = expand_env("${A_MISSING}-${B_MISSING}", env);
  CHECK(e.missing == std::vector<std::string>{"A_MISSING", "B_MISSING"});
  CHECK_FALSE(expand_env("${HOST", env).malformed.empty());
  CHECK_FALSE(expand_env("${1BAD}", env).malformed.empty());
  CHECK_FALSE(expand_env("${}", env).malformed.empty());
}
