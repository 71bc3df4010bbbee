// Start-up (versions, whoami, login), the space, the set of managed rooms, apply() with
// its pacing budget, and find().
#include "connectors/matrix/matrix_connector.hpp"

#include "connectors/matrix/identity.hpp"

#include <spdlog/spdlog.h>

namespace coopsync::matrix {

namespace {
const char* kStateToken = "access_token";  // bot mode: reused so txnIds stay idempotent
}

Capabilities matrix_capabilities(bool admin) {
  Capabilities c;
  c.push_kinds = {EntityKind::kMembership};  // /sync long-polls; the rest are listings
  c.listed_kinds = {EntityKind::kPerson, EntityKind::kGroup};
  KindCapabilities person;
  person.read = admin;
  person.create = true;  // admin: create or adopt; otherwise: resolve by rule and adopt
  person.update = admin;
  person.disable = admin;
  person.fields = {field::kDisplayName, field::kEmail, field::kActive};
  person.match_keys = {field::kEmail};
  c.kinds[EntityKind::kPerson] = person;
  KindCapabilities group;
  group.read = group.create = group.update = group.disable = group.remove = true;
  group.fields = {field::kName, field::kSlug, field::kDescription};
  group.match_keys = {field::kSlug};
  c.kinds[EntityKind::kGroup] = group;
  KindCapabilities membership;
  membership.read = membership.create = membership.disable = membership.remove = true;
  membership.fields = {field::kPerson, field::kGroup};
  c.kinds[EntityKind::kMembership] = membership;
  KindCapabilities event;
  event.create = event.update = event.disable = event.remove = true;
  event.fields = {field::kTitle,    field::kDescription, field::kStart,     field::kEnd,
                  field::kTimezone, field::kAllDay,      field::kLocation,  field::kOnlineUrl,
                  field::kStatus,   field::kGroup};
  c.kinds[EntityKind::kEvent] = event;
  return c;
}

MatrixConnector::MatrixConnector(const ConnectorContext& ctx, Settings settings,
                                 http::HttpClientPtr http, Sleeper sleeper)
    : ctx_(ctx),
      settings_(std::move(settings)),
      http_(std::move(http)),
      client_(*http_, ClientOptions{settings_.url, settings_.rate_limit_max_wait,
                                    settings_.request_timeout},
              std::move(sleeper)),
      caps_(matrix_capabilities(settings_.admin)) {
  // createRoom takes an invite list (no reason can go with it): a new room's members are
  // invited in its creation when no invite_reason is configured.
  if (settings_.invite_reason.empty()) caps_.fold_memberships_into = EntityKind::kGroup;
  if (settings_.mode == Mode::kAppservice) {
    client_.set_access_token(settings_.as_token);
  } else if (!settings_.access_token.empty()) {
    client_.set_access_token(settings_.access_token);
  }
}

Status MatrixConnector::check() {
  auto versions = client_.versions();
  if (!versions.ok()) return std::move(versions).error();
  if (settings_.mode == Mode::kBot && settings_.access_token.empty()) {
    // A stored token first: a new login would start a new txnId scope (fixture 31).
    std::optional<std::string> stored = ctx_.state ? ctx_.state->get(kStateToken) : std::nullopt;
    bool usable = false;
    if (stored && !stored->empty()) {
      client_.set_access_token(*stored);
      auto who = client_.whoami();
      if (who.ok()) {
        me_ = who->user_id;
        usable = true;
      } else if (who.error().kind != ErrorKind::kAuth) {
        return std::move(who).error();
      }
    }
    if (!usable) {
      client_.set_access_token("");
      auto login = client_.login_password(settings_.bot_localpart, settings_.password, "coopsync");
      if (!login.ok()) return std::move(login).error();
      client_.set_access_token(login->access_token);
      if (ctx_.state) {
        if (auto st = ctx_.state->put(kStateToken, login->access_token); !st.ok()) return st;
      }
    }
  }
  auto who = client_.whoami();
  if (!who.ok()) return std::move(who).error();
  me_ = who->user_id;
  if (settings_.mode == Mode::kAppservice && me_ != settings_.bot_user_id() && ctx_.logger) {
    ctx_.logger->warn("matrix: appservice acts as {}, not the configured {}", me_,
                      settings_.bot_user_id());
  }
  ready_ = true;
  return ok_status();
}

Status MatrixConnector::ready() {
  if (ready_) return ok_status();
  return check();
}

Result<std::string> MatrixConnector::ensure_space(bool create,
                                                  const std::vector<std::string>& invite) {
  if (!space_id_.empty()) return space_id_;
  const std::string alias = expand(settings_.space_alias, {{"prefix", settings_.namespace_prefix},
                                                           {"server", settings_.server_name}});
  auto found = client_.resolve_alias(alias);
  if (!found.ok()) return std::move(found).error();
  if (found->has_value()) {
    space_id_ = **found;
    return space_id_;
  }
  if (!create) return std::string();
  // As captured (19): a private space; only admins post, moderators invite.
  json body = {{"preset", "private_chat"},
               {"name", settings_.space_name},
               {"room_alias_name", alias_localpart(alias)},
               {"creation_content", {{"type", "m.space"}}},
               {"power_level_content_override",
                {{"events_default", 100}, {"invite", 50}, {"users", {{me_, 100}}}}}};
  if (!settings_.space_topic.empty()) body["topic"] = settings_.space_topic;
  std::size_t invited = 0;
  auto created = create_inviting(std::move(body), invite, invited);
  if (!created.ok()) {
    if (created.error().kind != ErrorKind::kConflict) return std::move(created).error();
    auto again = client_.resolve_alias(alias);  // made meanwhile by another replica
    if (!again.ok()) return std::move(again).error();
    if (!again->has_value()) return std::move(created).error();
    space_id_ = **again;
    return space_id_;
  }
  space_id_ = created->room_id;
  space_members_read_ = true;  // new: nobody but us is in it, and those it invited
  in_space_.insert(invite.begin(), invite.begin() + static_cast<std::ptrdiff_t>(invited));
  return space_id_;
}

Result<CreatedRoom> MatrixConnector::create_inviting(json body,
                                                     const std::vector<std::string>& invite,
                                                     std::size_t& invited) {
  invited = 0;
  for (;;) {
    const std::size_t n = std::min(invite.size(), creation_invites_);
    if (n > 0) {
      body["invite"] = std::vector<std::string>(invite.begin(),
                                                invite.begin() + static_cast<std::ptrdiff_t>(n));
    } else {
      body.erase("invite");
    }
    auto created = client_.create_room(body);
    if (created.ok()) {
      invited = n;
      return created;
    }
    // Refused before anything was made (rc_invites.per_room): again with a list it takes.
    const Error& e = created.error();
    if (n > kLimitedCreationInvites && e.http_status == 400 &&
        e.message.find("Cannot invite so many users at once") != std::string::npos) {
      creation_invites_ = kLimitedCreationInvites;
      continue;
    }
    return created;
  }
}

Status MatrixConnector::link_into_space(const std::string& room_id, bool fresh) {
  auto space = ensure_space(true);
  if (!space.ok()) return std::move(space).error();
  std::optional<json> child;
  if (!fresh) {
    auto read = client_.get_state(*space, "m.space.child", room_id);
    if (!read.ok()) return std::move(read).error();
    child = std::move(*read);
  }
  if (!child.has_value() || child->empty()) {
    auto put = client_.put_state(*space, "m.space.child", room_id,
                                 {{"via", {settings_.server_name}}, {"suggested", true}});
    if (!put.ok()) return std::move(put).error();
  }
  if (managed_) managed_->insert(room_id);
  return ok_status();
}

// A member of a collective's room is also invited to the federation's space, so Element
// shows them the other rooms; checked once per user and run (a read costs no rate limit).
Status MatrixConnector::invite_into_space(const std::string& user_id, bool listed) {
  if (in_space_.count(user_id)) return ok_status();
  auto space = ensure_space(true);
  if (!space.ok()) return std::move(space).error();
  if (listed && space_members_read_) {
    // Not among the members read: invite at once. A refusal (joined or banned since) is
    // judged below from their membership, as without the listing.
    auto st = client_.invite(*space, user_id, settings_.invite_reason);
    if (st.ok()) {
      in_space_.insert(user_id);
      return ok_status();
    }
    if (st.error().kind != ErrorKind::kPermanent) return st;
  }
  auto member = client_.get_state(*space, "m.room.member", user_id);
  if (!member.ok()) return std::move(member).error();
  const std::string current =
      member->has_value() ? string_or(**member, "membership") : std::string();
  if (current != "join" && current != "invite") {
    if (current == "ban") {
      return make_error(ErrorKind::kPermanent,
                        "matrix: " + user_id + " is banned from the space " + *space);
    }
    if (auto st = client_.invite(*space, user_id, settings_.invite_reason); !st.ok()) return st;
  }
  in_space_.insert(user_id);
  return ok_status();
}

Result<std::set<std::string>> MatrixConnector::managed_rooms() {
  if (managed_) return *managed_;
  auto space = ensure_space(false);
  if (!space.ok()) return std::move(space).error();
  std::set<std::string> rooms;
  if (!space->empty()) {
    std::string from;
    for (int page = 0; page < 1000; ++page) {
      auto h = client_.hierarchy(*space, from);
      if (!h.ok()) return std::move(h).error();
      for (const auto& room : h->rooms) {
        if (room.room_id == *space) rooms.insert(room.children.begin(), room.children.end());
      }
      if (h->next_batch.empty() || h->next_batch == from) break;
      from = h->next_batch;
    }
  }
  managed_ = rooms;
  return rooms;
}

Result<std::string> MatrixConnector::ensure_filter() {
  if (!member_filter_.empty()) return member_filter_;
  // Membership changes only; the event fields of fixture 45. Members are lazy-loaded (as
  // in fixture 45): the state section is never read (a room whose timeline is limited is
  // read whole through /members), and without it a limited /sync carried every member of
  // each room, the space's 10,000 included: 95 MiB peak on the first pass after a
  // 10,000-member first sync, against 44 MiB on the passes after it.
  json filter = {
      {"room",
       {{"timeline", {{"limit", 100}, {"types", {"m.room.member"}}}},
        {"state", {{"types", {"m.room.member"}}, {"lazy_load_members", true}}},
        {"ephemeral", {{"types", json::array()}}},
        {"account_data", {{"types", json::array()}}}}},
      {"presence", {{"types", json::array()}}},
      {"account_data", {{"types", json::array()}}},
      {"event_fields",
       {"type", "content", "sender", "state_key", "event_id", "origin_server_ts", "unsigned"}}};
  auto id = client_.create_filter(me_, filter);
  if (!id.ok()) return std::move(id).error();
  member_filter_ = *id;
  // A filter matching no room: the cheapest way to learn the current stream position.
  json none = {{"room", {{"rooms", json::array()}}},
               {"presence", {{"types", json::array()}}},
               {"account_data", {{"types", json::array()}}}};
  auto token_only = client_.create_filter(me_, none);
  if (!token_only.ok()) return std::move(token_only).error();
  token_filter_ = *token_only;
  return member_filter_;
}

std::vector<WriteResult> MatrixConnector::apply(const std::vector<Write>& writes) {
  std::vector<WriteResult> out;
  out.reserve(writes.size());
  if (auto st = ready(); !st.ok()) {
    for (std::size_t i = 0; i < writes.size(); ++i) out.push_back(WriteResult{st.error()});
    return out;
  }
  // Each request waits out 429s up to rate_limit_max_wait; the batch as a whole up to
  // rate_limit_budget. Past it, the rest goes back to the outbox with the last hint.
  const auto held_at_start = client_.stats().held_back;
  // Members of rooms created in this batch, when the space is not there yet: the space's
  // creation invites them all, rather than one invite each afterwards.
  if (space_id_.empty()) {
    std::vector<std::string> members;
    std::set<std::string> seen;
    for (const auto& w : writes) {
      if (w.kind != EntityKind::kGroup || w.op != WriteOp::kCreate) continue;
      for (const auto& m : w.memberships) {
        if (members.size() >= creation_invites_) break;
        if (seen.insert(m.other).second) members.push_back(m.other);
      }
    }
    if (!members.empty()) {
      if (auto space = ensure_space(true, members); !space.ok()) {
        for (std::size_t i = 0; i < writes.size(); ++i) out.push_back(WriteResult{space.error()});
        return out;
      }
    }
  }
  for (const auto& w : writes) {
    if (client_.stats().held_back - held_at_start > settings_.rate_limit_budget) {
      out.push_back(WriteResult{make_error(ErrorKind::kRateLimited,
                                           "matrix: batch paused by the homeserver's rate limit",
                                           429, std::chrono::milliseconds(5000))});
      continue;
    }
    out.push_back(apply_one(w));
  }
  return out;
}

WriteResult MatrixConnector::apply_one(const Write& w) {
  try {
    switch (w.kind) {
      case EntityKind::kGroup: return write_group(w);
      case EntityKind::kMembership: return write_membership(w);
      case EntityKind::kPerson: return write_person(w);
      case EntityKind::kEvent: return write_event(w);
      case EntityKind::kRegistration: break;
    }
    return WriteResult{make_error(ErrorKind::kPermanent, "matrix: registrations are not held here")};
  } catch (const std::exception& e) {  // a field of an unexpected JSON type
    return WriteResult{make_error(ErrorKind::kInvalidInput, std::string("matrix: ") +
                                                                to_string(w.kind) + " " +
                                                                w.entity_id + ": " + e.what())};
  }
}

Result<std::vector<ExternalRecord>> MatrixConnector::find(EntityKind kind, const Fields& keys) {
  if (auto st = ready(); !st.ok()) return std::move(st).error();
  std::vector<ExternalRecord> out;
  if (kind == EntityKind::kGroup && keys.contains(field::kSlug) && keys[field::kSlug].is_string()) {
    const std::string slug = keys[field::kSlug].get<std::string>();
    auto room = client_.resolve_alias(room_alias_for(settings_, slug));
    if (!room.ok()) return std::move(room).error();
    if (room->has_value()) {
      ExternalRecord r;
      r.kind = kind;
      r.external_id = **room;
      r.fields = {{field::kSlug, slug}};
      out.push_back(std::move(r));
    }
  } else if (kind == EntityKind::kPerson) {
    auto user = find_person(keys);
    if (!user.ok()) {
      if (user.error().kind == ErrorKind::kPermanent) return out;  // rule cannot apply
      return std::move(user).error();
    }
    if (user->has_value()) {
      ExternalRecord r;
      r.kind = kind;
      r.external_id = **user;
      r.fields = Fields::object();
      if (keys.contains(field::kEmail)) r.fields[field::kEmail] = keys[field::kEmail];
      out.push_back(std::move(r));
    }
  }
  return out;
}

}  // namespace coopsync::matrix
