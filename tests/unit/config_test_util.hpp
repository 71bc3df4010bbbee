#pragma once
// Helpers shared by the config_*_test.cpp files: a registry of test connector types (the
// real connectors are not linked into unit_core), scoped environment variables and a
// temporary folder.
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <random>
#include <string>

#include "core/config/config.hpp"
#include "core/connector/registry.hpp"

namespace coopsync::config::testing {

// A connector type with a strict spec: `url` (required), `user`, `password` (secret),
// `timeout` (duration), `mode` (enum); handles persons and groups.
inline ConnectorInfo strict_info(const std::string& type) {
  ConnectorInfo info;
  info.type = type;
  info.summary = "test connector " + type;
  info.spec = ObjectSpec("test");
  info.spec.add(field_spec::string("url").require().describe("Base URL of the test system"));
  info.spec.add(field_spec::string("user").fallback("sync"));
  info.spec.add(field_spec::secret("password").describe("Password of the sync account"));
  info.spec.add(field_spec::duration("timeout").fallback("30s"));
  info.spec.add(field_spec::one_of("mode", {"fast", "safe"}).fallback("safe"));
  KindCapabilities caps;
  caps.read = caps.create = caps.update = true;
  info.capabilities.kinds[EntityKind::kPerson] = caps;
  info.capabilities.kinds[EntityKind::kGroup] = caps;
  return info;
}

// A connector type that accepts any extra key (for loading examples whose connector
// sections are filled in by the connector authors).
inline ConnectorInfo permissive_info(const std::string& type) {
  ConnectorInfo info;
  info.type = type;
  info.summary = "permissive test connector " + type;
  info.spec.allow_unknown_keys();
  return info;
}

inline ConnectorRegistry strict_registry() {
  ConnectorRegistry r;
  r.add(strict_info("testconn"));
  r.add(strict_info("other"));
  return r;
}

inline ConnectorRegistry example_registry() {
  ConnectorRegistry r;
  for (const char* type : {"odoo", "nextcloud", "matrix", "mobilizon"})
    r.add(permissive_info(type));
  return r;
}

// Sets (or unsets) an environment variable for the scope; restores the old value.
class ScopedEnv {
 public:
  ScopedEnv(std::string name, std::optional<std::string> value) : name_(std::move(name)) {
    if (const char* old = std::getenv(name_.c_str())) old_ = old;
    if (value) {
      ::setenv(name_.c_str(), value->c_str(), 1);
    } else {
      ::unsetenv(name_.c_str());
    }
  }
  ~ScopedEnv() {
    if (old_) {
      ::setenv(name_.c_str(), old_->c_str(), 1);
    } else {
      ::unsetenv(name_.c_str());
    }
  }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  std::string name_;
  std::optional<std::string> old_;
};

class TempDir {
 public:
  TempDir() {
    std::random_device rd;
    path_ = std::filesystem::temp_directory_path() /
            ("coopsync-config-test-" + std::to_string(rd()) + std::to_string(rd()));
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  std::string write(const std::string& name, const std::string& content,
                    std::filesystem::perms perms = std::filesystem::perms::owner_read |
                                                   std::filesystem::perms::owner_write) const {
    const auto p = path_ / name;
    std::ofstream(p, std::ios::binary) << content;
    std::filesystem::permissions(p, perms);
    return p.string();
  }

 private:
  std::filesystem::path path_;
};

// Issues as the text `coopsync config validate` prints, one per line (compared as one
// string so that a failing check shows both sides).
inline std::string issue_text(const std::vector<ConfigIssue>& issues) {
  return format_issues(issues);
}
inline std::string lines(std::initializer_list<std::string> items) {
  std::string out;
  for (const auto& i : items) out += i + "\n";
  return out;
}

}  // namespace coopsync::config::testing
