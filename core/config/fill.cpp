// Normalised JSON -> Config. Runs only on sections that passed validation, so every key
// with a default is present and typed; .at() failing here would be a schema/fill mismatch.
#include <filesystem>

#include "core/config/load_detail.hpp"

namespace coopsync::config::detail {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;

std::string resolve(const std::string& path, const std::string& base_dir) {
  if (path.empty() || base_dir.empty() || path == ":memory:") return path;
  std::filesystem::path p(path);
  if (p.is_absolute()) return path;
  return (std::filesystem::path(base_dir) / p).lexically_normal().string();
}

std::vector<std::string> strings(const json& object, const char* key) {
  std::vector<std::string> out;
  if (object.contains(key)) {
    for (const auto& item : object.at(key)) out.push_back(item.get<std::string>());
  }
  return out;
}

DeletePolicy parse_delete(const std::string& text) {
  if (text == "ignore") return DeletePolicy::kIgnore;
  if (text == "delete") return DeletePolicy::kDelete;
  return DeletePolicy::kDisable;
}

KindPolicy kind_policy(const json& j) {
  KindPolicy k;
  k.read = j.at("read").get<bool>();
  k.create = j.at("create").get<bool>();
  k.update = j.at("update").get<bool>();
  k.on_delete = parse_delete(j.at("on_delete").get<std::string>());
  k.owns = strings(j, "owns");
  k.fields = strings(j, "fields");
  return k;
}

SystemConfig system_config(const SystemSection& s) {
  const json& v = s.value;
  SystemConfig c;
  c.name = s.name;
  c.type = v.at("type").get<std::string>();
  c.enabled = v.at("enabled").get<bool>();
  c.poll_interval = milliseconds(v.at("poll_interval").get<long long>());
  c.full_read_interval = milliseconds(v.at("full_read_interval").get<long long>());
  c.max_in_flight = v.at("max_in_flight").get<int>();
  c.batch_size = v.at("batch_size").get<int>();
  const json& retry = v.at("retry");
  c.retry.max_attempts = retry.at("max_attempts").get<int>();
  c.retry.initial_backoff = milliseconds(retry.at("initial_backoff").get<long long>());
  c.retry.max_backoff = milliseconds(retry.at("max_backoff").get<long long>());
  c.forget = v.at("forget") == "anonymize" ? ForgetPolicy::kAnonymize : ForgetPolicy::kDelete;
  if (v.contains("kinds")) {
    for (const auto& [name, policy] : v.at("kinds").items()) {
      if (auto kind = parse_entity_kind(name)) c.kinds[*kind] = kind_policy(policy);
    }
  } else if (s.info != nullptr) {
    // No `kinds:` = every kind the connector handles, as far as it can.
    for (const auto& [kind, caps] : s.info->capabilities.kinds) {
      KindPolicy k;
      k.read = caps.read;
      k.create = caps.create;
      k.update = caps.update;
      c.kinds[kind] = k;
    }
  }
  c.settings = v;
  c.line = s.mark.is_null() ? 0 : s.mark.line + 1;
  return c;
}

}  // namespace

Config fill_config(const json& core, const std::vector<SystemSection>& systems,
                   const std::string& path, const std::string& base_dir) {
  Config c;
  c.path = path;

  const json& store = core.at("store");
  c.store.driver = store.at("driver").get<std::string>();
  c.store.path = c.store.driver == "sqlite" ? resolve(store.at("path").get<std::string>(), base_dir)
                                            : store.at("path").get<std::string>();
  c.store.dsn = store.value("dsn", "");

  const json& identity = core.at("identity");
  c.identity.default_region = identity.at("default_region").get<std::string>();
  const json& match = identity.at("match");
  for (EntityKind kind : kAllKinds) {
    c.identity.match[kind] = strings(match, to_string(kind));
  }

  const json& engine = core.at("engine");
  const std::string policy = engine.at("conflict_policy").get<std::string>();
  c.engine.conflict_policy = policy == "prefer_system" ? ConflictPolicy::kPreferSystem
                             : policy == "manual"      ? ConflictPolicy::kManual
                                                       : ConflictPolicy::kNewest;
  c.engine.prefer_system = engine.value("prefer_system", "");
  c.engine.when_full =
      engine.at("when_full") == "refuse" ? FullPolicy::kRefuse : FullPolicy::kWaitlist;
  c.engine.page_size = engine.at("page_size").get<int>();

  const json& daemon = core.at("daemon");
  c.daemon.listen = daemon.at("listen").get<std::string>();
  c.daemon.control_token_file = resolve(daemon.value("control_token_file", ""), base_dir);
  c.daemon.webhook_secret = daemon.value("webhook_secret", "");

  const json& logging = core.at("logging");
  c.logging.format = logging.at("format").get<std::string>();
  c.logging.level = logging.at("level").get<std::string>();

  for (const auto& s : systems) c.systems.push_back(system_config(s));
  return c;
}

}  // namespace coopsync::config::detail
