// load_config: the core's sections, systems validated against their connector's spec,
// cross-key rules, and the Config the engine receives.
#include <doctest/doctest.h>

#include <cstdlib>
#include <fstream>
#include <iterator>
#include <memory>
#include <regex>

#include "core/config/config.hpp"
#include "tests/unit/config_test_util.hpp"

using namespace coopsync;
using namespace coopsync::config;
using coopsync::config::testing::example_registry;
using coopsync::config::testing::issue_text;
using coopsync::config::testing::lines;
using coopsync::config::testing::strict_registry;
using coopsync::config::testing::TempDir;
using std::chrono::milliseconds;

TEST_CASE("an empty file gives the documented defaults") {
  const auto registry = strict_registry();
  const LoadResult r = load_config_text("", "coopsync.yaml", registry);
  REQUIRE(r.issues.empty());
  const Config& c = *r.config;
  CHECK(c.store.driver == "sqlite");
  CHECK(c.store.path == "coopsync.db");
  CHECK(c.identity.default_region == "FR");
  CHECK(c.identity.match.at(EntityKind::kPerson) == std::vector<std::string>{"email", "phone"});
  CHECK(c.identity.match.at(EntityKind::kGroup) == std::vector<std::string>{"slug"});
  CHECK(c.identity.match.at(EntityKind::kEvent).empty());
  CHECK(c.engine.conflict_policy == ConflictPolicy::kNewest);
  CHECK(c.engine.when_full == FullPolicy::kWaitlist);
  CHECK(c.engine.page_size == 500);
  CHECK(c.daemon.listen == "127.0.0.1:8787");
  CHECK(c.logging.format == "text");
  CHECK(c.logging.level == "info");
  CHECK(c.systems.empty());
}

TEST_CASE("a system section fills SystemConfig, with connector keys in settings") {
  const auto registry = strict_registry();
  const LoadResult r = load_config_text(
      "engine: {conflict_policy: prefer_system, prefer_system: erp, when_full: refuse}\n"
      "systems:\n"
      "  erp:\n"
      "    type: testconn\n"
      "    url: https://erp.example\n"
      "    poll_interval: 2m\n"
      "    max_in_flight: 8\n"
      "    retry: {max_attempts: 3, initial_backoff: 500ms, max_backoff: 1m}\n"
      "    forget: anonymize\n"
      "    kinds:\n"
      "      person: {owns: [email, given_name], on_delete: ignore, create: false}\n"
      "      group:\n"
      "  chat:\n"
      "    type: other\n"
      "    enabled: no\n"
      "    url: https://chat.example\n",
      "t.yaml", registry);
  REQUIRE(issue_text(r.issues) == "");
  const Config& c = *r.config;
  CHECK(c.engine.conflict_policy == ConflictPolicy::kPreferSystem);
  CHECK(c.engine.prefer_system == "erp");
  CHECK(c.engine.when_full == FullPolicy::kRefuse);
  REQUIRE(c.systems.size() == 2);
  const SystemConfig* erp = c.system("erp");
  REQUIRE(erp != nullptr);
  CHECK(erp->type == "testconn");
  CHECK(erp->line == 3);
  CHECK(erp->enabled);
  CHECK(erp->poll_interval == milliseconds(120000));
  CHECK(erp->max_in_flight == 8);
  CHECK(erp->batch_size == 100);
  CHECK(erp->retry.max_attempts == 3);
  CHECK(erp->retry.initial_backoff == milliseconds(500));
  CHECK(erp->retry.max_backoff == milliseconds(60000));
  CHECK(erp->forget == ForgetPolicy::kAnonymize);
  REQUIRE(erp->kinds.size() == 2);
  const KindPolicy& person = erp->kinds.at(EntityKind::kPerson);
  CHECK(person.read);
  CHECK_FALSE(person.create);
  CHECK(person.update);
  CHECK(person.on_delete == DeletePolicy::kIgnore);
  CHECK(person.owns == std::vector<std::string>{"email", "given_name"});
  CHECK(erp->kinds.at(EntityKind::kGroup).on_delete == DeletePolicy::kDisable);
  CHECK(erp->settings["url"] == "https://erp.example");
  CHECK(erp->settings["timeout"] == 30000);  // connector default, normalised
  CHECK(erp->settings["mode"] == "safe");
  const SystemConfig* chat = c.system("chat");
  REQUIRE(chat != nullptr);
  CHECK_FALSE(chat->enabled);
  // No `kinds:` -> every kind the connector handles.
  CHECK(chat->kinds.size() == 2);
  CHECK(chat->kinds.count(EntityKind::kPerson) == 1);
}

TEST_CASE("an unknown connector type lists the known types; its other keys are still checked") {
  const auto registry = strict_registry();
  const LoadResult r = load_config_text(
      "systems:\n"
      "  erp:\n"
      "    type: testcon\n"
      "    anything: goes\n"
      "    max_in_flight: many\n"
      "  x:\n"
      "    url: u\n",
      "t.yaml", registry);
  CHECK(issue_text(r.issues) ==
        lines({
            "t.yaml:3:11: systems.erp.type: unknown connector type 'testcon' (did you mean "
            "'testconn'?); known types: other, testconn",
            "t.yaml:5:20: systems.erp.max_in_flight: expected integer, got string 'many'",
            "t.yaml:6:3: systems.x: missing required key 'type' (string: Connector type: odoo, "
            "nextcloud, matrix, mobilizon...)",
        }));
  const ConnectorRegistry empty;
  const LoadResult none = load_config_text("systems:\n  a: {type: odoo}\n", "t.yaml", empty);
  REQUIRE(none.issues.size() == 1);
  CHECK(none.issues[0].message == "unknown connector type 'odoo'; known types: none compiled in");
}

TEST_CASE("kind names and field names are checked against the canonical model") {
  const auto registry = strict_registry();
  const LoadResult r = load_config_text(
      "identity:\n"
      "  default_region: fr\n"
      "  match:\n"
      "    person: [email, phone_number]\n"
      "    groups: [slug]\n"
      "systems:\n"
      "  erp:\n"
      "    type: testconn\n"
      "    url: u\n"
      "    kinds:\n"
      "      persons: {}\n",
      "t.yaml", registry);
  // Unknown kind names are schema issues (reported first); field names are checked once
  // the sections are valid.
  CHECK(issue_text(r.issues) ==
        lines({
            "t.yaml:5:5: identity.match.groups: unknown key 'groups' (did you mean 'group'?)",
            "t.yaml:11:7: systems.erp.kinds.persons: unknown key 'persons' (did you mean "
            "'person'?)",
        }));
  const LoadResult fields = load_config_text(
      "identity:\n"
      "  default_region: fr\n"
      "  match:\n"
      "    person: [email, phone_number]\n"
      "systems:\n"
      "  erp:\n"
      "    type: testconn\n"
      "    url: u\n"
      "    kinds:\n"
      "      person: {owns: [emial], fields: [email, phone]}\n"
      "      event: {fields: [title, capacity]}\n",
      "t.yaml", registry);
  CHECK(issue_text(fields.issues) ==
        lines({
            "t.yaml:2:19: identity.default_region: expected a two-letter ISO 3166 country code "
            "in capitals (FR, BE, CH...)",
            "t.yaml:4:21: identity.match.person[1]: 'phone_number' is not a field of person "
            "(fields: given_name, family_name, display_name, email, phone, locale, active, "
            "member_number)",
            "t.yaml:10:23: systems.erp.kinds.person.owns[0]: 'emial' is not a field of person "
            "(did you mean 'email'?)",
            "t.yaml:10:23: systems.erp.kinds.person.owns[0]: 'emial' is owned here but not in "
            "this kind's fields",
            "t.yaml:11:7: systems.erp.kinds.event: connector 'testconn' does not handle event "
            "(it handles: person, group)",
        }));
}

TEST_CASE("cross-key rules: prefer_system, postgres dsn, backoff order, one owner per field") {
  const auto registry = strict_registry();
  const LoadResult r = load_config_text(
      "store: {driver: postgres}\n"
      "engine:\n"
      "  conflict_policy: prefer_system\n"
      "  prefer_system: erq\n"
      "systems:\n"
      "  erp:\n"
      "    type: testconn\n"
      "    url: u\n"
      "    retry: {initial_backoff: 10m, max_backoff: 1m}\n"
      "    kinds: {person: {owns: [email]}}\n"
      "  crm:\n"
      "    type: other\n"
      "    url: u\n"
      "    kinds: {person: {owns: [phone, email]}}\n",
      "t.yaml", registry);
  CHECK(issue_text(r.issues) ==
        lines({
            "t.yaml:1:9: store: driver postgres needs dsn (e.g. dsn: ${COOPSYNC_PG_DSN} or "
            "dsn_file: /path)",
            "t.yaml:4:18: engine.prefer_system: 'erq' is not a system of this file (did you "
            "mean 'erp'?)",
            "t.yaml:9:5: systems.erp.retry: initial_backoff is longer than max_backoff",
            "t.yaml:14:36: systems.crm.kinds.person.owns[1]: 'email' of person is already "
            "owned by system 'erp'",
        }));
  const LoadResult missing =
      load_config_text("engine: {conflict_policy: prefer_system}\n", "t.yaml", registry);
  CHECK(issue_text(missing.issues) == lines({"t.yaml:1:10: engine.conflict_policy: conflict_policy "
                                             "prefer_system needs engine.prefer_system"}));
}

TEST_CASE("relative paths resolve against the config file's folder") {
  TempDir dir;
  std::filesystem::create_directories(dir.path() / "etc");
  const std::string file = dir.write(
      "etc/coopsync.yaml", "store: {path: data/map.db}\ndaemon: {control_token_file: token}\n");
  const auto registry = strict_registry();
  const LoadResult r = load_config(file, registry);
  REQUIRE(r.issues.empty());
  CHECK(r.config->path == file);
  CHECK(r.config->store.path == (dir.path() / "etc" / "data" / "map.db").string());
  CHECK(r.config->daemon.control_token_file == (dir.path() / "etc" / "token").string());
  const LoadResult abs =
      load_config_text("store: {path: /var/lib/c.db}\n", "/etc/c.yaml", registry);
  CHECK(abs.config->store.path == "/var/lib/c.db");
}

TEST_CASE("a missing or unreadable file is an issue, not an exception") {
  const auto registry = strict_registry();
  TempDir dir;
  const LoadResult r = load_config((dir.path() / "nope.yaml").string(), registry);
  REQUIRE(r.issues.size() == 1);
  CHECK(r.issues[0].to_string() ==
        (dir.path() / "nope.yaml").string() + ": cannot read: No such file or directory");
  const LoadResult d = load_config(dir.path().string(), registry);
  REQUIRE(d.issues.size() == 1);
  CHECK(d.issues[0].message == "cannot read: not a regular file");
}

namespace {

std::string example_path() {
  const char* source = std::getenv("COOPSYNC_SOURCE_DIR");
  return std::string(source != nullptr ? source : COOPSYNC_SOURCE_DIR) + "/config/example.yaml";
}

// Gives every ${VAR} the example mentions a dummy value, so the example validates
// whatever variable names the connector authors chose for their secrets.
std::vector<std::unique_ptr<testing::ScopedEnv>> example_env() {
  std::ifstream in(example_path());
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::vector<std::unique_ptr<testing::ScopedEnv>> vars;
  static const std::regex reference(R"(\$\{([A-Za-z_][A-Za-z0-9_]*))");
  for (auto it = std::sregex_iterator(text.begin(), text.end(), reference);
       it != std::sregex_iterator(); ++it) {
    const std::string name = (*it)[1];
    vars.push_back(std::make_unique<testing::ScopedEnv>(name, "example-value-of-" + name));
  }
  return vars;
}

void check_example(const ConnectorRegistry& registry) {
  const auto env = example_env();
  const LoadResult r = load_config(example_path(), registry);
  CHECK(issue_text(r.issues) == "");
  CHECK(issue_text(r.warnings) == "");
  REQUIRE(r.config.has_value());
  const Config& cfg = *r.config;
  REQUIRE(cfg.systems.size() == 4);
  for (const char* type : {"odoo", "nextcloud", "matrix", "mobilizon"}) {
    bool found = false;
    for (const auto& s : cfg.systems) found = found || s.type == type;
    CHECK_MESSAGE(found, type);
  }
  CHECK(cfg.daemon.webhook_secret == "example-value-of-COOPSYNC_WEBHOOK_SECRET");
  for (const auto& s : cfg.systems) CHECK_FALSE(s.kinds.empty());
}

}  // namespace

TEST_CASE("config/example.yaml loads (core keys; connectors as permissive test types)") {
  check_example(example_registry());
}
