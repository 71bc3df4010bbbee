#pragma once
// The Mobilizon connector: events of the configured groups, their participants
// (registrations), the groups, their members (memberships) and the persons seen there.
// Change detection (Mobilizon has no change feed, API.md 7): the groups' activity streams
// as the fast poll, a periodic full reconciliation by uuid + updatedAt, and participants
// re-read only for events whose updatedAt moved (joins bump it). See event_feed.cpp.
#include "connectors/mobilizon/graphql_client.hpp"
#include "connectors/mobilizon/settings.hpp"
#include "core/connector/connector.hpp"

#include <map>
#include <memory>
#include <optional>
#include <string>

namespace coopsync::mobilizon {

class MobilizonConnector : public Connector {
 public:
  using Clock = std::function<std::chrono::sys_seconds()>;
  MobilizonConnector(Settings settings, const ConnectorContext& ctx, Clock clock = {});

  const Capabilities& capabilities() const override;
  Status check() override;
  Result<ChangePage> changes(EntityKind kind, const std::string& cursor, std::chrono::milliseconds wait) override;
  Result<std::vector<ExternalRecord>> find(EntityKind kind, const Fields& keys) override;
  std::vector<WriteResult> apply(const std::vector<Write>& writes) override;

  GraphqlClient& client() { return *client_; }

 private:
  // event_feed.cpp
  Result<ChangePage> event_changes(const std::string& cursor);
  Result<ChangePage> registration_changes(const std::string& cursor);
  // directory.cpp: groups, members, persons
  Result<ChangePage> group_changes();
  Result<ChangePage> membership_changes();
  Result<ChangePage> person_changes();
  Result<std::vector<ExternalRecord>> find_event(const Fields& keys);
  Result<std::vector<nlohmann::json>> group_members(const std::string& group);
  // writes.cpp
  WriteResult write_event(const Write& w);
  WriteResult write_registration(const Write& w);
  WriteResult write_group(const Write& w);
  WriteResult write_membership(const Write& w);

  Status ensure_identity();
  Result<std::string> group_id(const std::string& handle);
  Result<nlohmann::json> fetch_event(const std::string& uuid);  // EventFields, kNotFound when gone
  // Persons met in members and participants lists, kept in the StateStore: actor id -> handle, name.
  // Returns true for a person not seen before.
  bool remember_person(const nlohmann::json& actor);
  void save_persons();
  std::chrono::sys_seconds now() const;

  Settings settings_;
  std::string system_;
  StateStore* state_;
  std::shared_ptr<spdlog::logger> log_;
  Clock clock_;
  std::unique_ptr<GraphqlClient> client_;
  std::string actor_id_;  // the acting identity (person id)
  std::map<std::string, std::string> group_ids_;  // handle -> id
  nlohmann::json persons_ = nlohmann::json::object();
  bool persons_loaded_ = false;
  bool persons_dirty_ = false;
};

// Registers the connector type "mobilizon".
ConnectorInfo connector_info();

}  // namespace coopsync::mobilizon
