#include "core/config/validate.hpp"

#include <algorithm>
#include <filesystem>
#include <map>

#include "core/config/scalars.hpp"
#include "core/util/redact.hpp"

namespace coopsync::config {
namespace {

using nlohmann::json;

// A broken file can produce one issue per line; past this many, the rest only count.
constexpr std::size_t kMaxIssues = 200;
// Values converted without a schema (keys a permissive spec accepts), in all.
constexpr std::size_t kJsonBudget = 200000;

std::string join_path(const std::string& prefix, const std::string& key) {
  return prefix.empty() ? key : prefix + "." + key;
}

std::string item_path(const std::string& path, std::size_t index) {
  return path + "[" + std::to_string(index) + "]";
}

YAML::Mark mark_or(const YAML::Mark& mark, const YAML::Mark& fallback) {
  return mark.is_null() ? fallback : mark;
}

std::vector<std::string> known_keys(const ObjectSpec& spec) {
  std::vector<std::string> keys;
  for (const auto& f : spec.fields()) {
    keys.push_back(f.name);
    if (f.type == FieldType::kSecret) keys.push_back(f.name + "_file");
  }
  return keys;
}

bool is_file_sibling(const ObjectSpec& spec, const std::string& key) {
  constexpr std::string_view kSuffix = "_file";
  if (key.size() <= kSuffix.size() ||
      key.compare(key.size() - kSuffix.size(), kSuffix.size(), kSuffix) != 0) {
    return false;
  }
  const FieldSpec* f = spec.find(key.substr(0, key.size() - kSuffix.size()));
  return f != nullptr && f->type == FieldType::kSecret;
}

// "integer", "one of a | b", ... with the description, for "missing key" messages.
std::string shape(const FieldSpec& f) {
  std::string text = to_string(f.type);
  if (f.type == FieldType::kEnum) text = "one of " + join(f.enum_values, " | ");
  if (!f.description.empty()) text += ": " + f.description;
  return text;
}

struct Entry {
  YAML::Node key;
  YAML::Node value;
};

class Walker {
 public:
  Walker(const std::string& file, const ValidateOptions& options, Validated& out)
      : file_(file),
        options_(options),
        out_(out),
        env_(options.env ? options.env : process_env()) {}

  std::optional<json> object(const YAML::Node& node, const ObjectSpec& spec,
                             const std::string& path, const YAML::Mark& anchor,
                             const std::vector<std::string>* skip);
  std::size_t dropped() const { return dropped_; }

 private:
  void issue(const YAML::Mark& mark, const std::string& path, std::string message) {
    if (out_.issues.size() >= kMaxIssues) {
      ++dropped_;
      return;
    }
    out_.issues.push_back(make(mark, path, std::move(message)));
  }
  void warn(const YAML::Mark& mark, const std::string& path, std::string message) {
    if (out_.warnings.size() < kMaxIssues)
      out_.warnings.push_back(make(mark, path, std::move(message)));
  }
  ConfigIssue make(const YAML::Mark& mark, const std::string& path, std::string message) const {
    const YAML::Mark& where = default_anchor_ ? *default_anchor_ : mark;
    return ConfigIssue{file_, display_line(where), display_column(where), path, std::move(message)};
  }

  std::optional<json> value(const YAML::Node& node, const FieldSpec& f, const std::string& path,
                            const YAML::Mark& key_mark);
  std::optional<Expansion> expanded(const YAML::Node& node, const std::string& path,
                                    const YAML::Mark& mark, const char* expected);
  std::optional<json> scalar(const YAML::Node& node, const FieldSpec& f, const std::string& path,
                             const YAML::Mark& mark);
  std::optional<json> secret(const YAML::Node& node, const std::string& path,
                             const YAML::Mark& mark, const std::string& name);
  std::optional<json> secret_file(const YAML::Node& node, const std::string& path,
                                  const YAML::Mark& mark);
  std::optional<json> apply_default(const FieldSpec& f, const std::string& path,
                                    const YAML::Mark& anchor);
  void field(const FieldSpec& f, const std::map<std::string, Entry>& entries,
             const std::string& path, const YAML::Mark& anchor, json& out);

  const std::string& file_;
  const ValidateOptions& options_;
  Validated& out_;
  EnvLookup env_;
  std::optional<YAML::Mark> default_anchor_;  // set while normalising a declared default
  std::size_t dropped_ = 0;
  std::size_t json_budget_ = kJsonBudget;  // shared by every schemaless value of the file
};

std::optional<json> Walker::object(const YAML::Node& node, const ObjectSpec& spec,
                                   const std::string& path, const YAML::Mark& anchor,
                                   const std::vector<std::string>* skip) {
  if (node.IsDefined() && !node.IsNull() && !node.IsMap()) {
    issue(mark_or(node.Mark(), anchor), path, "expected mapping, got " + describe_node(node));
    return std::nullopt;
  }
  json out = json::object();
  std::map<std::string, Entry> entries;
  if (node.IsMap()) {
    for (auto it = node.begin(); it != node.end(); ++it) {
      const YAML::Node key_node = it->first;  // a copy: `it->` yields a temporary proxy
      if (!key_node.IsScalar()) {
        issue(mark_or(key_node.Mark(), anchor), path,
              "keys must be plain strings, got " + describe_node(key_node));
        continue;
      }
      const std::string key = key_node.Scalar();
      if (auto seen = entries.find(key); seen != entries.end()) {
        issue(key_node.Mark(), join_path(path, key),
              "duplicate key '" + key + "' (first at line " +
                  std::to_string(display_line(seen->second.key.Mark())) + ")");
        continue;
      }
      entries.emplace(key, Entry{key_node, it->second});
      if (skip != nullptr && std::find(skip->begin(), skip->end(), key) != skip->end()) continue;
      if (spec.find(key) != nullptr || is_file_sibling(spec, key)) continue;
      if (spec.allows_unknown_keys()) {
        const bool had_budget = json_budget_ > 0;
        out[key] = yaml_to_json(it->second, json_budget_);
        if (had_budget && json_budget_ == 0) {
          issue(key_node.Mark(), join_path(path, key),
                "too large: aliases expand this file beyond " + std::to_string(kJsonBudget) +
                    " values");
        }
        continue;
      }
      const auto keys = known_keys(spec);
      std::string message = "unknown key '" + key + "'";
      const std::string suggestion = closest_match(key, keys);
      if (!suggestion.empty()) {
        message += " (did you mean '" + suggestion + "'?)";
      } else if (!keys.empty()) {
        message += " (expected one of: " + join(keys, ", ") + ")";
      }
      issue(key_node.Mark(), join_path(path, key), std::move(message));
    }
  }
  for (const auto& f : spec.fields()) {
    if (skip != nullptr && std::find(skip->begin(), skip->end(), f.name) != skip->end()) continue;
    field(f, entries, path, anchor, out);
  }
  return out;
}

void Walker::field(const FieldSpec& f, const std::map<std::string, Entry>& entries,
                   const std::string& path, const YAML::Mark& anchor, json& out) {
  const std::string fpath = join_path(path, f.name);
  const auto it = entries.find(f.name);
  // `person:` with nothing after it means "with the defaults" for an object.
  const bool present =
      it != entries.end() && (!it->second.value.IsNull() || f.type == FieldType::kObject);
  if (f.type == FieldType::kSecret) {
    const auto file_it = entries.find(f.name + "_file");
    const bool file_present = file_it != entries.end() && !file_it->second.value.IsNull();
    if (present && file_present) {
      issue(file_it->second.key.Mark(), fpath + "_file",
            "give either '" + f.name + "' or '" + f.name + "_file', not both");
      return;
    }
    std::optional<json> resolved;
    if (present) {
      resolved = secret(it->second.value, fpath, it->second.key.Mark(), f.name);
    } else if (file_present) {
      resolved = secret_file(file_it->second.value, fpath + "_file", file_it->second.key.Mark());
    } else if (f.default_value) {
      resolved = *f.default_value;  // typically "": "same as another credential"
    } else if (f.required) {
      issue(anchor, path,
            "missing required key '" + f.name + "' (" + shape(f) + "; give '${ENV_VAR}' or '" +
                f.name + "_file: /path')");
    }
    if (resolved) out[f.name] = std::move(*resolved);
    return;
  }
  if (present) {
    if (auto v = value(it->second.value, f, fpath, it->second.key.Mark()))
      out[f.name] = std::move(*v);
    return;
  }
  if (f.required) {
    if (it != entries.end()) {
      issue(it->second.key.Mark(), fpath,
            "key '" + f.name + "' has no value (expected " + shape(f) + ")");
    } else {
      issue(anchor, path, "missing required key '" + f.name + "' (" + shape(f) + ")");
    }
    return;
  }
  if (f.default_value) {
    if (auto v = apply_default(f, fpath, it != entries.end() ? it->second.key.Mark() : anchor)) {
      out[f.name] = std::move(*v);
    }
  }
}

std::optional<json> Walker::apply_default(const FieldSpec& f, const std::string& path,
                                          const YAML::Mark& anchor) {
  if (f.default_value->is_null()) return json(nullptr);
  YAML::Node node;
  try {
    // JSON is YAML: a declared default goes through the very checks a user's value does,
    // so "60s" and 60 (seconds) mean the same as in a file.
    node = YAML::Load(f.default_value->dump());
  } catch (const YAML::Exception&) {
    issue(anchor, path, "the declared default cannot be read (programming error)");
    return std::nullopt;
  }
  const bool outer = !default_anchor_;
  if (outer) default_anchor_ = anchor;
  std::optional<json> v = value(node, f, path, anchor);
  if (outer) default_anchor_.reset();
  return v;
}

std::optional<json> Walker::value(const YAML::Node& node, const FieldSpec& f,
                                  const std::string& path, const YAML::Mark& key_mark) {
  const YAML::Mark mark = mark_or(node.Mark(), key_mark);
  switch (f.type) {
    case FieldType::kString:
    case FieldType::kInt:
    case FieldType::kBool:
    case FieldType::kDuration:
    case FieldType::kEnum:
      return scalar(node, f, path, mark);
    case FieldType::kSecret:
      return secret(node, path, key_mark, f.name);
    case FieldType::kObject:
      return object(node, *f.object, path, key_mark, nullptr);
    case FieldType::kStringList:
    case FieldType::kObjectList: {
      if (!node.IsSequence()) {
        issue(mark, path,
              std::string("expected ") + to_string(f.type) + ", got " + describe_node(node));
        return std::nullopt;
      }
      json out = json::array();
      bool ok = true;
      for (std::size_t i = 0; i < node.size(); ++i) {
        const YAML::Node item = node[i];
        std::optional<json> v;
        if (f.type == FieldType::kObjectList) {
          v = object(item, *f.object, item_path(path, i), mark_or(item.Mark(), mark), nullptr);
        } else if (auto e =
                       expanded(item, item_path(path, i), mark_or(item.Mark(), mark), "string")) {
          v = e->value;
        }
        if (v) {
          out.push_back(std::move(*v));
        } else {
          ok = false;
        }
      }
      return ok ? std::optional<json>(std::move(out)) : std::nullopt;
    }
    case FieldType::kStringMap:
    case FieldType::kObjectMap: {
      if (!node.IsMap()) {
        issue(mark, path,
              std::string("expected ") + to_string(f.type) + ", got " + describe_node(node));
        return std::nullopt;
      }
      json out = json::object();
      bool ok = true;
      for (auto it = node.begin(); it != node.end(); ++it) {
        if (!it->first.IsScalar()) {
          issue(mark_or(it->first.Mark(), mark), path,
                "keys must be plain strings, got " + describe_node(it->first));
          ok = false;
          continue;
        }
        const std::string key = it->first.Scalar();
        const std::string kpath = join_path(path, key);
        std::optional<json> v;
        if (f.type == FieldType::kObjectMap) {
          v = object(it->second, *f.object, kpath, it->first.Mark(), nullptr);
        } else if (auto e = expanded(it->second, kpath,
                                     mark_or(it->second.Mark(), it->first.Mark()), "string")) {
          v = e->value;
        }
        if (v) {
          out[key] = std::move(*v);
        } else {
          ok = false;
        }
      }
      return ok ? std::optional<json>(std::move(out)) : std::nullopt;
    }
  }
  return std::nullopt;
}

std::optional<Expansion> Walker::expanded(const YAML::Node& node, const std::string& path,
                                          const YAML::Mark& mark, const char* expected) {
  if (!node.IsScalar()) {
    issue(mark, path, std::string("expected ") + expected + ", got " + describe_node(node));
    return std::nullopt;
  }
  Expansion e = expand_env(node.Scalar(), env_);
  if (!e.malformed.empty()) {
    issue(mark, path, e.malformed);
    return std::nullopt;
  }
  for (const auto& name : e.missing) {
    issue(mark, path, "environment variable '" + name + "' is not set");
  }
  if (!e.missing.empty()) return std::nullopt;
  return e;
}

std::optional<json> Walker::scalar(const YAML::Node& node, const FieldSpec& f,
                                   const std::string& path, const YAML::Mark& mark) {
  const char* expected = to_string(f.type);
  auto e = expanded(node, path, mark, expected);
  if (!e) return std::nullopt;
  // Echo the value after expansion: that is what was checked.
  const std::string got = describe_node(YAML::Node(e->value));
  switch (f.type) {
    case FieldType::kString:
      return json(e->value);
    case FieldType::kInt: {
      const auto n = parse_integer(e->value);
      if (!n) {
        issue(mark, path, "expected integer, got " + got);
        return std::nullopt;
      }
      if ((f.min && *n < *f.min) || (f.max && *n > *f.max)) {
        std::string message;
        if (f.min && f.max) {
          message = std::to_string(*n) + " is outside [" + std::to_string(*f.min) + ", " +
                    std::to_string(*f.max) + "]";
        } else if (f.min) {
          message = "must be at least " + std::to_string(*f.min) + ", got " + std::to_string(*n);
        } else {
          message = "must be at most " + std::to_string(*f.max) + ", got " + std::to_string(*n);
        }
        issue(mark, path, std::move(message));
        return std::nullopt;
      }
      return json(*n);
    }
    case FieldType::kBool: {
      const auto b = parse_boolean(e->value);
      if (!b) {
        issue(mark, path, "expected boolean (true or false), got " + got);
        return std::nullopt;
      }
      return json(*b);
    }
    case FieldType::kDuration: {
      const auto d = parse_duration_text(e->value);
      if (!d) {
        issue(mark, path, "expected duration (250ms, 30s, 5m, 1h, 2d, or seconds), got " + got);
        return std::nullopt;
      }
      return json(static_cast<long long>(d->count()));
    }
    case FieldType::kEnum: {
      if (std::find(f.enum_values.begin(), f.enum_values.end(), e->value) != f.enum_values.end()) {
        return json(e->value);
      }
      std::string message = "expected one of " + join(f.enum_values, " | ") + ", got " + got;
      const std::string suggestion = closest_match(e->value, f.enum_values);
      if (!suggestion.empty()) message += " (did you mean '" + suggestion + "'?)";
      issue(mark, path, std::move(message));
      return std::nullopt;
    }
    default:
      return std::nullopt;
  }
}

std::optional<json> Walker::secret(const YAML::Node& node, const std::string& path,
                                   const YAML::Mark& key_mark, const std::string& name) {
  const YAML::Mark mark = mark_or(node.Mark(), key_mark);
  if (!node.IsScalar()) {
    // Never describe the node's content: whatever it is, it was meant to be secret.
    issue(mark, path,
          "expected secret (a string such as '${ENV_VAR}', or '" + name + "_file: /path'), got " +
              (node.IsMap()        ? "mapping"
               : node.IsSequence() ? "sequence"
                                   : "null"));
    return std::nullopt;
  }
  auto e = expanded(node, path, mark, "secret");
  if (!e) return std::nullopt;
  for (const auto& inserted : e->inserted) util::register_secret(inserted);
  util::register_secret(e->value);
  if (!e->has_reference) {
    warn(mark, path,
         "secret written literally in the file; prefer '${ENV_VAR}' or '" + name +
             "_file: /path' so it stays out of the file");
  }
  if (e->value.empty()) {
    issue(mark, path, "secret is empty");
    return std::nullopt;
  }
  return json(e->value);
}

std::optional<json> Walker::secret_file(const YAML::Node& node, const std::string& path,
                                        const YAML::Mark& key_mark) {
  const YAML::Mark mark = mark_or(node.Mark(), key_mark);
  auto e = expanded(node, path, mark, "file path");
  if (!e) return std::nullopt;
  std::filesystem::path file(e->value);
  if (file.is_relative() && !options_.base_dir.empty())
    file = std::filesystem::path(options_.base_dir) / file;
  auto read = read_secret_file(file.lexically_normal().string());
  if (!read) {
    issue(mark, path, read.error().message);
    return std::nullopt;
  }
  util::register_secret(read->value);
  if (read->others_readable) {
    warn(mark, path,
         "secret file '" + file.string() + "' is readable by group or others (chmod 600 it)");
  }
  return json(std::move(read->value));
}

}  // namespace

Validated validate_normalised(const YAML::Node& node, const ObjectSpec& spec,
                              const std::string& file, const std::string& path_prefix,
                              const ValidateOptions& options) {
  Validated out;
  Walker walker(file, options, out);
  const YAML::Mark anchor = options.anchor ? *options.anchor : node.Mark();
  try {
    if (auto v = walker.object(node, spec, path_prefix, anchor,
                               options.skip_keys.empty() ? nullptr : &options.skip_keys)) {
      out.value = std::move(*v);
    }
  } catch (const std::exception& e) {
    // yaml-cpp and nlohmann only throw on misuse; still, a config must never crash us.
    out.issues.push_back(ConfigIssue{file, 0, 0, path_prefix,
                                     std::string("internal error while validating: ") + e.what()});
  }
  sort_issues(out.issues);
  sort_issues(out.warnings);
  if (walker.dropped() > 0) {
    out.issues.push_back(ConfigIssue{file, 0, 0, path_prefix,
                                     std::to_string(walker.dropped()) + " more issues not shown"});
  }
  redact_issues(out.issues);
  redact_issues(out.warnings);
  return out;
}

std::vector<ConfigIssue> validate(const YAML::Node& node, const ObjectSpec& spec,
                                  const std::string& file, const std::string& path_prefix) {
  return validate_normalised(node, spec, file, path_prefix).issues;
}

}  // namespace coopsync::config
