#pragma once
// Where secrets and other values come from outside the YAML: `${VAR}` references to the
// environment and `<name>_file: /path` files. Nothing here logs or formats a value: the
// messages name variables and paths only.
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"

namespace coopsync::config {

// Looks a variable up; nullopt when unset. The default reads the process environment.
using EnvLookup = std::function<std::optional<std::string>(const std::string& name)>;
EnvLookup process_env();

struct Expansion {
  std::string value;                  // the text with every reference replaced
  std::vector<std::string> missing;   // unset variables without a default, by name
  std::vector<std::string> inserted;  // the values that were substituted (to register them)
  bool has_reference = false;         // the text contained at least one ${...}
  bool whole_reference = false;       // the text was exactly one ${...}, nothing around it
  std::string malformed;              // why the text could not be read ("unterminated ${")
};

// Replaces `${NAME}` (NAME = [A-Za-z_][A-Za-z0-9_]*) by the variable's value and
// `${NAME:-fallback}` by the value or, when unset or empty, the fallback. `$${` gives a
// literal `${`. Any other `$` is kept as is.
Expansion expand_env(std::string_view text, const EnvLookup& env);

struct SecretFile {
  std::string value;             // content with trailing CR/LF removed
  bool others_readable = false;  // mode allows group or world to read it
};

// Reads a secret file: must be a regular file of at most 64 KiB, readable by us; empty
// after the trailing newline is removed counts as an error. Errors are kInvalidInput and
// name the path and the reason, never the content.
Result<SecretFile> read_secret_file(const std::string& path);

}  // namespace coopsync::config
