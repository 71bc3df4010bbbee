#pragma once
// Internal to the config loader (load.cpp, checks.cpp, fill.cpp): the pieces between a
// parsed YAML document and a Config. Not for use outside core/config.
#include <yaml-cpp/yaml.h>

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "core/config/config.hpp"
#include "core/connector/connector.hpp"

namespace coopsync::config::detail {

// The value under `key` in a mapping, found by iteration (never inserts, never throws);
// an undefined node when `map` is not a mapping or has no such key.
YAML::Node child(const YAML::Node& map, std::string_view key);
// The mark of `key` itself in `map`, or `fallback`.
YAML::Mark key_mark(const YAML::Node& map, std::string_view key, const YAML::Mark& fallback);

struct SystemSection {
  std::string name;
  YAML::Mark mark;                      // of its key under `systems:`
  YAML::Node node;                      // the section as written
  nlohmann::json value;                 // normalised (valid only when the section had no issue)
  const ConnectorInfo* info = nullptr;  // null: type missing or unknown
};

// Rules that span keys or sections, which a per-field schema cannot express: kind and
// field names against the canonical model and the connector's capabilities, one owner
// per field, prefer_system naming a system, postgres needing a dsn... Appends issues.
void check_cross_rules(const YAML::Node& root, const nlohmann::json& core,
                       const std::vector<SystemSection>& systems, const std::string& file,
                       std::vector<ConfigIssue>& issues);

// Builds the Config from normalised JSON that passed every check. Relative store.path and
// daemon.control_token_file resolve against `base_dir` (the config file's folder).
Config fill_config(const nlohmann::json& core, const std::vector<SystemSection>& systems,
                   const std::string& path, const std::string& base_dir);

}  // namespace coopsync::config::detail
