// changes(): collectives from the space's hierarchy (a full listing each time), memberships
// from /sync (next_batch as cursor, long-poll when asked to wait), accounts from the admin
// API when allowed.
#include "connectors/matrix/identity.hpp"
#include "connectors/matrix/matrix_connector.hpp"

#include <cstdint>
#include <cstdio>
#include <map>

namespace coopsync::matrix {

namespace {
constexpr auto kMaxWait = std::chrono::minutes(5);
// The admin listing has no change feed: every pass of the accounts reads it whole. Synapse
// takes any limit (100 by default); 500 a page makes 20 requests (and 20 commits) of 10,000
// accounts rather than 200, the accounts unchanged since costing no request more.
constexpr int kUsersPerPage = 500;
}  // namespace

ExternalRecord MatrixConnector::membership_record(const std::string& room_id,
                                                  const std::string& user_id,
                                                  const std::string& membership) const {
  ExternalRecord r;
  r.kind = EntityKind::kMembership;
  r.external_id = room_id + "|" + user_id;
  r.fields = {{field::kPerson, user_id}, {field::kGroup, room_id}};
  // An invitation is a membership coopsync asked for; leave, kick and ban end it.
  r.deleted = !(membership == "join" || membership == "invite");
  return r;
}

Result<ChangePage> MatrixConnector::changes(EntityKind kind, const std::string& cursor,
                                            std::chrono::milliseconds wait) {
  if (auto st = ready(); !st.ok()) return std::move(st).error();
  switch (kind) {
    case EntityKind::kGroup: return group_changes();
    case EntityKind::kMembership: return membership_changes(cursor, wait);
    case EntityKind::kPerson:
      if (settings_.admin) return person_changes(cursor);
      break;
    default: break;
  }
  return make_error(ErrorKind::kPermanent,
                    std::string("matrix: ") + to_string(kind) + " records are not read from Matrix");
}

Result<ChangePage> MatrixConnector::group_changes() {
  ChangePage page;
  page.full_listing = true;  // always everything in the space: cheap, one request a page
  auto space = ensure_space(false);
  if (!space.ok()) return std::move(space).error();
  if (space->empty()) return page;
  std::set<std::string> children;
  std::map<std::string, HierarchyRoom> rooms;
  std::string from;
  for (int i = 0; i < 1000; ++i) {
    auto h = client_.hierarchy(*space, from);
    if (!h.ok()) return std::move(h).error();
    for (auto& room : h->rooms) {
      if (room.room_id == *space) {
        children.insert(room.children.begin(), room.children.end());
      } else {
        rooms[room.room_id] = std::move(room);
      }
    }
    if (h->next_batch.empty() || h->next_batch == from) break;
    from = h->next_batch;
  }
  managed_ = children;
  for (const auto& room_id : children) {
    ExternalRecord r;
    r.kind = EntityKind::kGroup;
    r.external_id = room_id;
    auto it = rooms.find(room_id);
    if (it != rooms.end()) {
      r.fields[field::kName] = it->second.name;
      r.fields[field::kDescription] = it->second.topic.empty() ? json(nullptr) : json(it->second.topic);
      const std::string slug = slug_from_alias(settings_, it->second.canonical_alias);
      if (!slug.empty()) r.fields[field::kSlug] = slug;
    }
    page.records.push_back(std::move(r));
  }
  return page;
}

Result<ChangePage> MatrixConnector::membership_changes(const std::string& cursor,
                                                       std::chrono::milliseconds wait) {
  auto filter = ensure_filter();
  if (!filter.ok()) return std::move(filter).error();
  ChangePage page;
  if (cursor.empty()) {
    // Full listing: the stream position first, so nothing that happens while the rooms
    // are listed is lost; then every managed room's members.
    auto position = client_.sync(token_filter_, "", std::chrono::milliseconds(0));
    if (!position.ok()) return std::move(position).error();
    managed_.reset();
    auto rooms = managed_rooms();
    if (!rooms.ok()) return std::move(rooms).error();
    for (const auto& room_id : *rooms) {
      auto members = client_.members(room_id);
      if (!members.ok()) {
        if (members.error().kind == ErrorKind::kNotFound) continue;
        return std::move(members).error();
      }
      for (const auto& ev : *members) {
        if (!ev.state_key || *ev.state_key == me_) continue;
        const std::string m = string_or(ev.content, "membership");
        if (m == "join" || m == "invite") page.records.push_back(membership_record(room_id, *ev.state_key, m));
      }
    }
    // The space's members too, in one request: the space invites that memberships bring
    // then need no read each (invite_into_space, when the engine says it read this listing).
    if (!space_id_.empty()) {
      auto in_space = client_.members(space_id_);
      if (!in_space.ok()) return std::move(in_space).error();
      for (const auto& ev : *in_space) {
        const std::string m = string_or(ev.content, "membership");
        if (ev.state_key && (m == "join" || m == "invite")) in_space_.insert(*ev.state_key);
      }
      space_members_read_ = true;
    }
    page.full_listing = true;
    page.cursor = position->next_batch;
    return page;
  }
  const auto timeout = std::min<std::chrono::milliseconds>(wait, kMaxWait);
  auto s = client_.sync(*filter, cursor, timeout);
  if (!s.ok() && s.error().http_status == 400) {
    // 49: a since Synapse cannot read (a restored or replaced homeserver) is 400 M_UNKNOWN
    // "Invalid stream token", and an unknown filter id 400 as well, on every try: start
    // again with new filters and a full listing instead of failing every pass.
    if (ctx_.logger) {
      ctx_.logger->warn("matrix: /sync refused the stored position ({}); listing again",
                        s.error().message);
    }
    member_filter_.clear();
    token_filter_.clear();
    return membership_changes("", wait);
  }
  if (!s.ok()) return std::move(s).error();
  auto rooms = managed_rooms();
  if (!rooms.ok()) return std::move(rooms).error();
  for (const auto& room : s->joined) {
    // A room this instance has not seen in the space (made since by another instance,
    // such as the daemon's pass worker while this one listens): list the space again.
    if (rooms->count(room.room_id) || room.room_id == space_id_) continue;
    managed_.reset();
    rooms = managed_rooms();
    if (!rooms.ok()) return std::move(rooms).error();
    break;
  }
  std::map<std::string, ExternalRecord> latest;  // one record per membership, the last state
  for (const auto& room : s->joined) {
    if (!rooms->count(room.room_id)) continue;
    if (room.limited) {
      // Some membership events fell out of the window: read the room's members whole.
      auto members = client_.members(room.room_id);
      if (!members.ok()) return std::move(members).error();
      for (const auto& ev : *members) {
        if (!ev.state_key || *ev.state_key == me_) continue;
        auto rec = membership_record(room.room_id, *ev.state_key, string_or(ev.content, "membership"));
        latest[rec.external_id] = std::move(rec);
      }
      continue;
    }
    for (const auto& ev : room.timeline) {
      if (ev.type != "m.room.member" || !ev.state_key || *ev.state_key == me_) continue;
      auto rec = membership_record(room.room_id, *ev.state_key, string_or(ev.content, "membership"));
      latest[rec.external_id] = std::move(rec);
    }
  }
  for (auto& [_, rec] : latest) page.records.push_back(std::move(rec));
  page.cursor = s->next_batch;
  return page;
}

std::string listing_version(const AdminUser& user) {
  std::uint64_t h = 14695981039346656037ULL;
  const std::string text = (user.deactivated ? "1|" : "0|") + user.displayname;
  for (unsigned char c : text) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  char out[24];
  std::snprintf(out, sizeof out, "l1:%016llx", static_cast<unsigned long long>(h));
  return out;
}

Result<ChangePage> MatrixConnector::person_changes(const std::string& cursor) {
  long from = 0;
  if (!cursor.empty()) {
    try {
      from = std::stol(cursor);
    } catch (const std::exception&) {
      return make_error(ErrorKind::kInvalidInput, "matrix: bad person cursor " + cursor);
    }
  }
  auto list = client_.admin_list_users(from, kUsersPerPage);
  if (!list.ok()) return std::move(list).error();
  ChangePage page;
  page.full_listing = true;
  const std::string suffix = ":" + settings_.server_name;
  for (const auto& u : list->users) {
    if (u.user_id == me_ || u.user_id.size() < suffix.size() ||
        u.user_id.compare(u.user_id.size() - suffix.size(), suffix.size(), suffix) != 0) {
      continue;
    }
    ExternalRecord r;
    r.kind = EntityKind::kPerson;
    r.external_id = u.user_id;
    r.version = listing_version(u);
    if (ctx_.linked_version && ctx_.linked_version(EntityKind::kPerson, u.user_id) == r.version) {
      // Linked, and as the listing showed it when last read or written: the email is not
      // reported (the engine keeps what it knows), and no request per account is made.
      r.fields[field::kDisplayName] = u.displayname;
      r.fields[field::kActive] = !u.deactivated;
      page.records.push_back(std::move(r));
      continue;
    }
    auto full = client_.admin_get_user(u.user_id);  // the list carries no emails
    if (!full.ok()) return std::move(full).error();
    if (!full->has_value()) continue;
    r.fields[field::kDisplayName] = (*full)->displayname;
    r.fields[field::kActive] = !(*full)->deactivated;
    r.fields[field::kEmail] = (*full)->emails.empty() ? json(nullptr) : json((*full)->emails[0]);
    page.records.push_back(std::move(r));
  }
  page.has_more = !list->next_token.empty();
  page.cursor = page.has_more ? list->next_token : std::string();
  return page;
}

}  // namespace coopsync::matrix
