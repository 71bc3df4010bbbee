// Event <-> VEVENT in the group's calendar, changes through RFC 6578 sync-tokens.
#include "connectors/nextcloud/event_ics.hpp"
#include "connectors/nextcloud/naming.hpp"
#include "connectors/nextcloud/nextcloud_connector.hpp"

#include <map>
#include <optional>

namespace coopsync::nextcloud {
namespace {

constexpr std::size_t kMultigetBatch = 100;

std::string last_segment(const std::string& href) {
  std::string decoded = percent_decode(href);
  while (!decoded.empty() && decoded.back() == '/') decoded.pop_back();
  return decoded.substr(decoded.rfind('/') + 1);
}

// N of Sabre's "http://sabre.io/ns/sync/<N>" (the calendar's change counter); nullopt for
// any other token (Radicale's are opaque).
std::optional<long long> sabre_counter(const std::string& token) {
  static const std::string prefix = "http://sabre.io/ns/sync/";
  if (token.size() <= prefix.size() || token.size() > prefix.size() + 18 ||
      token.compare(0, prefix.size(), prefix) != 0) {
    return std::nullopt;
  }
  long long n = 0;
  for (std::size_t i = prefix.size(); i < token.size(); ++i) {
    if (token[i] < '0' || token[i] > '9') return std::nullopt;
    n = n * 10 + (token[i] - '0');
  }
  return n;
}

// "<group>/<object>.ics" -> {group, object}
std::pair<std::string, std::string> split_event_id(const std::string& id) {
  const auto slash = id.rfind('/');
  if (slash == std::string::npos) return {"", id};
  return {id.substr(0, slash), id.substr(slash + 1)};
}

}  // namespace

Result<std::string> NextcloudConnector::calendar_href(const std::string& gid) {
  auto home = cal_.calendar_home();
  if (!home) return std::move(home).error();
  return *home + http::url_encode(apply_template(s_.calendar_template, gid, gid)) + "/";
}

Status NextcloudConnector::ensure_calendar(const std::string& gid, const std::string& name) {
  auto href = calendar_href(gid);
  if (!href) return std::move(href).error();
  auto made = cal_.mkcalendar(*href, apply_template(s_.calendar_displayname_template, gid, name),
                              s_.calendar_color);
  if (!made) return std::move(made).error();
  if (s_.calendar_share == "none" || calendar_sharing_unsupported_) return ok_status();
  return ensure_calendar_share(*href, gid);
}

// Without a share the calendar lives only in the acting account: members never see it.
// Read oc:invite first and POST only when the group is missing or has other access, so a
// pass over unchanged groups writes nothing (dav_sharing.cpp says what this follows).
Status NextcloudConnector::ensure_calendar_share(const std::string& href, const std::string& gid) {
  const bool read_write = s_.calendar_share == "read-write";
  auto current = cal_.calendar_sharing(href);
  if (!current) return std::move(current).error();
  if (!current->supported) {
    calendar_sharing_unsupported_ = true;
    warn("the CalDAV server does not advertise oc-resource-sharing (not Nextcloud?): group "
         "calendars are not shared with their groups");
    return ok_status();
  }
  auto shared_as_wanted = [&](const CalendarSharing& sharing) {
    for (const auto& sh : sharing.sharees) {
      if (group_of_sharee(sh.href) == gid && sh.read_write == read_write) return true;
    }
    return false;
  };
  if (shared_as_wanted(*current)) return ok_status();
  auto posted = cal_.share_calendar(href, group_sharee_href(gid), read_write);
  if (!posted) return posted;
  // Nextcloud answers 200 even when it ignored the sharee (group sharing disabled in the
  // sharing settings, or the group hidden from collaboration): check that it is there.
  auto after = cal_.calendar_sharing(href);
  if (!after) return std::move(after).error();
  if (!shared_as_wanted(*after)) {
    return make_error(ErrorKind::kPermanent,
                      "calendar " + href + ": Nextcloud accepted the share with group " + gid +
                          " but did not record it (is sharing with groups allowed?)");
  }
  return ok_status();
}

Result<ChangePage> NextcloudConnector::event_changes(const std::string& cursor) {
  std::map<std::string, std::string> tokens;
  bool full = cursor.empty();
  if (!full) {
    auto doc = nlohmann::json::parse(cursor, nullptr, false);
    if (doc.is_object() && doc.contains("calendars") && doc["calendars"].is_object()) {
      for (const auto& [k, v] : doc["calendars"].items()) {
        if (v.is_string()) tokens[k] = v.get<std::string>();
      }
    } else {
      full = true;  // unreadable cursor: start over with a full listing
    }
  }
  auto calendars = cal_.list_calendars();
  if (!calendars) return std::move(calendars).error();
  for (int attempt = 0; attempt < 2; ++attempt) {
    ChangePage page;
    page.full_listing = full;
    nlohmann::json next = nlohmann::json::object();
    bool restart = false;
    for (const auto& cal : *calendars) {
      auto gid = group_of_calendar(s_.calendar_template, cal.name);
      if (!gid || excluded_group(*gid)) continue;
      std::string since = full ? "" : (tokens.count(cal.name) ? tokens[cal.name] : "");
      const auto stored = sabre_counter(since);
      const auto current = sabre_counter(cal.sync_token);
      if (stored && current && *stored > *current) {
        // The calendar restarted (made again, or restored): Nextcloud answers any
        // well-formed token with no changes (71), so read it whole instead.
        warn("sync-token of " + cal.name + " is ahead of the calendar's (" + cal.sync_token +
             "): the calendar was made again or restored; reading it whole");
        since.clear();
      }
      auto sync = cal_.sync(cal.href, since);
      if (!sync) return std::move(sync).error();
      if (sync->token_rejected) {
        // 403 valid-sync-token: the server forgot our position; list everything again.
        warn("sync-token of " + cal.name + " rejected; full resync");
        restart = true;
        break;
      }
      next[cal.name] = sync->token;
      for (const auto& href : sync->deleted) {
        ExternalRecord r;
        r.kind = EntityKind::kEvent;
        r.external_id = *gid + "/" + last_segment(href);
        r.deleted = true;
        page.records.push_back(std::move(r));
      }
      std::vector<std::string> hrefs;
      for (const auto& [href, etag] : sync->changed) hrefs.push_back(href);
      for (std::size_t i = 0; i < hrefs.size(); i += kMultigetBatch) {
        std::vector<std::string> batch(hrefs.begin() + static_cast<long>(i),
                                       hrefs.begin() + static_cast<long>(std::min(hrefs.size(), i + kMultigetBatch)));
        auto objects = cal_.multiget(cal.href, batch);
        if (!objects) return std::move(objects).error();
        for (const auto& obj : *objects) {
          auto ev = parse_ics(obj.data, "event " + obj.href, s_.default_timezone);
          if (!ev) {
            warn("skipping " + obj.href + ": " + ev.error().message);
            continue;
          }
          // Asked of the store only for an object written for another group, not every one read.
          const auto linked = [&] {
            return linked_version_ && linked_version_(EntityKind::kEvent, *gid + "/" + last_segment(obj.href));
          };
          if (!ev->written_for_group.empty() && ev->written_for_group != *gid && !linked()) {
            auto original = original_of_copy(ev->written_for_group, ev->uid);
            if (!original) return std::move(original).error();
            if (*original) {
              warn("not importing " + *gid + "/" + last_segment(obj.href) + ": a copy of " +
                   **original + " (same UID " + ev->uid + ") made in another calendar by " +
                   "hand; the event stays in " + ev->written_for_group + "'s calendar. Delete " +
                   "the copy, or give it a new UID to make it an event of its own");
              continue;
            }
          }
          ExternalRecord r;
          r.kind = EntityKind::kEvent;
          r.external_id = *gid + "/" + last_segment(obj.href);
          r.version = obj.etag;
          r.updated_at = ev->last_modified;
          r.fields = std::move(ev->fields);
          r.fields[field::kGroup] = *gid;
          page.records.push_back(std::move(r));
        }
      }
    }
    if (restart) {
      full = true;
      continue;
    }
    page.cursor = nlohmann::json{{"calendars", next}}.dump();
    return page;
  }
  return make_error(ErrorKind::kTransient, "CalDAV sync-tokens rejected twice in a row");
}

Result<WriteResult> NextcloudConnector::put_event(const Write& w, const std::string& gid, bool create) {
  const std::string uid = w.entity_id.empty() ? split_event_id(w.external_id).second : w.entity_id;
  const std::string object = create ? object_name_for(uid) : split_event_id(w.external_id).second;
  auto ics = build_ics(uid, w.fields, s_.default_timezone);
  if (!ics) return make_error(ErrorKind::kPermanent, ics.error().message);
  auto cal = calendar_href(gid);
  if (!cal) return std::move(cal).error();
  const std::string href = *cal + http::url_encode(object);
  const std::string id = gid + "/" + object;
  auto put = cal_.put_object(href, *ics, create ? "" : w.version, create);
  if (!put && create &&
      (put.error().kind == ErrorKind::kNotFound || put.error().http_status == 409)) {
    // The group's calendar is missing (deleted by hand, or the group predates coopsync):
    // Nextcloud answers 404, Radicale 409.
    auto made = ensure_calendar(gid, gid);
    if (!made) return std::move(made).error();
    put = cal_.put_object(href, *ics, "", true);
  }
  if (!put && create && put.error().http_status == 412) {
    // 60: the object is already there (a retried create): adopt it as it is.
    auto existing = cal_.get(href);
    if (!existing) return std::move(existing).error();
    return WriteResult{std::nullopt, id, existing->etag, true};
  }
  if (!put) return std::move(put).error();
  if (put->uid_taken && create) return adopt_by_uid(*cal, gid, uid, href);
  if (put->uid_taken) {  // an update of this object to a UID another object holds
    return make_error(ErrorKind::kConflict, "PUT " + href + ": UID " + uid + " is held by "
                                                "another object of the calendar", put->status);
  }
  std::string version = put->etag;
  if (version.empty()) {  // a server that does not return the ETag on PUT
    auto back = cal_.get(href);
    if (!back) return std::move(back).error();
    version = back->etag;
  }
  return WriteResult{std::nullopt, id, version, false};
}

// 61: the calendar holds an object with this UID under another name (written by another
// client, or by coopsync under a name it no longer derives). Creating it again is refused,
// and must not be retried as is: find that object by its UID and adopt it. The link holds
// no field hashes (engine/apply.cpp), so the next pass updates it through its own href with
// If-Match on the ETag read here.
Result<WriteResult> NextcloudConnector::adopt_by_uid(const std::string& calendar,
                                                     const std::string& gid,
                                                     const std::string& uid,
                                                     const std::string& href) {
  auto found = cal_.find_by_uid(calendar, uid);
  if (!found) return std::move(found).error();
  if (found->empty()) {
    // Gone between the two requests (deleted meanwhile): the next attempt creates it.
    return make_error(ErrorKind::kConflict, "PUT " + href + ": refused for its UID " + uid +
                                                ", but no object of the calendar has it now");
  }
  const CalObject& holder = found->front();  // a calendar holds one object per UID
  WriteResult r{std::nullopt, gid + "/" + last_segment(holder.href), holder.etag, true};
  r.matched_key = "uid";
  r.matched_value = uid;
  if (r.version.empty()) {  // a server that lists no ETag
    auto back = cal_.get(holder.href);
    if (!back) return std::move(back).error();
    r.version = back->etag;
  }
  return r;
}

// An object coopsync wrote for group `group` (X-COOPSYNC-GROUP), read in another group's
// calendar: a person's client copied it there, UID and all (Nextcloud and Radicale keep UIDs
// unique per calendar only). While that group's calendar still holds the UID, it is a copy
// of that event: read as an event of its own, it became a second entity, created again in
// every other system. It is left out of the listing, untouched (coopsync never writes to it:
// nothing links it), and the original stays the event. Once the original is gone (the copy
// was a move in two steps), the object is read as any other. Returns the original's id.
Result<std::optional<std::string>> NextcloudConnector::original_of_copy(
    const std::string& group, const std::string& uid) {
  auto cal = calendar_href(group);
  if (!cal) return std::move(cal).error();
  auto found = cal_.find_by_uid(*cal, uid);
  if (!found) {
    if (found.error().kind == ErrorKind::kNotFound) return std::optional<std::string>();
    return std::move(found).error();  // unknown yet: retried with the whole read
  }
  if (found->empty()) return std::optional<std::string>();
  return std::optional<std::string>(group + "/" + last_segment(found->front().href));
}

WriteResult NextcloudConnector::apply_event(const Write& w) {
  auto [old_gid, object] = split_event_id(w.external_id);
  std::string gid = field_text(w.fields, field::kGroup);
  if (gid.empty()) gid = old_gid;
  if (w.op == WriteOp::kDelete) {
    auto cal = calendar_href(old_gid.empty() ? gid : old_gid);
    if (!cal) return WriteResult::failed(std::move(cal).error(), w.external_id);
    auto st = cal_.remove(*cal + http::url_encode(object), w.version);
    if (!st && st.error().kind != ErrorKind::kNotFound) return WriteResult::failed(std::move(st).error(), w.external_id);
    return WriteResult{std::nullopt, w.external_id, "", false};
  }
  if (gid.empty()) {
    return WriteResult::failed(make_error(ErrorKind::kPermanent, "event " + w.entity_id + " has no group"), w.external_id);
  }
  if (excluded_group(gid)) {
    return WriteResult::failed(make_error(ErrorKind::kPermanent, "group " + gid + " is excluded from sync"), w.external_id);
  }
  Write effective = w;
  if (w.op == WriteOp::kDisable) effective.fields[field::kStatus] = "cancelled";
  const bool moved = w.op != WriteOp::kCreate && !old_gid.empty() && old_gid != gid;
  auto r = put_event(effective, gid, w.op == WriteOp::kCreate || moved || w.external_id.empty());
  if (!r) return WriteResult::failed(std::move(r).error(), w.external_id);
  if (moved) {  // the organising group changed: the event changes calendar
    auto cal = calendar_href(old_gid);
    if (cal) {
      auto st = cal_.remove(*cal + http::url_encode(object), w.version);
      if (!st && st.error().kind != ErrorKind::kNotFound) warn("old copy of " + w.external_id + " kept: " + st.error().message);
    }
  }
  return std::move(*r);
}

}  // namespace coopsync::nextcloud
