#pragma once
// The Nextcloud connector: Person <-> user, Group <-> group (+ shared folder + calendar as
// resources of the group), Membership <-> group member ("<user>:<group>"), Event <-> VEVENT
// in the group's calendar ("<group>/<object>.ics"). OCS has no change feed, so users,
// groups and members are full listings (full_listing = true); events follow RFC 6578
// sync-tokens (cursor: JSON {"calendars": {name: token}}).
#include "connectors/nextcloud/dav_client.hpp"
#include "connectors/nextcloud/ocs_client.hpp"
#include "connectors/nextcloud/session.hpp"
#include "connectors/nextcloud/settings.hpp"
#include "core/connector/connector.hpp"

#include <memory>
#include <optional>
#include <string>

namespace coopsync::nextcloud {

Capabilities full_capabilities();

class NextcloudConnector : public Connector {
 public:
  NextcloudConnector(Settings settings, http::HttpClientPtr http,
                     std::shared_ptr<spdlog::logger> logger);

  const Capabilities& capabilities() const override { return caps_; }
  Status check() override;
  Result<ChangePage> changes(EntityKind kind, const std::string& cursor,
                             std::chrono::milliseconds wait) override;
  Result<std::vector<ExternalRecord>> find(EntityKind kind, const Fields& keys) override;
  std::vector<WriteResult> apply(const std::vector<Write>& writes) override;

  // Requests sent so far (benchmarks, tests).
  std::size_t requests_made() const;
  // The store's view of what is linked (ConnectorContext::linked_version): an event object
  // linked to an entity is ours, wherever it was first written, never a hand-made copy.
  using LinkedVersion = std::function<std::optional<std::string>(EntityKind, const std::string&)>;
  void set_linked_version(LinkedVersion linked) { linked_version_ = std::move(linked); }

 private:
  LinkedVersion linked_version_;
  // people.cpp
  Result<ChangePage> person_changes(const std::string& cursor);
  Result<std::vector<ExternalRecord>> find_people(const Fields& keys);
  WriteResult apply_person(const Write& w);
  Result<std::optional<ExternalRecord>> read_user(const std::string& uid);
  std::optional<ExternalRecord> user_record(const std::string& uid, const nlohmann::json& d) const;
  Result<WriteResult> create_person(const Write& w);
  Result<WriteResult> update_person(const Write& w);
  // groups.cpp
  Result<ChangePage> group_changes();
  Result<ChangePage> membership_changes();
  Result<std::vector<std::string>> group_ids();
  Result<std::vector<ExternalRecord>> find_groups(const Fields& keys);
  WriteResult apply_group(const Write& w);
  WriteResult apply_membership(const Write& w);
  Status ensure_group_resources(const std::string& gid, const std::string& name);
  Status ensure_share(const std::string& folder, const std::string& gid);
  // events.cpp
  Result<ChangePage> event_changes(const std::string& cursor);
  Result<std::string> calendar_href(const std::string& gid);
  Status ensure_calendar(const std::string& gid, const std::string& name);
  Status ensure_calendar_share(const std::string& href, const std::string& gid);
  WriteResult apply_event(const Write& w);
  Result<WriteResult> put_event(const Write& w, const std::string& gid, bool create);
  Result<std::optional<std::string>> original_of_copy(const std::string& group,
                                                      const std::string& uid);
  Result<WriteResult> adopt_by_uid(const std::string& calendar, const std::string& gid,
                                   const std::string& uid, const std::string& href);

  bool excluded_user(const std::string& uid) const;
  bool excluded_group(const std::string& gid) const;
  std::string files_path(const std::string& folder) const;
  void warn(const std::string& text) const;

  Settings s_;
  http::HttpClientPtr http_;
  std::shared_ptr<spdlog::logger> logger_;
  Session nc_session_;
  std::unique_ptr<Session> cal_session_owned_;  // only when CalDAV credentials differ
  OcsClient ocs_;
  DavClient files_;
  DavClient cal_;
  std::string url_path_;  // path part of `url` ("" or "/nextcloud")
  Capabilities caps_;
  bool calendar_sharing_unsupported_ = false;  // CalDAV server without oc-resource-sharing
};

}  // namespace coopsync::nextcloud
