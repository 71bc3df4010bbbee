// Cross-key rules of the config (see load_detail.hpp). Positions come from the YAML nodes;
// values from the normalised JSON, which is complete here (every section was valid).
#include <algorithm>
#include <map>

#include "core/config/load_detail.hpp"
#include "core/config/scalars.hpp"
#include "core/config/validate.hpp"

namespace coopsync::config::detail {
namespace {

using nlohmann::json;

struct Reporter {
  const std::string& file;
  std::vector<ConfigIssue>& issues;
  void operator()(const YAML::Mark& mark, std::string path, std::string message) const {
    issues.push_back(ConfigIssue{file, display_line(mark), display_column(mark), std::move(path),
                                 std::move(message)});
  }
};

std::vector<std::string> names_of(std::span<const char* const> fields) {
  return {fields.begin(), fields.end()};
}

std::string kind_list(const Capabilities& caps) {
  std::vector<std::string> kinds;
  for (const auto& [kind, _] : caps.kinds) kinds.push_back(to_string(kind));
  return join(kinds, ", ");
}

// Each item of a list of canonical field names of `kind` must be one.
void check_field_list(const YAML::Node& list, EntityKind kind, const std::string& path,
                      const Reporter& report) {
  if (!list.IsSequence()) return;
  const auto known = names_of(canonical_fields(kind));
  for (std::size_t i = 0; i < list.size(); ++i) {
    const YAML::Node item = list[i];
    const std::string name = item.Scalar();
    if (std::find(known.begin(), known.end(), name) != known.end()) continue;
    std::string message = "'" + name + "' is not a field of " + to_string(kind);
    const std::string suggestion = closest_match(name, known);
    message += suggestion.empty() ? " (fields: " + join(known, ", ") + ")"
                                  : " (did you mean '" + suggestion + "'?)";
    report(item.Mark(), path + "[" + std::to_string(i) + "]", std::move(message));
  }
}

void check_identity(const YAML::Node& root, const Reporter& report) {
  const YAML::Node identity = child(root, "identity");
  const YAML::Node region = child(identity, "default_region");
  if (region.IsScalar()) {
    const std::string& r = region.Scalar();
    const bool ok = r.size() == 2 &&
                    std::all_of(r.begin(), r.end(), [](char c) { return c >= 'A' && c <= 'Z'; });
    if (!ok) {
      report(region.Mark(), "identity.default_region",
             "expected a two-letter ISO 3166 country code in capitals (FR, BE, CH...)");
    }
  }
  const YAML::Node match = child(identity, "match");
  for (EntityKind kind : kAllKinds) {
    check_field_list(child(match, to_string(kind)), kind,
                     std::string("identity.match.") + to_string(kind), report);
  }
}

void check_system(const SystemSection& s, const Reporter& report) {
  const std::string path = "systems." + s.name;
  const json& retry = s.value.at("retry");
  if (retry.at("initial_backoff").get<long long>() > retry.at("max_backoff").get<long long>()) {
    report(key_mark(s.node, "retry", s.mark), path + ".retry",
           "initial_backoff is longer than max_backoff");
  }
  const YAML::Node kinds = child(s.node, "kinds");
  if (!kinds.IsMap()) return;
  for (EntityKind kind : kAllKinds) {
    const YAML::Node policy = child(kinds, to_string(kind));
    if (!policy.IsDefined()) continue;
    const std::string kpath = path + ".kinds." + to_string(kind);
    const YAML::Mark kmark = key_mark(kinds, to_string(kind), s.mark);
    if (s.info != nullptr && !s.info->capabilities.kinds.empty() &&
        s.info->capabilities.of(kind) == nullptr) {
      report(kmark, kpath,
             "connector '" + s.info->type + "' does not handle " + to_string(kind) +
                 " (it handles: " + kind_list(s.info->capabilities) + ")");
    }
    const YAML::Node owns = child(policy, "owns");
    const YAML::Node fields = child(policy, "fields");
    check_field_list(owns, kind, kpath + ".owns", report);
    check_field_list(fields, kind, kpath + ".fields", report);
    if (owns.IsSequence() && fields.IsSequence() && fields.size() > 0) {
      for (std::size_t i = 0; i < owns.size(); ++i) {
        bool listed = false;
        for (std::size_t j = 0; j < fields.size(); ++j)
          listed = listed || fields[j].Scalar() == owns[i].Scalar();
        if (!listed) {
          report(owns[i].Mark(), kpath + ".owns[" + std::to_string(i) + "]",
                 "'" + owns[i].Scalar() + "' is owned here but not in this kind's fields");
        }
      }
    }
  }
}

// A field has at most one owner: two authorities for the same value is no authority.
void check_single_owner(const std::vector<SystemSection>& systems, const Reporter& report) {
  std::map<std::pair<EntityKind, std::string>, std::string> owner;
  for (const auto& s : systems) {
    const YAML::Node kinds = child(s.node, "kinds");
    for (EntityKind kind : kAllKinds) {
      const YAML::Node owns = child(child(kinds, to_string(kind)), "owns");
      if (!owns.IsSequence()) continue;
      for (std::size_t i = 0; i < owns.size(); ++i) {
        const auto key = std::make_pair(kind, owns[i].Scalar());
        auto [it, inserted] = owner.emplace(key, s.name);
        if (!inserted && it->second != s.name) {
          report(owns[i].Mark(),
                 "systems." + s.name + ".kinds." + to_string(kind) + ".owns[" + std::to_string(i) +
                     "]",
                 "'" + key.second + "' of " + to_string(kind) + " is already owned by system '" +
                     it->second + "'");
        }
      }
    }
  }
}

void check_engine(const YAML::Node& root, const json& core,
                  const std::vector<SystemSection>& systems, const Reporter& report) {
  const json& engine = core.at("engine");
  const YAML::Node node = child(root, "engine");
  const std::string prefer = engine.value("prefer_system", "");
  std::vector<std::string> names;
  for (const auto& s : systems) names.push_back(s.name);
  if (engine.at("conflict_policy") == "prefer_system" && prefer.empty()) {
    report(key_mark(node, "conflict_policy", key_mark(root, "engine", root.Mark())),
           "engine.conflict_policy", "conflict_policy prefer_system needs engine.prefer_system");
  }
  if (!prefer.empty() && std::find(names.begin(), names.end(), prefer) == names.end()) {
    std::string message = "'" + prefer + "' is not a system of this file";
    const std::string suggestion = closest_match(prefer, names);
    message += suggestion.empty()
                   ? " (systems: " + (names.empty() ? std::string("none") : join(names, ", ")) + ")"
                   : " (did you mean '" + suggestion + "'?)";
    report(child(node, "prefer_system").Mark(), "engine.prefer_system", std::move(message));
  }
}

void check_store(const YAML::Node& root, const json& core, const Reporter& report) {
  const json& store = core.at("store");
  if (store.at("driver") == "postgres" && !store.contains("dsn")) {
    const YAML::Node node = child(root, "store");
    report(key_mark(node, "driver", key_mark(root, "store", root.Mark())), "store",
           "driver postgres needs dsn (e.g. dsn: ${COOPSYNC_PG_DSN} or dsn_file: /path)");
  }
}

}  // namespace

YAML::Node child(const YAML::Node& map, std::string_view key) {
  if (!map.IsMap()) return YAML::Node(YAML::NodeType::Undefined);
  for (auto it = map.begin(); it != map.end(); ++it) {
    if (it->first.IsScalar() && it->first.Scalar() == key) return it->second;
  }
  return YAML::Node(YAML::NodeType::Undefined);
}

YAML::Mark key_mark(const YAML::Node& map, std::string_view key, const YAML::Mark& fallback) {
  if (!map.IsMap()) return fallback;
  for (auto it = map.begin(); it != map.end(); ++it) {
    if (it->first.IsScalar() && it->first.Scalar() == key) return it->first.Mark();
  }
  return fallback;
}

void check_cross_rules(const YAML::Node& root, const json& core,
                       const std::vector<SystemSection>& systems, const std::string& file,
                       std::vector<ConfigIssue>& issues) {
  const Reporter report{file, issues};
  check_store(root, core, report);
  check_identity(root, report);
  check_engine(root, core, systems, report);
  for (const auto& s : systems) check_system(s, report);
  check_single_owner(systems, report);
}

}  // namespace coopsync::config::detail
