#pragma once
// "testfile": a connector that lives in tests/ and registers through the same registry as
// the real ones. Its system is a JSON file, so its state survives a process killed by a
// crash test, and tests can read and edit it as "the server's state".
//
// File format: {"seq": N, "next_id": N, "writes": N,
//   "records": {"<kind>": {"<external id>": {"fields": {...}, "seq": N, "deleted": bool,
//                                            "entity": "<coopsync id marker>"}}}}
// Refs in fields hold this system's external ids, like a real system.
#include "core/model/entity.hpp"

#include <nlohmann/json.hpp>
#include <string>

namespace coopsync::testing {

struct FileSystem {
  explicit FileSystem(std::string path) : path_(std::move(path)) {}
  nlohmann::json load() const;
  void save(const nlohmann::json& state) const;
  // Test helpers acting like a user of that system.
  std::string add(EntityKind kind, const nlohmann::json& fields);  // returns the external id
  void edit(EntityKind kind, const std::string& id, const nlohmann::json& changes);
  void remove(EntityKind kind, const std::string& id);
  // Live (not deleted) records of a kind.
  nlohmann::json live(EntityKind kind) const;
  int writes() const;  // writes coopsync made

 private:
  std::string path_;
};

}  // namespace coopsync::testing
