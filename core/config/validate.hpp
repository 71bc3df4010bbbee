#pragma once
// Validation of a YAML section against a declared ObjectSpec: every problem is collected
// (never only the first), each positioned at the offending node as "file:line:col: path:
// message" with the expected shape, and the section is normalised to JSON for the code
// that consumes it (defaults applied, durations in milliseconds, `${VAR}` expanded,
// secrets resolved from the environment or `<name>_file` and registered for redaction).
//
// No secret value ever appears in an issue: values of secret fields are never quoted, and
// every message is passed through util::redact() once all secrets are known, so a secret
// pasted into the wrong field is hidden too.
#include <yaml-cpp/yaml.h>

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "core/config/secrets.hpp"
#include "core/config/spec.hpp"

namespace coopsync::config {

struct ValidateOptions {
  std::string base_dir;                // relative `<name>_file` paths resolve against it
  EnvLookup env;                       // empty: the process environment
  std::vector<std::string> skip_keys;  // top-level keys the caller validates itself
  std::optional<YAML::Mark> anchor;    // where "missing key" issues of the top level point
                                       // (the key holding the section); default: the node
};

struct Validated {
  nlohmann::json value = nlohmann::json::object();  // normalised section
  std::vector<ConfigIssue> issues;                  // errors, in file order
  std::vector<ConfigIssue> warnings;                // accepted but discouraged (literal secrets)
};

// Validates `node` (a mapping) against `spec`. `path_prefix` is the dotted path of the
// section ("" for the top level, "systems.odoo" for a system). Never throws for any input.
Validated validate_normalised(const YAML::Node& node, const ObjectSpec& spec,
                              const std::string& file, const std::string& path_prefix,
                              const ValidateOptions& options = {});

// The issues only (secrets are still resolved, to check that they resolve).
std::vector<ConfigIssue> validate(const YAML::Node& node, const ObjectSpec& spec,
                                  const std::string& file, const std::string& path_prefix);

// Orders issues by position (stable), file-level issues (line 0) first.
void sort_issues(std::vector<ConfigIssue>& issues);

// Redacts every registered secret from messages and paths (idempotent).
void redact_issues(std::vector<ConfigIssue>& issues);

// A YAML value as JSON with no schema (keys a permissive spec accepts): plain scalars that
// read as integers or booleans become numbers or booleans, everything else strings.
// Bounded: at most `budget` nodes are converted (aliases can make a small file a huge
// tree), the rest become null and `budget` ends at 0; deeper than 32 levels -> null.
nlohmann::json yaml_to_json(const YAML::Node& node, std::size_t& budget);
nlohmann::json yaml_to_json(const YAML::Node& node);  // budget 100,000 nodes

// 1-based line/column of a mark; 0 when yaml-cpp has none (a null mark is -1).
int display_line(const YAML::Mark& mark);
int display_column(const YAML::Mark& mark);

}  // namespace coopsync::config
