#pragma once
// The Matrix connector: a room per collective inside the federation's space, membership
// that follows (invite / kick), persons as Matrix accounts, events announced once in the
// collective's room and edited (m.replace) when they change.
//
// External ids: group -> room id; membership -> "<room_id>|<user_id>"; person -> user id;
// event -> "<room_id>|<event_id of the announcement>".
// Rooms are found again by alias (room_alias template), so a restart never makes a second
// room; the space likewise by space_alias.
#include "connectors/matrix/cs_client.hpp"
#include "connectors/matrix/settings.hpp"
#include "core/connector/connector.hpp"

#include <memory>
#include <optional>
#include <set>
#include <string>

namespace coopsync::matrix {

// Most invites one createRoom carries. Synapse 1.67 (RoomCreationHandler.create_room) checks
// the list up front against rc_invites.per_room, whose burst is 10 by default, and refuses a
// longer one with 400 "Cannot invite so many users at once" before making anything -- unless
// it does not rate-limit the requester at all (an appservice registered rate_limited: false,
// an account with an admin ratelimit override), and then any length goes: the invites a
// creation makes are never limited one by one (ratelimit=False). Each is an event made within
// the request, so the request's timeout grows with the list (kCreationInviteTime each). A
// homeserver that refused a long list gets at most kLimitedCreationInvites from then on; the
// rest are invited one by one, under rc_invites like any invite.
inline constexpr std::size_t kCreationInvites = 10000;
inline constexpr std::size_t kLimitedCreationInvites = 10;

class MatrixConnector final : public Connector {
 public:
  // `sleeper` replaces std::this_thread::sleep_for in tests (pacing on 429).
  MatrixConnector(const ConnectorContext& ctx, Settings settings, http::HttpClientPtr http,
                  Sleeper sleeper = {});

  const Capabilities& capabilities() const override { return caps_; }
  Status check() override;
  Result<ChangePage> changes(EntityKind kind, const std::string& cursor,
                             std::chrono::milliseconds wait) override;
  Result<std::vector<ExternalRecord>> find(EntityKind kind, const Fields& keys) override;
  std::vector<WriteResult> apply(const std::vector<Write>& writes) override;

  const ClientStats& stats() const { return client_.stats(); }
  const std::string& bot_user_id() const { return me_; }

 private:
  Status ready();  // check() once, then cached
  // "" when absent and !create; a space created here invites `invite` in its creation.
  Result<std::string> ensure_space(bool create, const std::vector<std::string>& invite = {});
  // createRoom with the first invites of `invite` its homeserver takes in a creation (all, up
  // to creation_invites_); `invited`: how many it carried.
  Result<CreatedRoom> create_inviting(json body, const std::vector<std::string>& invite,
                                      std::size_t& invited);
  // `fresh`: the room was just created, so it cannot be a child of the space yet.
  Status link_into_space(const std::string& room_id, bool fresh = false);
  // `listed`: the space's members were read in this pass (membership listing), so a user
  // not among them is invited without reading their membership first.
  Status invite_into_space(const std::string& user_id, bool listed = false);
  Result<std::set<std::string>> managed_rooms();
  Result<std::string> ensure_filter();

  WriteResult apply_one(const Write& w);
  WriteResult write_group(const Write& w);
  WriteResult write_membership(const Write& w);
  WriteResult write_person(const Write& w);
  WriteResult write_event(const Write& w);
  Result<std::optional<std::string>> find_person(const Fields& fields);
  Result<std::optional<std::string>> find_announcement(const std::string& room_id,
                                                       const std::string& entity_id);
  Status sync_room_text(const std::string& room_id, const Fields& fields);

  Result<ChangePage> group_changes();
  Result<ChangePage> membership_changes(const std::string& cursor, std::chrono::milliseconds wait);
  Result<ChangePage> person_changes(const std::string& cursor);
  ExternalRecord membership_record(const std::string& room_id, const std::string& user_id,
                                   const std::string& membership) const;

  ConnectorContext ctx_;
  Settings settings_;
  http::HttpClientPtr http_;
  CsClient client_;
  Capabilities caps_;
  bool ready_ = false;
  std::string me_;
  std::string space_id_;
  std::set<std::string> in_space_;  // users seen joined/invited in the space this run
  bool space_members_read_ = false;  // in_space_ holds every member read from the space
  std::size_t creation_invites_ = kCreationInvites;  // lowered once the homeserver refused
  std::optional<std::set<std::string>> managed_;
  std::string member_filter_;
  std::string token_filter_;
  bool threepid_lookup_unsupported_ = false;
};

Capabilities matrix_capabilities(bool admin);

// An account's version as the admin listing shows it (display name, deactivated): the
// listing carries no email, so an account whose link holds this version is not read again
// one by one (its email is the one last read or written). A stable FNV-1a digest.
std::string listing_version(const AdminUser& user);

}  // namespace coopsync::matrix
