#pragma once
// A declared configuration schema, in the spirit of Benthos' ConfigSpec and userver's
// static-config schemas: every component (the core and each connector) describes its keys
// as data, the core validates a YAML section against it and reports *every* problem with
// file:line:column, and `coopsync connectors describe` prints it as documentation.
#include <nlohmann/json.hpp>

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace coopsync::config {

enum class FieldType {
  kString,
  kInt,
  kBool,
  kDuration,    // "30s", "5m", "1h", "250ms" or an integer number of seconds -> milliseconds
  kSecret,      // "${ENV}" or `<name>_file: path`; resolved value is registered for redaction
  kEnum,        // one of enum_values
  kStringList,  // sequence of strings
  kObject,      // nested ObjectSpec
  kObjectList,  // sequence of nested ObjectSpec
  kStringMap,   // mapping string -> string
  kObjectMap,   // mapping string -> nested ObjectSpec (e.g. `systems:`)
};

const char* to_string(FieldType type);

class ObjectSpec;

struct FieldSpec {
  std::string name;
  FieldType type = FieldType::kString;
  bool required = false;
  std::optional<nlohmann::json> default_value;  // applied when absent; checked and normalised
                                                 // like a YAML value ("30s" or 30 = seconds)
  std::string description;                       // user-facing documentation
  std::vector<std::string> enum_values;          // kEnum
  std::optional<long long> min, max;             // kInt bounds (inclusive)
  std::shared_ptr<const ObjectSpec> object;      // kObject / kObjectList / kObjectMap

  // Builder helpers: Field::string("url").required_().describe("...")
  FieldSpec& require() { required = true; return *this; }
  FieldSpec& describe(std::string text) { description = std::move(text); return *this; }
  FieldSpec& fallback(nlohmann::json value) { default_value = std::move(value); return *this; }
  FieldSpec& range(long long lo, long long hi) { min = lo; max = hi; return *this; }
};

namespace field_spec {
FieldSpec string(std::string name);
FieldSpec integer(std::string name);
FieldSpec boolean(std::string name);
FieldSpec duration(std::string name);
FieldSpec secret(std::string name);
FieldSpec one_of(std::string name, std::vector<std::string> values);
FieldSpec string_list(std::string name);
FieldSpec string_map(std::string name);
FieldSpec object(std::string name, ObjectSpec spec);
FieldSpec object_list(std::string name, ObjectSpec spec);
FieldSpec object_map(std::string name, ObjectSpec spec);
}  // namespace field_spec

// An object's keys. Unknown keys are errors unless allow_unknown_keys() was called.
class ObjectSpec {
 public:
  ObjectSpec() = default;
  explicit ObjectSpec(std::string summary) : summary_(std::move(summary)) {}

  ObjectSpec& add(FieldSpec field);
  // Adds every field of `other` (how a connector's keys join the core's common system keys).
  ObjectSpec& merge(const ObjectSpec& other);
  ObjectSpec& allow_unknown_keys() { allow_unknown_ = true; return *this; }

  const std::vector<FieldSpec>& fields() const { return fields_; }
  const FieldSpec* find(const std::string& name) const;
  bool allows_unknown_keys() const { return allow_unknown_; }
  const std::string& summary() const { return summary_; }

  // Documentation text (indented YAML-like listing with types, defaults, descriptions).
  std::string describe(int indent = 0) const;

 private:
  std::string summary_;
  std::vector<FieldSpec> fields_;
  bool allow_unknown_ = false;
};

// One problem found in a config file, positioned for humans: "file:14:7: path: message".
struct ConfigIssue {
  std::string file;
  int line = 0;    // 1-based; 0 when unknown
  int column = 0;  // 1-based
  std::string path;  // "systems.odoo.max_in_flight"
  std::string message;
  std::string to_string() const;
};

// One issue per line, "file:line:col: path: message\n" (`coopsync config validate`).
std::string format_issues(const std::vector<ConfigIssue>& issues);

}  // namespace coopsync::config
