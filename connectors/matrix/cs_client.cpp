// One method per endpoint; request shapes follow ../shared/fixtures/matrix exactly.
#include "connectors/matrix/cs_client.hpp"

#include <algorithm>

namespace coopsync::matrix {

namespace {
const std::string kV3 = "/_matrix/client/v3";
const std::string kAdmin = "/_synapse/admin";
}  // namespace

Result<std::vector<std::string>> CsClient::versions() {
  auto r = call({"GET", "/_matrix/client/versions", {}, std::nullopt, {}, "GET /versions"});
  if (!r.ok()) return std::move(r).error();
  auto it = r->find("versions");
  if (!r->is_object() || it == r->end() || !it->is_array()) {
    return make_error(ErrorKind::kInvalidInput, "matrix: /versions: no \"versions\" list");
  }
  std::vector<std::string> out;
  for (const auto& v : *it) {
    if (v.is_string()) out.push_back(v.get<std::string>());
  }
  return out;
}

Result<WhoAmI> CsClient::whoami(const std::string& as_user) {
  auto r = call({"GET", kV3 + "/account/whoami", {}, std::nullopt, as_user, "whoami",
                 Forbidden::kAuth});
  if (!r.ok()) return std::move(r).error();
  auto user = get_string(*r, "user_id", "matrix: whoami");
  if (!user.ok()) return std::move(user).error();
  return WhoAmI{*user, string_or(*r, "device_id")};
}

Result<LoginResult> CsClient::login_password(const std::string& user, const std::string& password,
                                             const std::string& device_name) {
  json body = {{"type", "m.login.password"},
               {"identifier", {{"type", "m.id.user"}, {"user", user}}},
               {"password", password}};
  if (!device_name.empty()) body["initial_device_display_name"] = device_name;
  auto r = call({"POST", kV3 + "/login", {}, body, {}, "password login of " + user,
                 Forbidden::kAuth});
  if (!r.ok()) return std::move(r).error();
  auto token = get_string(*r, "access_token", "matrix: login");
  auto uid = get_string(*r, "user_id", "matrix: login");
  if (!token.ok()) return std::move(token).error();
  if (!uid.ok()) return std::move(uid).error();
  return LoginResult{*uid, *token, string_or(*r, "device_id")};
}

Result<std::string> CsClient::register_appservice_user(const std::string& localpart) {
  json body = {{"type", "m.login.application_service"}, {"username", localpart}};
  auto r = call({"POST", kV3 + "/register", {}, body, {}, "appservice registration of " + localpart,
                 Forbidden::kAuth});
  if (r.ok()) return get_string(*r, "user_id", "matrix: register");
  if (r.error().kind == ErrorKind::kConflict) return std::string();  // M_USER_IN_USE: exists
  return std::move(r).error();
}

Result<CreatedRoom> CsClient::create_room(const json& body) {
  Call c{"POST", kV3 + "/createRoom", {}, body, {},
         "createRoom " + body.value("room_alias_name", std::string("(no alias)"))};
  // Synapse makes each invite of the creation an event within the request.
  if (auto it = body.find("invite"); it != body.end() && it->is_array()) {
    c.timeout = options_.timeout + kCreationInviteTime * static_cast<long>(it->size());
  }
  auto r = call(c);
  if (!r.ok()) return std::move(r).error();
  auto room = get_string(*r, "room_id", "matrix: createRoom");
  if (!room.ok()) return std::move(room).error();
  return CreatedRoom{*room, string_or(*r, "room_alias")};
}

Result<std::optional<std::string>> CsClient::resolve_alias(const std::string& alias) {
  auto r = call_optional({"GET", kV3 + "/directory/room/" + seg(alias), {}, std::nullopt, {},
                          "resolve alias " + alias});
  if (!r.ok()) return std::move(r).error();
  if (!r->has_value()) return std::optional<std::string>();
  auto room = get_string(**r, "room_id", "matrix: alias " + alias);
  if (!room.ok()) return std::move(room).error();
  return std::optional<std::string>(*room);
}

Status CsClient::put_alias(const std::string& alias, const std::string& room_id) {
  auto r = call({"PUT", kV3 + "/directory/room/" + seg(alias), {}, json{{"room_id", room_id}}, {},
                 "create alias " + alias});
  if (!r.ok()) return std::move(r).error();
  return ok_status();
}

Status CsClient::delete_alias(const std::string& alias) {
  auto r = call({"DELETE", kV3 + "/directory/room/" + seg(alias), {}, std::nullopt, {},
                 "delete alias " + alias});
  if (!r.ok()) return std::move(r).error();
  return ok_status();
}

Status CsClient::invite(const std::string& room_id, const std::string& user_id,
                        const std::string& reason) {
  json body = {{"user_id", user_id}};
  if (!reason.empty()) body["reason"] = reason;
  auto r = call({"POST", kV3 + "/rooms/" + seg(room_id) + "/invite", {}, body, {},
                 "invite " + user_id + " to " + room_id});
  if (!r.ok()) return std::move(r).error();
  return ok_status();
}

Status CsClient::kick(const std::string& room_id, const std::string& user_id,
                      const std::string& reason) {
  json body = {{"user_id", user_id}};
  if (!reason.empty()) body["reason"] = reason;
  auto r = call({"POST", kV3 + "/rooms/" + seg(room_id) + "/kick", {}, body, {},
                 "kick " + user_id + " from " + room_id});
  if (!r.ok()) return std::move(r).error();
  return ok_status();
}

Result<std::string> CsClient::join(const std::string& room_or_alias, const std::string& as_user) {
  auto r = call({"POST", kV3 + "/join/" + seg(room_or_alias), {}, json::object(), as_user,
                 "join " + room_or_alias});
  if (!r.ok()) return std::move(r).error();
  return get_string(*r, "room_id", "matrix: join");
}

Result<std::map<std::string, std::string>> CsClient::joined_members(const std::string& room_id) {
  auto r = call({"GET", kV3 + "/rooms/" + seg(room_id) + "/joined_members", {}, std::nullopt, {},
                 "joined members of " + room_id});
  if (!r.ok()) return std::move(r).error();
  auto it = r->find("joined");
  if (!r->is_object() || it == r->end() || !it->is_object()) {
    return make_error(ErrorKind::kInvalidInput, "matrix: joined_members of " + room_id +
                                                    ": no \"joined\" object");
  }
  std::map<std::string, std::string> out;
  for (const auto& [user, info] : it->items()) out[user] = string_or(info, "display_name");
  return out;
}

Result<std::vector<RoomEvent>> CsClient::members(const std::string& room_id) {
  const std::string what = "members of " + room_id;
  auto r = call({"GET", kV3 + "/rooms/" + seg(room_id) + "/members", {}, std::nullopt, {}, what});
  if (!r.ok()) return std::move(r).error();
  auto it = r->find("chunk");
  if (!r->is_object() || it == r->end() || !it->is_array()) {
    return make_error(ErrorKind::kInvalidInput, "matrix: " + what + ": no \"chunk\" list");
  }
  std::vector<RoomEvent> out;
  for (const auto& ev : *it) {
    auto parsed = parse_room_event(ev, "matrix: " + what);
    if (!parsed.ok()) return std::move(parsed).error();
    out.push_back(std::move(parsed).value());
  }
  return out;
}

Result<std::optional<json>> CsClient::get_state(const std::string& room_id, const std::string& type,
                                                const std::string& state_key) {
  std::string path = kV3 + "/rooms/" + seg(room_id) + "/state/" + seg(type);
  if (!state_key.empty()) path += "/" + seg(state_key);
  return call_optional({"GET", path, {}, std::nullopt, {}, "state " + type + " of " + room_id});
}

Result<std::string> CsClient::put_state(const std::string& room_id, const std::string& type,
                                        const std::string& state_key, const json& content) {
  std::string path = kV3 + "/rooms/" + seg(room_id) + "/state/" + seg(type);
  if (!state_key.empty()) path += "/" + seg(state_key);
  auto r = call({"PUT", path, {}, content, {}, "set " + type + " in " + room_id});
  if (!r.ok()) return std::move(r).error();
  return get_string(*r, "event_id", "matrix: state " + type);
}

Result<std::string> CsClient::send(const std::string& room_id, const std::string& type,
                                   const std::string& txn_id, const json& content,
                                   const std::string& as_user) {
  auto r = call({"PUT", kV3 + "/rooms/" + seg(room_id) + "/send/" + seg(type) + "/" + seg(txn_id),
                 {}, content, as_user, "send " + type + " to " + room_id});
  if (!r.ok()) return std::move(r).error();
  return get_string(*r, "event_id", "matrix: send");
}

Result<MessagesPage> CsClient::messages(const std::string& room_id, const std::string& from,
                                        int limit) {
  std::vector<std::pair<std::string, std::string>> q = {{"dir", "b"},
                                                        {"limit", std::to_string(limit)}};
  if (!from.empty()) q.emplace_back("from", from);
  const std::string what = "messages of " + room_id;
  auto r = call({"GET", kV3 + "/rooms/" + seg(room_id) + "/messages", q, std::nullopt, {}, what});
  if (!r.ok()) return std::move(r).error();
  MessagesPage page;
  page.end = string_or(*r, "end");
  auto it = r->find("chunk");
  if (!r->is_object() || it == r->end() || !it->is_array()) return page;
  for (const auto& ev : *it) {
    auto parsed = parse_room_event(ev, "matrix: " + what);
    if (!parsed.ok()) return std::move(parsed).error();
    page.chunk.push_back(std::move(parsed).value());
  }
  return page;
}

Result<HierarchyPage> CsClient::hierarchy(const std::string& space_id, const std::string& from) {
  std::vector<std::pair<std::string, std::string>> q;  // as captured (22): defaults
  if (!from.empty()) q.emplace_back("from", from);
  const std::string what = "hierarchy of " + space_id;
  auto r = call({"GET", "/_matrix/client/v1/rooms/" + seg(space_id) + "/hierarchy", q,
                 std::nullopt, {}, what});
  if (!r.ok()) return std::move(r).error();
  auto it = r->find("rooms");
  if (!r->is_object() || it == r->end() || !it->is_array()) {
    return make_error(ErrorKind::kInvalidInput, "matrix: " + what + ": no \"rooms\" list");
  }
  HierarchyPage page;
  page.next_batch = string_or(*r, "next_batch");
  for (const auto& room : *it) {
    HierarchyRoom h;
    auto id = get_string(room, "room_id", "matrix: " + what);
    if (!id.ok()) return std::move(id).error();
    h.room_id = *id;
    h.name = string_or(room, "name");
    h.topic = string_or(room, "topic");
    h.canonical_alias = string_or(room, "canonical_alias");
    h.room_type = string_or(room, "room_type");
    if (auto cs = room.find("children_state"); cs != room.end() && cs->is_array()) {
      for (const auto& child : *cs) {
        const auto content = child.find("content");
        if (string_or(child, "type") == "m.space.child" && content != child.end() &&
            content->is_object() && !content->empty()) {
          h.children.push_back(string_or(child, "state_key"));
        }
      }
    }
    page.rooms.push_back(std::move(h));
  }
  return page;
}

Result<std::string> CsClient::create_filter(const std::string& user_id, const json& filter) {
  auto r = call({"POST", kV3 + "/user/" + seg(user_id) + "/filter", {}, filter, {},
                 "create sync filter"});
  if (!r.ok()) return std::move(r).error();
  return get_string(*r, "filter_id", "matrix: filter");
}

Result<SyncResult> CsClient::sync(const std::string& filter_id, const std::string& since,
                                  std::chrono::milliseconds timeout) {
  std::vector<std::pair<std::string, std::string>> q;
  if (!filter_id.empty()) q.emplace_back("filter", filter_id);
  if (!since.empty()) q.emplace_back("since", since);
  if (timeout.count() >= 0) q.emplace_back("timeout", std::to_string(timeout.count()));
  Call c{"GET", kV3 + "/sync", q, std::nullopt, {}, "sync", Forbidden::kAuth};
  c.timeout = std::max(timeout, std::chrono::milliseconds(0)) + options_.timeout;  // the server holds a long-poll up to `timeout`
  auto r = call(c);
  if (!r.ok()) return std::move(r).error();
  return parse_sync(*r);
}

Result<std::optional<std::string>> CsClient::profile_displayname(const std::string& user_id) {
  auto r = call_optional({"GET", kV3 + "/profile/" + seg(user_id), {}, std::nullopt, {},
                          "profile of " + user_id});
  if (!r.ok()) return std::move(r).error();
  if (!r->has_value()) return std::optional<std::string>();
  return std::optional<std::string>(string_or(**r, "displayname", user_id));
}

Result<std::optional<AdminUser>> CsClient::admin_get_user(const std::string& user_id) {
  Call c{"GET", kAdmin + "/v2/users/" + seg(user_id), {}, std::nullopt, {},
         "admin query of " + user_id, Forbidden::kAuth};
  auto r = call_optional(c);
  if (!r.ok()) return std::move(r).error();
  if (!r->has_value()) return std::optional<AdminUser>();
  auto user = parse_admin_user(**r, "matrix: admin user " + user_id);
  if (!user.ok()) return std::move(user).error();
  return std::optional<AdminUser>(std::move(user).value());
}

Result<AdminUser> CsClient::admin_put_user(const std::string& user_id, const json& body) {
  // 201 (created) and 200 (modified) share one body shape (fixtures 11, 12).
  Call c{"PUT", kAdmin + "/v2/users/" + seg(user_id), {}, body, {}, "admin upsert of " + user_id,
         Forbidden::kAuth};
  auto r = call(c);
  if (!r.ok()) return std::move(r).error();
  return parse_admin_user(*r, "matrix: admin user " + user_id);
}

Status CsClient::admin_deactivate(const std::string& user_id) {
  Call c{"POST", kAdmin + "/v1/deactivate/" + seg(user_id), {}, json{{"erase", false}}, {},
         "deactivate " + user_id, Forbidden::kAuth};
  auto r = call(c);
  if (!r.ok()) return std::move(r).error();
  return ok_status();
}

Result<AdminUserPage> CsClient::admin_list_users(long from, int limit) {
  Call c{"GET", kAdmin + "/v2/users",
         {{"from", std::to_string(from)}, {"limit", std::to_string(limit)}, {"guests", "false"}},
         std::nullopt, {}, "admin list of users", Forbidden::kAuth};
  auto r = call(c);
  if (!r.ok()) return std::move(r).error();
  AdminUserPage page;
  page.next_token = string_or(*r, "next_token");
  auto it = r->find("users");
  if (!r->is_object() || it == r->end() || !it->is_array()) {
    return make_error(ErrorKind::kInvalidInput, "matrix: admin list of users: no \"users\" list");
  }
  for (const auto& u : *it) {
    auto user = parse_admin_user(u, "matrix: admin list of users");
    if (!user.ok()) return std::move(user).error();
    page.users.push_back(std::move(user).value());
  }
  return page;
}

Result<std::optional<std::string>> CsClient::admin_user_by_email(const std::string& email) {
  Call c{"GET", kAdmin + "/v1/threepid/email/users/" + seg(email), {}, std::nullopt, {},
         "admin lookup by email", Forbidden::kAuth};
  auto r = call_optional(c);
  if (!r.ok()) return std::move(r).error();
  if (!r->has_value()) return std::optional<std::string>();
  // The whole answer is {"user_id": ...} (Synapse's UserByThreePid servlet).
  auto user = get_string(**r, "user_id", "matrix: admin lookup by email");
  if (!user.ok()) return std::move(user).error();
  return std::optional<std::string>(*user);
}

}  // namespace coopsync::matrix
