#pragma once
// Small parsers and text helpers the config validator is built from. Pure functions,
// exposed for tests and for connectors that parse their own settings.
#include <yaml-cpp/yaml.h>

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace coopsync::config {

// A decimal integer, optional sign, nothing else (no spaces, no "1e3", no "0x10").
std::optional<long long> parse_integer(std::string_view text);

// YAML 1.1/1.2 booleans as people write them: true/false, yes/no, on/off (any case).
std::optional<bool> parse_boolean(std::string_view text);

// "250ms", "30s", "5m", "1h", "2d", combinations in decreasing order ("1h30m"), or a
// bare integer meaning seconds. At most 366 days; negative or malformed -> nullopt.
std::optional<std::chrono::milliseconds> parse_duration_text(std::string_view text);

// What a node is, for "expected X, got Y" messages: "string 'abc'", "mapping",
// "sequence", "null". Scalars are quoted and cut to a readable length, with control
// characters escaped. The caller redacts the final message.
std::string describe_node(const YAML::Node& node);

// The candidate closest to `word` (edit distance, with '_' and '-' ignored as a cheap
// extra match) when it is close enough to be a plausible typo; otherwise empty.
std::string closest_match(std::string_view word, const std::vector<std::string>& candidates);

// "a | b | c"
std::string join(const std::vector<std::string>& items, std::string_view separator);

}  // namespace coopsync::config
