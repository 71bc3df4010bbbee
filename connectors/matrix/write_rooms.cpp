// Writes of collectives (rooms in the space) and memberships (invite / kick).
#include "connectors/matrix/identity.hpp"
#include "connectors/matrix/matrix_connector.hpp"

namespace coopsync::matrix {

namespace {

// A room or membership written (or found already there: adopted).
WriteResult written(std::string external_id, bool adopted = false) {
  WriteResult r;
  r.external_id = std::move(external_id);
  r.adopted = adopted;
  return r;
}

// "<room_id>|<user_id>" -> the two parts; empty parts when it is not shaped so.
std::pair<std::string, std::string> split_pair(const std::string& id) {
  const auto bar = id.find('|');
  if (bar == std::string::npos) return {};
  return {id.substr(0, bar), id.substr(bar + 1)};
}
}  // namespace

Status MatrixConnector::sync_room_text(const std::string& room_id, const Fields& fields) {
  // Compare first: a state event costs a rate-limited action, a read costs nothing.
  const struct {
    const char* field;
    const char* type;
    const char* key;
  } items[] = {{field::kName, "m.room.name", "name"}, {field::kDescription, "m.room.topic", "topic"}};
  for (const auto& item : items) {
    if (!fields.contains(item.field)) continue;
    const std::string want = field_text(fields, item.field);
    auto have = client_.get_state(room_id, item.type, "");
    if (!have.ok()) return std::move(have).error();
    const std::string current = have->has_value() ? string_or(**have, item.key) : std::string();
    if (current == want) continue;
    auto put = client_.put_state(room_id, item.type, "", {{item.key, want}});
    if (!put.ok()) return std::move(put).error();
  }
  return ok_status();
}

WriteResult MatrixConnector::write_group(const Write& w) {
  if (w.op == WriteOp::kUpdate || w.op == WriteOp::kEnable) {
    if (w.external_id.empty()) return WriteResult::failed(make_error(ErrorKind::kInvalidInput, "matrix: group update without room id"));
    if (auto st = sync_room_text(w.external_id, w.fields); !st.ok()) return WriteResult::failed(st.error());
    if (w.op == WriteOp::kEnable) {
      if (auto st = link_into_space(w.external_id); !st.ok()) return WriteResult::failed(st.error());
    }
    return written(w.external_id);
  }
  if (w.op == WriteOp::kDisable || w.op == WriteOp::kDelete) {
    // The room stays (its history belongs to its members); it leaves the space, and on
    // delete its alias goes so that a new collective of the same slug gets a new room.
    auto space = ensure_space(false);
    if (!space.ok()) return WriteResult::failed(space.error());
    if (!space->empty()) {
      auto put = client_.put_state(*space, "m.space.child", w.external_id, json::object());
      if (!put.ok() && put.error().kind != ErrorKind::kNotFound) return WriteResult::failed(put.error());
    }
    if (managed_) managed_->erase(w.external_id);
    if (w.op == WriteOp::kDelete) {
      std::string slug = field_text(w.fields, field::kSlug);
      if (!slug.empty()) {
        auto del = client_.delete_alias(room_alias_for(settings_, slug));
        if (!del.ok() && del.error().kind != ErrorKind::kNotFound) return WriteResult::failed(del.error());
      }
    }
    return written(w.external_id);
  }
  // Create: find the room by alias first (a restart, a crash after createRoom, a room
  // made by hand), and only then create it.
  std::string slug = field_text(w.fields, field::kSlug);
  if (slug.empty()) slug = slugify(field_text(w.fields, field::kName));
  if (slug.empty()) return WriteResult::failed(make_error(ErrorKind::kPermanent, "matrix: collective " + w.entity_id + " has neither slug nor name"));
  const std::string alias = room_alias_for(settings_, slug);
  auto space = ensure_space(true);
  if (!space.ok()) return WriteResult::failed(space.error());
  // Listed: every room of the space was read in this pass and none is this one; a room
  // given the alias since (or made by hand outside the space) answers M_ROOM_IN_USE below.
  auto existing = w.listed ? Result<std::optional<std::string>>(std::nullopt)
                           : client_.resolve_alias(alias);
  if (!existing.ok()) return WriteResult::failed(existing.error());
  if (existing->has_value()) {
    const std::string room_id = **existing;
    if (auto st = sync_room_text(room_id, w.fields); !st.ok()) return WriteResult::failed(st.error());
    if (auto st = link_into_space(room_id); !st.ok()) return WriteResult::failed(st.error());
    WriteResult r = written(room_id, true);
    r.matched_key = "alias";  // the room the collective's alias names
    r.matched_value = alias;
    return r;
  }
  json initial = json::array();
  initial.push_back({{"type", "m.room.history_visibility"}, {"state_key", ""},
                     {"content", {{"history_visibility", "shared"}}}});
  initial.push_back({{"type", "m.room.guest_access"}, {"state_key", ""},
                     {"content", {{"guest_access", "forbidden"}}}});
  initial.push_back({{"type", "org.coop.sync.origin"}, {"state_key", ""},
                     {"content", {{"entity", w.entity_id}}}});
  // The parent link rides in the creation: one rate-limited action fewer per room.
  initial.push_back({{"type", "m.space.parent"}, {"state_key", *space},
                     {"content", {{"via", {settings_.server_name}}, {"canonical", true}}}});
  json body = {{"preset", "private_chat"},
               {"visibility", "private"},
               {"name", field_text(w.fields, field::kName)},
               {"room_alias_name", alias_localpart(alias)},
               {"initial_state", initial},
               {"power_level_content_override", {{"users", {{me_, 100}}}}}};
  const std::string topic = field_text(w.fields, field::kDescription);
  if (!topic.empty()) body["topic"] = topic;
  // Its members planned in the same pass are invited in the creation (createRoom `invite`),
  // as many as the homeserver takes there; the others go on their own.
  std::vector<std::string> invite;
  invite.reserve(w.memberships.size());
  for (const auto& m : w.memberships) invite.push_back(m.other);
  std::size_t invited = 0;
  auto created = create_inviting(std::move(body), invite, invited);
  std::string room_id;
  bool adopted = false;
  if (created.ok()) {
    room_id = created->room_id;
  } else if (created.error().kind == ErrorKind::kConflict) {  // M_ROOM_IN_USE: alias taken meanwhile
    auto again = client_.resolve_alias(alias);
    if (!again.ok()) return WriteResult::failed(again.error());
    if (!again->has_value()) return WriteResult::failed(created.error());
    room_id = **again;
    adopted = true;
  } else {
    return WriteResult::failed(created.error());
  }
  if (auto st = link_into_space(room_id, !adopted); !st.ok()) {
    return WriteResult::failed(st.error());
  }
  WriteResult out = written(room_id, adopted);
  for (std::size_t i = 0; i < w.memberships.size(); ++i) {
    const auto& m = w.memberships[i];
    // Invited with the room, and into the space (usually by the space's own creation). One
    // not invited into the space goes on its own (its room invite is then repeated, which
    // the homeserver accepts: 24).
    WriteResult joined;
    if (!adopted && i < invited && invite_into_space(m.other, true).ok()) {
      joined = written(room_id + "|" + m.other);
    }
    out.memberships.push_back(std::move(joined));
  }
  return out;
}

WriteResult MatrixConnector::write_membership(const Write& w) {
  auto [room_id, user_id] = split_pair(w.external_id);
  if (room_id.empty()) {
    room_id = field_text(w.fields, field::kGroup);
    user_id = field_text(w.fields, field::kPerson);
  }
  if (room_id.empty() || user_id.empty()) {
    return WriteResult::failed(make_error(ErrorKind::kPermanent,
                           "matrix: membership " + w.entity_id + " lacks its room or its person"));
  }
  const std::string id = room_id + "|" + user_id;
  if (w.op == WriteOp::kCreate && w.listed) {
    // The room's members were read in this pass and this one was not among them: invite at
    // once. A refusal (joined or banned since) is judged below from the membership read.
    auto st = client_.invite(room_id, user_id, settings_.invite_reason);
    if (st.ok()) {
      if (auto sp = invite_into_space(user_id, true); !sp.ok()) return WriteResult::failed(sp.error());
      return written(id);
    }
    if (st.error().kind != ErrorKind::kPermanent) return WriteResult::failed(st.error());
  }
  auto member = client_.get_state(room_id, "m.room.member", user_id);
  if (!member.ok()) return WriteResult::failed(member.error());
  const std::string current = member->has_value() ? string_or(**member, "membership") : std::string();
  const bool inside = current == "join" || current == "invite";
  if (w.op == WriteOp::kDelete || w.op == WriteOp::kDisable) {
    if (!inside) return written(id);  // already out: nothing to undo
    if (auto st = client_.kick(room_id, user_id, settings_.kick_reason); !st.ok()) {
      // Synapse refuses to kick who has left (403 "The target user is not in the room"):
      // so does a retried kick whose first answer was lost after the server carried it
      // out. Read the membership again: already out is done, not a dead letter.
      if (st.error().kind != ErrorKind::kPermanent) return WriteResult::failed(st.error());
      auto again = client_.get_state(room_id, "m.room.member", user_id);
      if (!again.ok()) return WriteResult::failed(again.error());  // unknown yet: retried
      const std::string now = again->has_value() ? string_or(**again, "membership") : std::string();
      if (now == "join" || now == "invite") return WriteResult::failed(st.error());
    }
    return written(id);
  }
  if (w.op == WriteOp::kUpdate) return written(id);  // role is not held in Matrix
  if (current == "ban") {
    return WriteResult::failed(make_error(ErrorKind::kPermanent, "matrix: " + user_id + " is banned from " + room_id));
  }
  if (!inside) {
    if (auto st = client_.invite(room_id, user_id, settings_.invite_reason); !st.ok()) {
      return WriteResult::failed(st.error());
    }
  }
  // After the room: a failure here retries the whole write, and the room invite is not
  // repeated (it is read first).
  if (auto st = invite_into_space(user_id, w.listed); !st.ok()) return WriteResult::failed(st.error());
  return written(id, inside);  // never invite twice; an existing membership is adopted
}

}  // namespace coopsync::matrix
