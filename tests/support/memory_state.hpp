#pragma once
// A connector's state store kept in memory (the store's own, SQLite, is tested elsewhere).
#include "core/connector/connector.hpp"

#include <map>
#include <optional>
#include <string>

namespace coopsync::testing {

struct MemoryState : StateStore {
  std::map<std::string, std::string> values;
  std::optional<std::string> get(const std::string& key) override {
    auto it = values.find(key);
    return it == values.end() ? std::nullopt : std::optional<std::string>(it->second);
  }
  Status put(const std::string& key, const std::string& value) override {
    values[key] = value;
    return ok_status();
  }
};

}  // namespace coopsync::testing
