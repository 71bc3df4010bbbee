// The core's own configuration schema: the top-level sections and the keys every system
// section has, whatever its connector. A connector's spec is merged into the system keys.
#include "core/config/config.hpp"

namespace coopsync::config {
namespace {

using nlohmann::json;
namespace fs = field_spec;

ObjectSpec kind_policy_spec() {
  ObjectSpec s("How a system takes part in one entity kind.");
  s.add(fs::boolean("read").fallback(true).describe("Take changes of this kind from the system"));
  s.add(fs::boolean("create").fallback(true).describe("May create records of this kind there"));
  s.add(fs::boolean("update").fallback(true).describe("May update records of this kind there"));
  s.add(fs::one_of("on_delete", {"ignore", "disable", "delete"})
            .fallback("disable")
            .describe("When the entity leaves (deleted or out of scope at its source): leave the "
                      "record, disable it, or delete it here"));
  s.add(fs::string_list("owns").describe(
      "Canonical fields this system is the authority for: its changes win, others' are "
      "overwritten"));
  s.add(fs::string_list("fields").describe(
      "When given, the only canonical fields synced with this system"));
  return s;
}

ObjectSpec kinds_spec() {
  ObjectSpec s(
      "Entity kinds this system takes part in; absent: every kind its connector "
      "supports, with default policies.");
  for (EntityKind kind : kAllKinds) {
    s.add(fs::object(to_string(kind), kind_policy_spec()));
  }
  return s;
}

ObjectSpec retry_spec() {
  ObjectSpec s("Retries of failed writes: exponential backoff with jitter, then a dead letter.");
  s.add(fs::integer("max_attempts")
            .fallback(8)
            .range(1, 100)
            .describe("Attempts before an outbox entry becomes a dead letter"));
  s.add(fs::duration("initial_backoff").fallback("1s").describe("Wait after the first failure"));
  s.add(fs::duration("max_backoff").fallback("5m").describe("Longest wait between attempts"));
  return s;
}

ObjectSpec match_spec() {
  ObjectSpec s(
      "Identity rules: per kind, the canonical fields whose normalised value joins "
      "an unlinked record to an existing entity, tried in order. Several matches are "
      "a conflict, never a guess.");
  s.add(fs::string_list("person").fallback(json::array({"email", "phone"})));
  s.add(fs::string_list("group").fallback(json::array({"slug"})));
  s.add(fs::string_list("membership").describe("Usually empty: linked through person and group"));
  s.add(fs::string_list("event"));
  s.add(fs::string_list("registration").describe("Usually empty: linked through person and event"));
  return s;
}

ObjectSpec make_core_spec() {
  ObjectSpec store("The mapping store: links, snapshots, cursors, outbox, conflicts, audit.");
  store.add(fs::one_of("driver", {"sqlite", "postgres"})
                .fallback("sqlite")
                .describe("sqlite: one local file; postgres: shared by several daemon replicas"));
  store.add(fs::string("path")
                .fallback("coopsync.db")
                .describe("SQLite file; relative paths resolve against this file's folder"));
  store.add(fs::secret("dsn").describe(
      "PostgreSQL connection string (may hold a password), e.g. ${COOPSYNC_PG_DSN}"));

  ObjectSpec identity("How records of different systems are recognised as the same entity.");
  identity.add(fs::string("default_region")
                   .fallback("FR")
                   .describe("ISO 3166 country for phone numbers written without +code"));
  identity.add(fs::object("match", match_spec()).fallback(json::object()));

  ObjectSpec engine("The reconciliation pass.");
  engine.add(fs::one_of("conflict_policy", {"newest", "prefer_system", "manual"})
                 .fallback("newest")
                 .describe("Two different changes to a field nobody owns: the newest wins, "
                           "prefer_system's wins, or a conflict waits for a human"));
  engine.add(fs::string("prefer_system")
                 .describe("The system whose change wins under conflict_policy: prefer_system"));
  engine.add(fs::one_of("when_full", {"refuse", "waitlist"})
                 .fallback("waitlist")
                 .describe("A registration beyond an event's capacity"));
  engine.add(fs::integer("page_size")
                 .fallback(500)
                 .range(1, 10000)
                 .describe("Records asked per page when pulling changes"));

  ObjectSpec daemon("`coopsync daemon`: the background service.");
  daemon.add(fs::string("listen")
                 .fallback("127.0.0.1:8787")
                 .describe("host:port of the health, metrics, webhook and control endpoint"));
  daemon.add(fs::string("control_token_file")
                 .describe("File holding the token the CLI presents to the daemon; relative to "
                           "this file's folder"));
  daemon.add(
      fs::secret("webhook_secret")
          .describe(
              "Shared secret that inbound webhooks must carry; webhooks are refused without it"));

  ObjectSpec logging("Logs go to stderr; secrets are redacted from every line.");
  logging.add(fs::one_of("format", {"text", "json"})
                  .fallback("text")
                  .describe("text: human lines; json: one JSON object per line"));
  logging.add(fs::one_of("level", {"trace", "debug", "info", "warn", "error", "critical", "off"})
                  .fallback("info"));

  ObjectSpec spec("coopsync configuration");
  spec.add(fs::object("store", std::move(store)).fallback(json::object()));
  spec.add(fs::object("identity", std::move(identity)).fallback(json::object()));
  spec.add(fs::object("engine", std::move(engine)).fallback(json::object()));
  spec.add(fs::object("daemon", std::move(daemon)).fallback(json::object()));
  spec.add(fs::object("logging", std::move(logging)).fallback(json::object()));
  spec.add(fs::object_map("systems", common_system_spec())
               .describe("The systems kept in agreement, by name; each section holds the common "
                         "keys below plus its connector's own (`coopsync connectors describe`)"));
  return spec;
}

ObjectSpec make_common_system_spec() {
  ObjectSpec s("Keys every system section has, whatever its connector.");
  s.add(fs::string("type").require().describe(
      "Connector type: odoo, nextcloud, matrix, mobilizon..."));
  s.add(fs::boolean("enabled").fallback(true).describe("false: validated but left out of passes"));
  s.add(fs::duration("poll_interval")
            .fallback("60s")
            .describe(
                "How often the daemon pulls changes (push-capable connectors wait up to this)"));
  s.add(fs::duration("full_read_interval")
            .fallback("5m")
            .describe(
                "How often the daemon reads in whole what this system has no change feed for "
                "(Nextcloud's users and groups, Matrix's accounts and rooms): each poll and "
                "stream event reads only the changes; never more often than poll_interval; "
                "0s: on every poll"));
  s.add(fs::integer("max_in_flight")
            .fallback(4)
            .range(1, 64)
            .describe("Most requests open at once to this system within a pass (a ceiling "
                      "the core enforces on every HTTP client it gives the connector; "
                      "connectors that send in parallel use up to this many)"));
  s.add(fs::integer("batch_size")
            .fallback(100)
            .range(1, 1000)
            .describe("Writes sent in one request where the API allows batching"));
  s.add(fs::object("retry", retry_spec()).fallback(json::object()));
  s.add(fs::one_of("forget", {"delete", "anonymize"})
            .fallback("delete")
            .describe("What `coopsync forget` (GDPR erasure) does to the person's record here"));
  s.add(fs::object("kinds", kinds_spec()));
  return s;
}

}  // namespace

const ObjectSpec& core_spec() {
  static const ObjectSpec spec = make_core_spec();
  return spec;
}

const ObjectSpec& common_system_spec() {
  static const ObjectSpec spec = make_common_system_spec();
  return spec;
}

}  // namespace coopsync::config
