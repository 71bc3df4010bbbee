// The schema validator: every problem reported at once, each with file:line:col, the
// dotted path and the expected shape; the normalised JSON the rest of the code consumes.
#include <doctest/doctest.h>

#include <cstdlib>
#include <fstream>
#include <iterator>

#include "core/config/validate.hpp"
#include "tests/unit/config_test_util.hpp"

using namespace coopsync;
using namespace coopsync::config;
using coopsync::config::testing::issue_text;
using coopsync::config::testing::lines;
using coopsync::config::testing::strict_registry;

namespace {

ObjectSpec sample_spec() {
  ObjectSpec retry;
  retry.add(field_spec::integer("max_attempts").fallback(8).range(1, 100));
  retry.add(field_spec::duration("initial_backoff").fallback("1s"));
  ObjectSpec s;
  s.add(field_spec::string("url").require().describe("Base URL"));
  s.add(field_spec::integer("max_in_flight").fallback(4).range(1, 64));
  s.add(field_spec::boolean("enabled").fallback(true));
  s.add(field_spec::duration("poll_interval").fallback(60));
  s.add(field_spec::one_of("mode", {"newest", "manual"}).fallback("newest"));
  s.add(field_spec::string_list("tags"));
  s.add(field_spec::string_map("labels"));
  s.add(field_spec::object("retry", retry).fallback(nlohmann::json::object()));
  s.add(field_spec::object_list("rooms", ObjectSpec().add(field_spec::string("alias").require())));
  return s;
}

Validated run(const std::string& yaml, const ObjectSpec& spec = sample_spec()) {
  return validate_normalised(YAML::Load(yaml), spec, "t.yaml", "");
}

}  // namespace

TEST_CASE("unknown key, wrong type and missing key are all reported with line:column") {
  // The acceptance case of the issue: three problems, three positioned messages.
  const std::string yaml =
      "store:\n"
      "  path: /tmp/x.db\n"
      "engine:\n"
      "  page_size: abc\n"
      "  conflict_polcy: newest\n"
      "systems:\n"
      "  erp:\n"
      "    type: testconn\n"
      "    max_inflight: 3\n";
  const auto registry = strict_registry();
  const LoadResult r = load_config_text(yaml, "t.yaml", registry);
  CHECK_FALSE(r.config.has_value());
  CHECK(issue_text(r.issues) ==
        lines({
            "t.yaml:4:14: engine.page_size: expected integer, got string 'abc'",
            "t.yaml:5:3: engine.conflict_polcy: unknown key 'conflict_polcy' (did you mean "
            "'conflict_policy'?)",
            "t.yaml:7:3: systems.erp: missing required key 'url' (string: Base URL of the test "
            "system)",
            "t.yaml:9:5: systems.erp.max_inflight: unknown key 'max_inflight' (did you mean "
            "'max_in_flight'?)",
        }));
  CHECK(format_issues(r.issues).find("t.yaml:4:14: engine.page_size") == 0);
}

TEST_CASE("normalised output: defaults, durations in milliseconds, nested objects") {
  const auto v = run("url: https://x.example\npoll_interval: 5m\nretry:\n  max_attempts: 3\n");
  REQUIRE(v.issues.empty());
  CHECK(v.value["url"] == "https://x.example");
  CHECK(v.value["max_in_flight"] == 4);
  CHECK(v.value["enabled"] == true);
  CHECK(v.value["poll_interval"] == 300000);
  CHECK(v.value["mode"] == "newest");
  CHECK(v.value["retry"]["max_attempts"] == 3);
  CHECK(v.value["retry"]["initial_backoff"] == 1000);
  CHECK_FALSE(v.value.contains("tags"));  // absent, no default: absent
  // A declared integer default of a duration means seconds, like in a file.
  CHECK(run("url: u\n").value["poll_interval"] == 60000);
}

TEST_CASE("every kind of type error names the expected shape") {
  const auto v =
      run("url: [a, b]\n"
          "max_in_flight: 200\n"
          "enabled: maybe\n"
          "poll_interval: soon\n"
          "mode: newst\n"
          "tags: one\n"
          "labels:\n  a: {x: 1}\n"
          "retry: 3\n"
          "rooms:\n  - {alias: '#a'}\n  - {name: b}\n");
  CHECK(issue_text(v.issues) ==
        lines({
            "t.yaml:1:6: url: expected string, got sequence",
            "t.yaml:2:16: max_in_flight: 200 is outside [1, 64]",
            "t.yaml:3:10: enabled: expected boolean (true or false), got string 'maybe'",
            "t.yaml:4:16: poll_interval: expected duration (250ms, 30s, 5m, 1h, 2d, or "
            "seconds), got string 'soon'",
            "t.yaml:5:7: mode: expected one of newest | manual, got string 'newst' (did you "
            "mean 'newest'?)",
            "t.yaml:6:7: tags: expected list of strings, got string 'one'",
            "t.yaml:8:6: labels.a: expected string, got mapping",
            "t.yaml:9:8: retry: expected mapping, got string '3'",
            "t.yaml:12:5: rooms[1]: missing required key 'alias' (string)",
            "t.yaml:12:6: rooms[1].name: unknown key 'name' (expected one of: alias)",
        }));
}

TEST_CASE("a key present without a value is reported at the key") {
  const auto v = run("url:\nenabled:\n");
  CHECK(issue_text(v.issues) ==
        lines({"t.yaml:1:1: url: key 'url' has no value (expected string: Base URL)"}));
  const auto w = run("url: u\nenabled:\n");  // optional: the default applies
  CHECK(w.issues.empty());
  CHECK(w.value["enabled"] == true);
}

TEST_CASE("duplicate keys and non-mapping sections are issues, not crashes") {
  const auto v = run("url: a\nurl: b\n");
  CHECK(issue_text(v.issues) == lines({"t.yaml:2:1: url: duplicate key 'url' (first at line 1)"}));
  const auto list = run("- a\n- b\n");
  REQUIRE(list.issues.size() == 1);
  CHECK(list.issues[0].message == "expected mapping, got sequence");
  const auto empty = validate_normalised(
      YAML::Load(""), ObjectSpec().add(field_spec::integer("n").fallback(2)), "t.yaml", "");
  CHECK(empty.issues.empty());
  CHECK(empty.value["n"] == 2);
}

TEST_CASE("malformed YAML gives one positioned issue and never throws") {
  const auto registry = strict_registry();
  const LoadResult r =
      load_config_text("store:\n  path: [unclosed\nengine: {\n", "bad.yaml", registry);
  REQUIRE(r.issues.size() == 1);
  CHECK_FALSE(r.config.has_value());
  CHECK(r.issues[0].line > 0);
  CHECK(r.issues[0].to_string().rfind("bad.yaml:", 0) == 0);
  CHECK(r.issues[0].message.find("invalid YAML") == 0);

  // A tab-indented, truncated or binary file: still issues, still no exception.
  for (const std::string& text :
       {std::string("a:\n\t- b\n"), std::string("key: 'unterminated\n"),
        std::string("\x00\xff\xfe{[", 5), std::string("? [a, b]\n: c\n"), std::string(300, '[')}) {
    LoadResult bad;
    CHECK_NOTHROW(bad = load_config_text(text, "bad.yaml", registry));
    CHECK_FALSE(bad.config.has_value());
    CHECK_FALSE(bad.issues.empty());
  }
}

TEST_CASE("too many issues are capped, with a count of the rest") {
  std::string yaml = "url: u\n";
  for (int i = 0; i < 250; ++i) yaml += "unknown_" + std::to_string(i) + ": 1\n";
  const auto v = run(yaml);
  REQUIRE(v.issues.size() == 201);
  CHECK(v.issues.back().message == "50 more issues not shown");
}

TEST_CASE("the issue list does not stop at the first problem in nested sections") {
  const auto registry = strict_registry();
  const LoadResult r = load_config_text(
      "logging: {format: xml, level: loud}\n"
      "systems:\n"
      "  a: {type: testconn, url: u, timeout: forever}\n"
      "  b: {type: other, mode: slow}\n",
      "t.yaml", registry);
  CHECK(issue_text(r.issues) ==
        lines({
            "t.yaml:1:19: logging.format: expected one of text | json, got string 'xml'",
            "t.yaml:1:31: logging.level: expected one of trace | debug | info | warn | error | "
            "critical | off, got string 'loud'",
            "t.yaml:3:40: systems.a.timeout: expected duration (250ms, 30s, 5m, 1h, 2d, or "
            "seconds), got string 'forever'",
            "t.yaml:4:3: systems.b: missing required key 'url' (string: Base URL of the test "
            "system)",
            "t.yaml:4:26: systems.b.mode: expected one of fast | safe, got string 'slow'",
        }));
}

TEST_CASE("mutations of the example (truncated, corrupted) never throw and never half-load") {
  // Poor man's fuzzing, deterministic: every truncation point and a few hostile bytes at
  // many positions. Each result is either a Config with no issue or issues with no Config.
  const char* source = std::getenv("COOPSYNC_SOURCE_DIR");
  const std::string path =
      std::string(source != nullptr ? source : COOPSYNC_SOURCE_DIR) + "/config/example.yaml";
  std::ifstream in(path);
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  REQUIRE(text.size() > 1000);
  const auto registry = coopsync::config::testing::example_registry();
  std::size_t loads = 0;
  auto check = [&](const std::string& variant) {
    LoadResult r;
    REQUIRE_NOTHROW(r = load_config_text(variant, "m.yaml", registry));
    CHECK(r.config.has_value() == r.issues.empty());
    ++loads;
  };
  for (std::size_t cut = 0; cut < text.size(); cut += 13) check(text.substr(0, cut));
  for (const char hostile : {':', '[', '{', '"', '&', '*', '\t', '\n', '-', '\0'}) {
    for (std::size_t at = 0; at < text.size(); at += 29) {
      std::string variant = text;
      variant[at] = hostile;
      check(variant);
    }
  }
  MESSAGE("mutated loads: ", loads);
}
