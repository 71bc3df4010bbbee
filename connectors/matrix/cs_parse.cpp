// Parsers of the structured answers (/sync, room events, admin user objects). Unknown
// keys are ignored; missing required ones are kInvalidInput naming the answer.
#include "connectors/matrix/cs_client.hpp"

namespace coopsync::matrix {

namespace {
constexpr std::size_t kMaxEventsPerSection = 100000;  // bounded work per answer

Status parse_events(const json& section, const std::string& where, std::vector<RoomEvent>& out) {
  if (!section.is_object()) return ok_status();
  auto it = section.find("events");
  if (it == section.end() || !it->is_array()) return ok_status();
  if (it->size() > kMaxEventsPerSection) {
    return make_error(ErrorKind::kInvalidInput, where + ": too many events in one section");
  }
  for (const auto& ev : *it) {
    auto parsed = parse_room_event(ev, where);
    if (!parsed.ok()) return std::move(parsed).error();
    out.push_back(std::move(parsed).value());
  }
  return ok_status();
}

Result<std::vector<SyncRoom>> parse_rooms(const json& rooms, const char* which) {
  std::vector<SyncRoom> out;
  auto it = rooms.find(which);
  if (it == rooms.end() || !it->is_object()) return out;
  for (const auto& [room_id, body] : it->items()) {
    SyncRoom room;
    room.room_id = room_id;
    const std::string where = std::string("matrix: sync ") + which + " " + room_id;
    if (!body.is_object()) return make_error(ErrorKind::kInvalidInput, where + ": not an object");
    if (auto t = body.find("timeline"); t != body.end() && t->is_object()) {
      if (auto st = parse_events(*t, where, room.timeline); !st.ok()) return std::move(st).error();
      room.limited = t->value("limited", false) == true;
    }
    if (auto s = body.find("state"); s != body.end()) {
      if (auto st = parse_events(*s, where, room.state); !st.ok()) return std::move(st).error();
    }
    out.push_back(std::move(room));
  }
  return out;
}
}  // namespace

Result<RoomEvent> parse_room_event(const json& ev, const std::string& where) {
  if (!ev.is_object()) return make_error(ErrorKind::kInvalidInput, where + ": event is not an object");
  RoomEvent out;
  auto type = get_string(ev, "type", where);
  if (!type.ok()) return std::move(type).error();
  out.type = *type;
  out.sender = string_or(ev, "sender");
  out.event_id = string_or(ev, "event_id");
  if (auto sk = ev.find("state_key"); sk != ev.end() && sk->is_string()) {
    out.state_key = sk->get<std::string>();
  }
  if (auto c = ev.find("content"); c != ev.end() && c->is_object()) out.content = *c;
  out.origin_server_ts = int_or_none(ev, "origin_server_ts").value_or(0);
  return out;
}

Result<SyncResult> parse_sync(const json& body) {
  SyncResult out;
  auto next = get_string(body, "next_batch", "matrix: sync");
  if (!next.ok()) return std::move(next).error();
  out.next_batch = *next;
  auto rooms = body.find("rooms");
  if (rooms == body.end() || !rooms->is_object()) return out;  // nothing new (fixture 48)
  auto joined = parse_rooms(*rooms, "join");
  if (!joined.ok()) return std::move(joined).error();
  out.joined = std::move(joined).value();
  auto left = parse_rooms(*rooms, "leave");
  if (!left.ok()) return std::move(left).error();
  out.left = std::move(left).value();
  if (auto inv = rooms->find("invite"); inv != rooms->end() && inv->is_object()) {
    for (const auto& [room_id, _] : inv->items()) out.invited.push_back(room_id);
  }
  return out;
}

Result<AdminUser> parse_admin_user(const json& body, const std::string& where) {
  AdminUser out;
  auto name = get_string(body, "name", where);
  if (!name.ok()) return std::move(name).error();
  out.user_id = *name;
  out.displayname = string_or(body, "displayname");
  // Synapse 1.67 answers booleans as integers 0/1 here (fixtures 11-15, 60).
  auto flag = [&](const char* key) {
    auto it = body.find(key);
    if (it == body.end()) return false;
    if (it->is_boolean()) return it->get<bool>();
    if (it->is_number_integer()) return it->get<long long>() != 0;
    return false;
  };
  out.admin = flag("admin");
  out.deactivated = flag("deactivated");
  if (auto t = body.find("threepids"); t != body.end() && t->is_array()) {
    for (const auto& tp : *t) {
      if (string_or(tp, "medium") == "email") out.emails.push_back(string_or(tp, "address"));
    }
  }
  return out;
}

}  // namespace coopsync::matrix
