#pragma once
// The Matrix Client-Server API v3 (plus the Synapse admin user API) as coopsync uses it:
// one method per endpoint, answers parsed into small structs, errors typed (errors.hpp).
//
// Pacing: Synapse rate-limits even server admins (a burst of 10, then 0.2 actions/s) and
// says how long to wait only in the 429 body. A call that meets a 429 sleeps the hinted
// time and tries again, per acting user, until `max_rate_wait` is spent for that call;
// only then does it return kRateLimited (with the hint) to the caller.
#include "connectors/matrix/errors.hpp"
#include "connectors/matrix/json_util.hpp"
#include "core/http/http_client.hpp"

#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace coopsync::matrix {

using Sleeper = std::function<void(std::chrono::milliseconds)>;

// What each invite of a createRoom adds to its timeout: Synapse persists about 17 events a
// second on a 2-core VM with SQLite (../shared/fixtures/matrix/INDEX.md, "Measurements").
inline constexpr std::chrono::milliseconds kCreationInviteTime{60};

struct ClientOptions {
  std::string base_url;  // "https://matrix.example.org", no trailing slash needed
  std::chrono::milliseconds max_rate_wait{std::chrono::minutes(2)};
  std::chrono::milliseconds timeout{std::chrono::seconds(30)};
};

struct ClientStats {
  long requests = 0;
  long rate_limited = 0;                 // 429 answers met
  std::chrono::milliseconds held_back{0};  // time slept because of them
};

struct WhoAmI {
  std::string user_id;
  std::string device_id;  // absent for appservice and admin "login as" tokens
};

struct LoginResult {
  std::string user_id;
  std::string access_token;
  std::string device_id;
};

struct CreatedRoom {
  std::string room_id;
  std::string room_alias;
};

struct RoomEvent {
  std::string type;
  std::string sender;
  std::optional<std::string> state_key;
  std::string event_id;
  json content = json::object();
  long long origin_server_ts = 0;
};

struct HierarchyRoom {
  std::string room_id;
  std::string name;
  std::string topic;
  std::string canonical_alias;
  std::string room_type;
  std::vector<std::string> children;  // m.space.child state keys with non-empty content
};

struct HierarchyPage {
  std::vector<HierarchyRoom> rooms;
  std::string next_batch;
};

struct SyncRoom {
  std::string room_id;
  std::vector<RoomEvent> timeline;
  std::vector<RoomEvent> state;
  bool limited = false;
};

struct SyncResult {
  std::string next_batch;
  std::vector<SyncRoom> joined;
  std::vector<SyncRoom> left;
  std::vector<std::string> invited;
};

struct MessagesPage {
  std::vector<RoomEvent> chunk;
  std::string end;
};

struct AdminUser {
  std::string user_id;
  std::string displayname;
  bool admin = false;
  bool deactivated = false;
  std::vector<std::string> emails;
};

struct AdminUserPage {
  std::vector<AdminUser> users;  // list entries carry no threepids
  std::string next_token;
};

class CsClient {
 public:
  CsClient(http::HttpClient& http, ClientOptions options, Sleeper sleeper = {});

  // The token every request carries (an appservice as_token or a user's access token).
  void set_access_token(std::string token) { token_ = std::move(token); }
  const ClientStats& stats() const { return stats_; }

  Result<std::vector<std::string>> versions();
  // `as_user`: appservice identity assertion (?user_id=); empty = the token's own user.
  Result<WhoAmI> whoami(const std::string& as_user = {});
  Result<LoginResult> login_password(const std::string& user, const std::string& password,
                                     const std::string& device_name);
  // Appservice registration of a namespaced user; M_USER_IN_USE counts as done.
  Result<std::string> register_appservice_user(const std::string& localpart);

  Result<CreatedRoom> create_room(const json& body);
  Result<std::optional<std::string>> resolve_alias(const std::string& alias);  // nullopt: none
  Status put_alias(const std::string& alias, const std::string& room_id);
  Status delete_alias(const std::string& alias);
  Status invite(const std::string& room_id, const std::string& user_id, const std::string& reason);
  Status kick(const std::string& room_id, const std::string& user_id, const std::string& reason);
  Result<std::string> join(const std::string& room_or_alias, const std::string& as_user = {});
  Result<std::map<std::string, std::string>> joined_members(const std::string& room_id);
  Result<std::vector<RoomEvent>> members(const std::string& room_id);  // m.room.member events
  Result<std::optional<json>> get_state(const std::string& room_id, const std::string& type,
                                        const std::string& state_key);
  Result<std::string> put_state(const std::string& room_id, const std::string& type,
                                const std::string& state_key, const json& content);
  Result<std::string> send(const std::string& room_id, const std::string& type,
                           const std::string& txn_id, const json& content,
                           const std::string& as_user = {});
  Result<MessagesPage> messages(const std::string& room_id, const std::string& from, int limit);
  Result<HierarchyPage> hierarchy(const std::string& space_id, const std::string& from);
  Result<std::string> create_filter(const std::string& user_id, const json& filter);
  // timeout < 0: no timeout parameter (the server's default, an immediate answer).
  Result<SyncResult> sync(const std::string& filter_id, const std::string& since,
                          std::chrono::milliseconds timeout);
  Result<std::optional<std::string>> profile_displayname(const std::string& user_id);

  // Synapse admin API (needs a server admin's token).
  Result<std::optional<AdminUser>> admin_get_user(const std::string& user_id);
  Result<AdminUser> admin_put_user(const std::string& user_id, const json& body);
  Status admin_deactivate(const std::string& user_id);
  Result<AdminUserPage> admin_list_users(long from, int limit);
  // Lookup by email threepid (Synapse >= 1.72). nullopt: no such user; kPermanent when the
  // homeserver does not serve the endpoint (1.67 answers M_UNRECOGNIZED).
  Result<std::optional<std::string>> admin_user_by_email(const std::string& email);

 private:
  struct Call {
    std::string method;
    std::string path;  // already percent-encoded segments
    std::vector<std::pair<std::string, std::string>> query;
    std::optional<json> body;
    std::string as_user;
    std::string what;
    Forbidden forbidden = Forbidden::kPermanent;
    std::chrono::milliseconds timeout{0};
  };
  Result<json> call(const Call& c);
  // Like call() but a 404/not-found answer becomes nullopt.
  Result<std::optional<json>> call_optional(const Call& c);

  http::HttpClient& http_;
  ClientOptions options_;
  Sleeper sleep_;
  std::string token_;
  ClientStats stats_;
  // Per acting user: when the homeserver lets them act again, and, once a 429 was met,
  // the spacing its hint implies, kept between writes so that each action costs one
  // request rather than a 429 and a retry (reads are not rate limited and never wait).
  struct Pace {
    std::chrono::steady_clock::time_point not_before{};
    std::chrono::steady_clock::time_point last_write{};
    std::chrono::microseconds interval{0};  // fine-grained: it is adjusted by 1/64 steps
  };
  std::map<std::string, Pace> pace_;
};

// Percent-encoded path segment (room ids, aliases, user ids, txn ids).
std::string seg(const std::string& text);
// A RoomEvent from a client-format event object; kInvalidInput naming `where`.
Result<RoomEvent> parse_room_event(const json& ev, const std::string& where);
Result<SyncResult> parse_sync(const json& body);
Result<AdminUser> parse_admin_user(const json& body, const std::string& where);

}  // namespace coopsync::matrix
