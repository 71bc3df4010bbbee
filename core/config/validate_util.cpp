// Helpers around validation: positions, issue ordering and redaction, schemaless YAML.
#include <algorithm>

#include "core/config/scalars.hpp"
#include "core/config/validate.hpp"
#include "core/util/redact.hpp"

namespace coopsync::config {
namespace {

using nlohmann::json;

// Plain scalars that read as numbers or booleans keep that type; quoted ones stay strings.
json yaml_to_json_bounded(const YAML::Node& node, int depth, std::size_t& budget) {
  if (depth > 32 || budget == 0) return nullptr;
  --budget;
  switch (node.Type()) {
    case YAML::NodeType::Scalar: {
      if (node.Tag() != "!") {
        if (auto n = parse_integer(node.Scalar())) return *n;
        if (auto b = parse_boolean(node.Scalar())) return *b;
      }
      return node.Scalar();
    }
    case YAML::NodeType::Sequence: {
      json out = json::array();
      for (const auto& item : node) out.push_back(yaml_to_json_bounded(item, depth + 1, budget));
      return out;
    }
    case YAML::NodeType::Map: {
      json out = json::object();
      for (auto it = node.begin(); it != node.end(); ++it) {
        out[it->first.Scalar()] = yaml_to_json_bounded(it->second, depth + 1, budget);
      }
      return out;
    }
    default:
      return nullptr;
  }
}

}  // namespace

int display_line(const YAML::Mark& mark) { return mark.is_null() ? 0 : mark.line + 1; }
int display_column(const YAML::Mark& mark) { return mark.is_null() ? 0 : mark.column + 1; }

json yaml_to_json(const YAML::Node& node, std::size_t& budget) {
  return yaml_to_json_bounded(node, 0, budget);
}

json yaml_to_json(const YAML::Node& node) {
  std::size_t budget = 100000;
  return yaml_to_json_bounded(node, 0, budget);
}

void sort_issues(std::vector<ConfigIssue>& issues) {
  std::stable_sort(issues.begin(), issues.end(), [](const ConfigIssue& a, const ConfigIssue& b) {
    return std::pair(a.line, a.column) < std::pair(b.line, b.column);
  });
}

void redact_issues(std::vector<ConfigIssue>& issues) {
  for (auto& i : issues) {
    i.message = util::redact(i.message);
    i.path = util::redact(i.path);
  }
}

}  // namespace coopsync::config
