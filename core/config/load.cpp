// load_config: YAML text -> validated, normalised Config, or every issue found.
#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "core/config/config.hpp"
#include "core/config/load_detail.hpp"
#include "core/config/scalars.hpp"
#include "core/config/validate.hpp"
#include "core/connector/registry.hpp"

namespace coopsync::config {
namespace {

// A config file is a few kilobytes; anything this large is a mistake (or an attack on
// the parser), refused before yaml-cpp sees it.
constexpr std::size_t kMaxConfigBytes = 4 * 1024 * 1024;

bool valid_system_name(const std::string& name) {
  if (name.empty() || name.size() > 64) return false;
  for (char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

ConfigIssue issue_at(const std::string& file, const YAML::Mark& mark, std::string path,
                     std::string message) {
  return ConfigIssue{file, display_line(mark), display_column(mark), std::move(path),
                     std::move(message)};
}

void append(std::vector<ConfigIssue>& to, std::vector<ConfigIssue> from) {
  to.insert(to.end(), std::make_move_iterator(from.begin()), std::make_move_iterator(from.end()));
}

std::string known_types(const ConnectorRegistry& registry) {
  std::vector<std::string> types;
  for (const auto* info : registry.list()) types.push_back(info->type);
  return types.empty() ? "none compiled in" : join(types, ", ");
}

// Validates each section under `systems:` against the common keys merged with its
// connector's spec. An unknown type is reported once; its section is still checked
// against the common keys so that every other problem shows in the same run.
std::vector<detail::SystemSection> load_systems(const YAML::Node& root, const std::string& file,
                                                const ValidateOptions& base_options,
                                                const ConnectorRegistry& registry,
                                                LoadResult& result) {
  std::vector<detail::SystemSection> systems;
  const YAML::Node node = detail::child(root, "systems");
  if (!node.IsDefined() || node.IsNull()) return systems;
  const YAML::Mark systems_mark = detail::key_mark(root, "systems", root.Mark());
  if (!node.IsMap()) {
    result.issues.push_back(
        issue_at(file, node.Mark().is_null() ? systems_mark : node.Mark(), "systems",
                 "expected mapping of system name -> section, got " + describe_node(node)));
    return systems;
  }
  for (auto it = node.begin(); it != node.end(); ++it) {
    detail::SystemSection s;
    s.name = it->first.Scalar();
    s.mark = it->first.Mark();
    s.node = it->second;
    const std::string path = "systems." + s.name;
    if (!it->first.IsScalar() || !valid_system_name(s.name)) {
      result.issues.push_back(issue_at(
          file, s.mark, "systems",
          "system names are 1-64 letters, digits, '_' or '-', got " + describe_node(it->first)));
      continue;
    }
    bool duplicate = false;
    for (const auto& other : systems) duplicate = duplicate || other.name == s.name;
    if (duplicate) {
      result.issues.push_back(issue_at(file, s.mark, path, "duplicate system '" + s.name + "'"));
      continue;
    }
    ObjectSpec spec = common_system_spec();
    const YAML::Node type = detail::child(s.node, "type");
    if (type.IsScalar()) {
      s.info = registry.find(type.Scalar());
      if (s.info == nullptr) {
        std::vector<std::string> types;
        for (const auto* info : registry.list()) types.push_back(info->type);
        std::string message = "unknown connector type '" + type.Scalar() + "'";
        const std::string suggestion = closest_match(type.Scalar(), types);
        if (!suggestion.empty()) message += " (did you mean '" + suggestion + "'?)";
        message += "; known types: " + known_types(registry);
        result.issues.push_back(issue_at(file, type.Mark(), path + ".type", std::move(message)));
      }
    }
    if (s.info != nullptr) {
      spec.merge(s.info->spec);
    } else {
      spec.allow_unknown_keys();  // the connector's keys cannot be judged without it
    }
    ValidateOptions options = base_options;
    options.anchor = s.mark;
    Validated v = validate_normalised(s.node, spec, file, path, options);
    append(result.issues, std::move(v.issues));
    append(result.warnings, std::move(v.warnings));
    s.value = std::move(v.value);
    systems.push_back(std::move(s));
  }
  return systems;
}

LoadResult load_document(const YAML::Node& root, const std::string& file,
                         const std::string& base_dir, const ConnectorRegistry& registry) {
  LoadResult result;
  if (root.IsDefined() && !root.IsNull() && !root.IsMap()) {
    result.issues.push_back(issue_at(file, root.Mark(), "",
                                     "expected a mapping of sections (store, engine, systems...), "
                                     "got " +
                                         describe_node(root)));
    return result;
  }
  ValidateOptions options;
  options.base_dir = base_dir;
  options.skip_keys = {"systems"};
  Validated core = validate_normalised(root, core_spec(), file, "", options);
  result.issues = std::move(core.issues);
  result.warnings = std::move(core.warnings);
  options.skip_keys.clear();
  auto systems = load_systems(root, file, options, registry, result);
  if (result.issues.empty()) {
    // Cross-section rules only make sense on sections that are individually valid.
    detail::check_cross_rules(root, core.value, systems, file, result.issues);
  }
  sort_issues(result.issues);
  sort_issues(result.warnings);
  redact_issues(result.issues);
  redact_issues(result.warnings);
  if (result.issues.empty()) {
    result.config = detail::fill_config(core.value, systems, file, base_dir);
  }
  return result;
}

std::string folder_of(const std::string& file) {
  return std::filesystem::path(file).parent_path().string();
}

}  // namespace

LoadResult load_config_text(const std::string& text, const std::string& file,
                            const ConnectorRegistry& registry) {
  LoadResult result;
  if (text.size() > kMaxConfigBytes) {
    result.issues.push_back(ConfigIssue{file, 0, 0, "", "file larger than 4 MiB, not a config"});
    return result;
  }
  try {
    const YAML::Node root = YAML::Load(text);
    return load_document(root, file, folder_of(file), registry);
  } catch (const YAML::ParserException& e) {
    result.issues.push_back(issue_at(file, e.mark, "", "invalid YAML: " + e.msg));
  } catch (const YAML::Exception& e) {
    result.issues.push_back(issue_at(file, e.mark, "", "cannot read YAML: " + e.msg));
  } catch (const std::exception& e) {
    result.issues.push_back(ConfigIssue{file, 0, 0, "", std::string("cannot load: ") + e.what()});
  }
  redact_issues(result.issues);
  return result;
}

LoadResult load_config(const std::string& path, const ConnectorRegistry& registry) {
  auto fail = [&](const std::string& why) {
    LoadResult result;
    result.issues.push_back(ConfigIssue{path, 0, 0, "", why});
    return result;
  };
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0)
    return fail(std::string("cannot read: ") + std::strerror(errno));
  if (!S_ISREG(info.st_mode)) return fail("cannot read: not a regular file");
  if (static_cast<std::size_t>(info.st_size) > kMaxConfigBytes) {
    return fail("file larger than 4 MiB, not a config");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return fail(std::string("cannot read: ") + std::strerror(errno));
  std::string text;
  char buffer[8192];
  while (in.read(buffer, sizeof buffer) || in.gcount() > 0) {
    text.append(buffer, static_cast<std::size_t>(in.gcount()));
    if (text.size() > kMaxConfigBytes) return fail("file larger than 4 MiB, not a config");
  }
  if (in.bad()) return fail("cannot read: read error");
  return load_config_text(text, path, registry);
}

std::optional<std::chrono::milliseconds> parse_duration(const std::string& text) {
  return parse_duration_text(text);
}

}  // namespace coopsync::config
