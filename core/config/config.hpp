#pragma once
// The loaded, validated configuration. Produced by load_config() from YAML (see
// config/example.yaml for every key, with comments); consumed by the engine, the CLI and
// the daemon. Connector-specific keys stay as JSON in SystemConfig::settings, validated
// against the connector's declared ObjectSpec, so the core never knows a connector.
#include "core/config/spec.hpp"
#include "core/model/entity.hpp"

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace coopsync {
class ConnectorRegistry;
}

namespace coopsync::config {

// What coopsync does in a system when the canonical entity leaves (tag removed, deleted
// at its source): nothing, disable the record there, or delete it.
enum class DeletePolicy { kIgnore, kDisable, kDelete };
// What `coopsync forget` does in a system: delete the record or anonymise it.
enum class ForgetPolicy { kDelete, kAnonymize };
// Two different changes to a field nobody owns: newest change wins, a named system wins,
// or a conflict waits for a human.
enum class ConflictPolicy { kNewest, kPreferSystem, kManual };
// A registration that would exceed an event's capacity.
enum class FullPolicy { kRefuse, kWaitlist };

struct KindPolicy {
  bool read = true;     // take changes of this kind from the system
  bool create = true;   // may create records of this kind there
  bool update = true;   // may update them there
  DeletePolicy on_delete = DeletePolicy::kDisable;
  std::vector<std::string> owns;    // canonical fields this system is the authority for
  std::vector<std::string> fields;  // when non-empty: the only canonical fields synced here
};

struct RetryPolicy {
  int max_attempts = 8;  // then the outbox entry becomes a dead letter
  std::chrono::milliseconds initial_backoff{1000};
  std::chrono::milliseconds max_backoff{300000};
};

struct SystemConfig {
  std::string name;  // key under `systems:` ("odoo", "cloud"...), used in links and --only
  std::string type;  // connector type in the registry
  bool enabled = true;
  std::chrono::milliseconds poll_interval{60000};
  // Daemon: how often the kinds without a change feed (Capabilities::listed_kinds) are read
  // whole; poll_interval at the least; 0: on every poll.
  std::chrono::milliseconds full_read_interval{300000};
  int max_in_flight = 4;
  int batch_size = 100;
  RetryPolicy retry;
  ForgetPolicy forget = ForgetPolicy::kDelete;
  std::map<EntityKind, KindPolicy> kinds;  // kinds this system takes part in
  // The whole section normalised (common and connector keys): defaults applied, durations
  // in milliseconds, ${VAR} expanded, secrets resolved (and registered for redaction).
  nlohmann::json settings = nlohmann::json::object();
  int line = 0;  // where the section starts, for messages
};

struct IdentityConfig {
  std::string default_region = "FR";  // phones without a country code
  // Ordered identity rules per kind: canonical fields whose normalised value joins records.
  // Default: person -> [email, phone]; group -> [slug]; others -> [] (linked by refs only).
  std::map<EntityKind, std::vector<std::string>> match;
};

struct EngineConfig {
  ConflictPolicy conflict_policy = ConflictPolicy::kNewest;
  std::string prefer_system;  // for kPreferSystem
  FullPolicy when_full = FullPolicy::kWaitlist;
  int page_size = 500;
};

struct StoreConfig {
  std::string driver = "sqlite";  // sqlite | postgres
  std::string path = "coopsync.db";
  std::string dsn;                // postgres (a secret: may hold a password)
};

struct DaemonConfig {
  std::string listen = "127.0.0.1:8787";
  std::string control_token_file;  // the CLI authenticates to the daemon with it
  std::string webhook_secret;      // required for inbound webhooks
};

struct LoggingConfig {
  std::string format = "text";  // text | json
  std::string level = "info";
};

struct Config {
  std::string path;  // the file it came from
  StoreConfig store;
  IdentityConfig identity;
  EngineConfig engine;
  DaemonConfig daemon;
  LoggingConfig logging;
  std::vector<SystemConfig> systems;

  const SystemConfig* system(const std::string& name) const {
    for (const auto& s : systems) {
      if (s.name == name) return &s;
    }
    return nullptr;
  }
};

struct LoadResult {
  std::optional<Config> config;     // set when there is no issue
  std::vector<ConfigIssue> issues;  // every problem found, in file order
  // Accepted but discouraged (a secret written literally, a secret file others can read):
  // worth printing, never a reason to refuse the file.
  std::vector<ConfigIssue> warnings;
};

// Loads and validates a YAML file: top-level keys against the core's schema, each system
// section against the core's common system keys merged with its connector's spec (looked
// up by `type` in the registry). Never throws; never puts a secret in an issue.
LoadResult load_config(const std::string& path, const ConnectorRegistry& registry);
// Same, from text (tests); `file` names it in messages.
LoadResult load_config_text(const std::string& text, const std::string& file,
                            const ConnectorRegistry& registry);

// Parses "250ms", "30s", "5m", "1h", "2d" or a bare integer (seconds).
std::optional<std::chrono::milliseconds> parse_duration(const std::string& text);

// The core's schema: top-level keys, and the keys every system section has.
const ObjectSpec& core_spec();
const ObjectSpec& common_system_spec();

}  // namespace coopsync::config
