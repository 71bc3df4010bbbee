// Secrets: from the environment or a file, registered for redaction, never in a message.
#include <doctest/doctest.h>

#include "core/config/validate.hpp"
#include "core/util/redact.hpp"
#include "tests/unit/config_test_util.hpp"

using namespace coopsync;
using namespace coopsync::config;
using coopsync::config::testing::issue_text;
using coopsync::config::testing::lines;
using coopsync::config::testing::ScopedEnv;
using coopsync::config::testing::strict_registry;
using coopsync::config::testing::TempDir;

namespace {

std::string system_yaml(const std::string& password_line, const std::string& extra = "") {
  return "systems:\n  erp:\n    type: testconn\n    url: https://erp.example\n    " +
         password_line + "\n" + extra;
}

}  // namespace

TEST_CASE("a secret from ${ENV_VAR} is resolved and registered for redaction") {
  ScopedEnv env("COOPSYNC_TEST_PW_ENV", "env-secret-value-1");
  const auto registry = strict_registry();
  const LoadResult r =
      load_config_text(system_yaml("password: ${COOPSYNC_TEST_PW_ENV}"), "t.yaml", registry);
  REQUIRE(r.issues.empty());
  REQUIRE(r.config.has_value());
  CHECK(r.warnings.empty());
  CHECK(r.config->systems.at(0).settings["password"] == "env-secret-value-1");
  CHECK(util::redact("login with env-secret-value-1 failed") == "login with *** failed");
}

TEST_CASE("a secret embedded in a longer value, such as a DSN, registers the whole and the part") {
  ScopedEnv env("COOPSYNC_TEST_PG_PW", "pg-part-secret");
  const auto registry = strict_registry();
  const LoadResult r = load_config_text(
      "store:\n  driver: postgres\n  dsn: postgres://sync:${COOPSYNC_TEST_PG_PW}@db/coopsync\n",
      "t.yaml", registry);
  REQUIRE(r.issues.empty());
  CHECK(r.config->store.dsn == "postgres://sync:pg-part-secret@db/coopsync");
  CHECK(util::redact("dsn=postgres://sync:pg-part-secret@db/coopsync") == "dsn=***");
  CHECK(util::redact("password pg-part-secret") == "password ***");
}

TEST_CASE("a secret from <name>_file: trailing newline stripped, relative to the config") {
  TempDir dir;
  dir.write("erp.pw", "file-secret-value-2\n");
  const std::string config = dir.write("coopsync.yaml", system_yaml("password_file: erp.pw"));
  const auto registry = strict_registry();
  const LoadResult r = load_config(config, registry);
  REQUIRE(r.issues.empty());
  CHECK(r.warnings.empty());
  CHECK(r.config->systems.at(0).settings["password"] == "file-secret-value-2");
  CHECK_FALSE(r.config->systems.at(0).settings.contains("password_file"));
  CHECK(util::contains_secret("xx file-secret-value-2 xx"));
}

TEST_CASE("a secret file others can read is accepted with a warning") {
  TempDir dir;
  const std::string pw =
      dir.write("pw", "readable-secret-3\r\n",
                std::filesystem::perms::owner_read | std::filesystem::perms::others_read);
  const auto registry = strict_registry();
  const LoadResult r = load_config_text(system_yaml("password_file: " + pw), "t.yaml", registry);
  REQUIRE(r.issues.empty());
  CHECK(r.config->systems.at(0).settings["password"] == "readable-secret-3");
  REQUIRE(r.warnings.size() == 1);
  CHECK(r.warnings[0].message.find("readable by group or others") != std::string::npos);
}

TEST_CASE(
    "missing env var, missing file, directory, empty file, both forms: issues naming the cause") {
  ScopedEnv unset("COOPSYNC_TEST_UNSET_VAR", std::nullopt);
  TempDir dir;
  dir.write("empty", "\n");
  const auto registry = strict_registry();
  struct Case {
    std::string line;
    std::string expected;
  };
  const Case cases[] = {
      {"password: ${COOPSYNC_TEST_UNSET_VAR}",
       "t.yaml:5:15: systems.erp.password: environment variable 'COOPSYNC_TEST_UNSET_VAR' is not "
       "set"},
      {"password_file: " + (dir.path() / "nope").string(),
       "t.yaml:5:20: systems.erp.password_file: cannot read secret file '" +
           (dir.path() / "nope").string() + "': No such file or directory"},
      {"password_file: " + dir.path().string(),
       "t.yaml:5:20: systems.erp.password_file: cannot read secret file '" + dir.path().string() +
           "': not a regular file"},
      {"password_file: " + (dir.path() / "empty").string(),
       "t.yaml:5:20: systems.erp.password_file: cannot read secret file '" +
           (dir.path() / "empty").string() + "': the file is empty"},
      {"password: {nested: value}",
       "t.yaml:5:15: systems.erp.password: expected secret (a string such as '${ENV_VAR}', or "
       "'password_file: /path'), got mapping"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.line);
    const LoadResult r = load_config_text(system_yaml(c.line), "t.yaml", registry);
    CHECK_FALSE(r.config.has_value());
    REQUIRE(r.issues.size() == 1);
    CHECK(r.issues[0].to_string() == c.expected);
  }
  const LoadResult both = load_config_text(
      system_yaml("password: ${COOPSYNC_TEST_UNSET_VAR}", "    password_file: /x\n"), "t.yaml",
      registry);
  REQUIRE(both.issues.size() == 1);
  CHECK(
      both.issues[0].to_string() ==
      "t.yaml:6:5: systems.erp.password_file: give either 'password' or 'password_file', not both");
}

TEST_CASE("a literal secret is accepted, registered, and warned about") {
  const auto registry = strict_registry();
  const LoadResult r =
      load_config_text(system_yaml("password: literal-secret-4"), "t.yaml", registry);
  REQUIRE(r.issues.empty());
  REQUIRE(r.warnings.size() == 1);
  CHECK(r.warnings[0].to_string() ==
        "t.yaml:5:15: systems.erp.password: secret written literally in the file; prefer "
        "'${ENV_VAR}' or 'password_file: /path' so it stays out of the file");
  CHECK(util::contains_secret("literal-secret-4"));
}

TEST_CASE("no secret value appears in any issue, even pasted into the wrong field") {
  ScopedEnv env("COOPSYNC_TEST_LEAK_PW", "leaky-secret-5");
  TempDir dir;
  const std::string pw = dir.write("pw", "file-leak-secret-6\n");
  const auto registry = strict_registry();
  // The env secret pasted into typed fields *before* it is resolved in file order, the
  // file secret pasted into an enum; a literal secret pasted into a duration.
  const std::string yaml =
      "engine:\n"
      "  page_size: leaky-secret-5\n"
      "  conflict_policy: file-leak-secret-6\n"
      "daemon:\n"
      "  webhook_secret: literal-secret-77\n"
      "systems:\n"
      "  erp:\n"
      "    type: testconn\n"
      "    timeout: literal-secret-77\n"
      "    mode: leaky-secret-5x\n"
      "    url: https://erp.example\n"
      "    password: ${COOPSYNC_TEST_LEAK_PW}\n"
      "  crm:\n"
      "    type: testconn\n"
      "    url: https://crm.example\n"
      "    password_file: " +
      pw + "\n";
  const LoadResult r = load_config_text(yaml, "t.yaml", registry);
  REQUIRE(r.issues.size() == 4);
  for (const auto& i : r.issues) {
    CAPTURE(i.to_string());
    CHECK(i.to_string().find("leaky-secret-5") == std::string::npos);
    CHECK(i.to_string().find("file-leak-secret-6") == std::string::npos);
    CHECK(i.to_string().find("literal-secret-77") == std::string::npos);
    CHECK(i.to_string().find("***") != std::string::npos);
  }
  CHECK(r.issues[0].to_string() ==
        "t.yaml:2:14: engine.page_size: expected integer, got string '***'");
  for (const auto& w : r.warnings)
    CHECK(w.to_string().find("literal-secret-77") == std::string::npos);
}

TEST_CASE("${VAR} expands in plain string fields too, and a missing one is named") {
  ScopedEnv host("COOPSYNC_TEST_HOST", "erp.internal");
  ScopedEnv unset("COOPSYNC_TEST_NO_HOST", std::nullopt);
  const auto registry = strict_registry();
  LoadResult r = load_config_text(
      "systems:\n  erp:\n    type: testconn\n    url: https://${COOPSYNC_TEST_HOST}:8069\n",
      "t.yaml", registry);
  REQUIRE(r.issues.empty());
  CHECK(r.config->systems.at(0).settings["url"] == "https://erp.internal:8069");
  CHECK_FALSE(util::contains_secret("erp.internal"));  // not a secret field
  r = load_config_text(
      "systems:\n  erp:\n    type: testconn\n    url: https://${COOPSYNC_TEST_NO_HOST}/\n",
      "t.yaml", registry);
  REQUIRE(r.issues.size() == 1);
  CHECK(r.issues[0].to_string() ==
        "t.yaml:4:10: systems.erp.url: environment variable 'COOPSYNC_TEST_NO_HOST' is not set");
}

TEST_CASE("an empty secret is refused; a declared empty default is kept") {
  ScopedEnv empty("COOPSYNC_TEST_EMPTY_PW", "");
  const auto registry = strict_registry();
  LoadResult r = load_config_text(system_yaml("password: ${COOPSYNC_TEST_EMPTY_PW}"), "t.yaml",
                                  registry);
  CHECK(issue_text(r.issues) == lines({"t.yaml:5:15: systems.erp.password: secret is empty"}));
  ObjectSpec spec;
  spec.add(field_spec::secret("token").fallback(""));
  const Validated v = validate_normalised(YAML::Load("{}"), spec, "t.yaml", "");
  CHECK(v.issues.empty());
  CHECK(v.value["token"] == "");
}

TEST_CASE("validate() for a connector's own section: prefix in paths, secrets still resolved") {
  ScopedEnv env("COOPSYNC_TEST_SECTION_PW", "section-secret-7");
  ObjectSpec spec;
  spec.add(field_spec::string("url").require());
  spec.add(field_spec::secret("password").require());
  const auto issues = validate(YAML::Load("password: ${COOPSYNC_TEST_SECTION_PW}\nurll: x\n"), spec,
                               "c.yaml", "systems.erp");
  CHECK(issue_text(issues) ==
        lines({"c.yaml:1:1: systems.erp: missing required key 'url' (string)",
               "c.yaml:2:1: systems.erp.urll: unknown key 'urll' (did you mean 'url'?)"}));
  CHECK(util::contains_secret("section-secret-7"));
}
