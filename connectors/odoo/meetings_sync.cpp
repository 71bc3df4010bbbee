// Meetings (meetings.hpp): the Event and Registration feeds made of two models, and the
// writes to calendar.event. Attendees are partner_ids: a registration is added with
// [4, partner] and taken off with [3, partner]; Odoo makes and drops the calendar.attendee
// records itself.
//
// Removed attendees leave no record behind, so the attendees last listed per meeting are
// kept in the connector's state (the mapping store) and a removal is seen by difference.
// They are kept only once the engine has stored the page that listed them (it asks for the
// next page with that page's cursor, which carries a page number so that it differs from
// the cursor the page was read from): a pass cut short lists the same removals again.
#include "connectors/odoo/odoo_connector.hpp"
#include "connectors/odoo/domain.hpp"

#include <algorithm>
#include <map>
#include <set>

namespace coopsync::odoo {

namespace {

const char kKnownKey[] = "meetings:attendees";
const char kPendingKey[] = "meetings:pending";
// The attendee page a calendar.event cursor was returned with. A pass that reads nothing
// new returns the feed cursor it was given, so without this number a pass cut short
// after reading (crash, failed transaction) looked like a page the engine had stored: its
// pending attendees were taken as known and the removals it listed were never listed again.
const char kPageKey[] = "attendee_page";

std::int64_t page_number(const std::string& cursor) {
  auto j = nlohmann::json::parse(cursor, nullptr, false);
  if (!j.is_object() || !j.contains(kPageKey) || !j[kPageKey].is_number_integer()) return 0;
  return j[kPageKey].get<std::int64_t>();
}

// The feed cursor with the page number beside its own keys (Cursor::decode ignores it).
std::string numbered(const std::string& cursor, std::int64_t page) {
  auto j = nlohmann::json::parse(cursor, nullptr, false);
  if (!j.is_object()) return cursor;
  j[kPageKey] = page;
  return j.dump();
}

std::string write_date(const Value& row) {
  const Value* w = row.find("write_date");
  return w && w->as_string() ? *w->as_string() : std::string();
}

bool attends(const Fields& f) {
  const std::string status = field_text(f, field::kStatus);
  return status.empty() || status == "registered" || status == "attended";
}

}  // namespace

void OdooConnector::enable_meetings(MeetingSettings meetings, StateStore* state) {
  meetings_ = std::move(meetings);
  state_ = state;
  if (!meetings_.enabled) return;
  auto& fields = caps_.kinds[EntityKind::kEvent].fields;
  for (const char* f : {field::kAllDay, field::kLocation}) {
    if (std::find(fields.begin(), fields.end(), f) == fields.end()) fields.emplace_back(f);
  }
}

std::string OdooConnector::state_get(const std::string& key) {
  if (state_ == nullptr) return memory_state_[key];
  return state_->get(key).value_or("");
}

void OdooConnector::state_put(const std::string& key, const std::string& value) {
  if (state_ == nullptr) {
    memory_state_[key] = value;
  } else {
    (void)state_->put(key, value);  // lost: the next pass lists the same removals again
  }
}

Result<ChangePage> OdooConnector::changes(EntityKind kind, const std::string& cursor,
                                          std::chrono::milliseconds) {
  if (kind != EntityKind::kEvent && kind != EntityKind::kRegistration)
    return model_changes(kind, cursor);
  if (meetings_.enabled) return split_changes(kind, cursor);
  // Meetings turned off again: the model goes on where the split cursor left it.
  return model_changes(kind,
                       SplitCursor::is_split(cursor) ? SplitCursor::decode(cursor).model : cursor);
}

Result<ChangePage> OdooConnector::split_changes(EntityKind kind, const std::string& cursor) {
  SplitCursor c = SplitCursor::decode(cursor);
  SplitCursor next = c;
  if (!c.on_meetings) {
    auto page = model_changes(kind, c.model);
    if (!page) return std::move(page).error();
    next.model = page->cursor;
    next.model_full = page->full_listing;
    if (!page->has_more) {
      next.on_meetings = true;  // then calendar.event, in the same round
      page->has_more = true;
    }
    page->cursor = next.encode();
    return page;
  }
  auto page = meeting_changes(kind, c.meetings);
  if (!page) return std::move(page).error();
  next.meetings = page->cursor;
  if (!page->has_more) next.on_meetings = false;
  // Complete only if both models were listed from the beginning in this round.
  page->full_listing = page->full_listing && c.model_full;
  page->cursor = next.encode();
  return page;
}

Result<ChangePage> OdooConnector::meeting_changes(EntityKind kind, const std::string& cursor) {
  Feed f{kind,
         kMeetingModel,
         {},
         concat(meetings_.domain, {leaf("active", "in", Value(Array{Value(true), Value(false)}))})};
  std::vector<std::string> wanted =
      kind == EntityKind::kEvent ? meeting_fields()
                                 : std::vector<std::string>{"partner_ids", "active", "write_date"};
  if (!meetings_.group_by_tag)
    wanted.erase(std::remove(wanted.begin(), wanted.end(), "categ_ids"), wanted.end());
  auto fields = session_.existing_fields(kMeetingModel, wanted);
  if (!fields) return std::move(fields).error();
  f.fields = std::move(*fields);
  if (std::find(f.fields.begin(), f.fields.end(), "write_date") == f.fields.end())
    f.fields.emplace_back("write_date");
  auto fp = feed(f, cursor);
  if (!fp) return std::move(fp).error();
  if (kind == EntityKind::kRegistration) return attendee_records(*fp, cursor);
  MapContext ctx;
  if (meetings_.group_by_tag) {
    meeting_tags_.group_of_tag.reset();  // tags may have been renamed since the last page
    auto tags = meeting_tag_groups();
    if (!tags) return std::move(tags).error();
    ctx.event_tag_groups = **tags;
  }
  ChangePage page = std::move(fp->page);
  for (const auto& row : fp->rows) {
    const std::int64_t id = *row.find("id")->as_int();
    ExternalRecord r;
    r.kind = EntityKind::kEvent;
    r.external_id = meeting_external_id(id);
    r.version = write_date(row);
    if (auto iso = odoo_to_iso(r.version)) r.updated_at = *iso;
    r.fields = meeting_from_odoo(row, ctx);
    r.deleted = !fp->in_scope.count(id);
    page.records.push_back(std::move(r));
  }
  return page;
}

Result<ChangePage> OdooConnector::attendee_records(FeedPage& fp, const std::string& cursor) {
  auto known = nlohmann::json::parse(state_get(kKnownKey), nullptr, false);
  if (!known.is_object()) known = nlohmann::json::object();
  auto pending = nlohmann::json::parse(state_get(kPendingKey), nullptr, false);
  if (pending.is_object() && pending.value("cursor", std::string("\x01")) == cursor) {
    // The engine stored the page that listed these: they are what it knows now.
    for (const auto& [id, partners] : pending["attendees"].items()) {
      if (partners.is_null()) {
        known.erase(id);
      } else {
        known[id] = partners;
      }
    }
    state_put(kKnownKey, known.dump());
  }
  // Attendees who are persons in scope (not the organiser's company, not outsiders).
  std::set<std::int64_t> all;
  for (const auto& row : fp.rows) {
    if (const Value* p = row.find("partner_ids")) {
      for (auto id : id_list(*p)) all.insert(id);
    }
  }
  std::set<std::int64_t> persons;
  if (!all.empty()) {
    auto scope = person_scope();
    if (!scope) return std::move(scope).error();
    auto hits = session_.search(
        "res.partner",
        concat(std::move(*scope), {leaf("id", "in", Value(ids_value({all.begin(), all.end()})))}));
    if (!hits) return std::move(hits).error();
    persons.insert(hits->begin(), hits->end());
  }
  ChangePage page = std::move(fp.page);
  page.cursor = numbered(page.cursor, page_number(cursor) + 1);  // never the cursor given
  nlohmann::json updates = nlohmann::json::object();
  for (const auto& row : fp.rows) {
    const std::int64_t meeting = *row.find("id")->as_int();
    const bool live = fp.in_scope.count(meeting) > 0;
    std::vector<std::int64_t> now;
    if (const Value* p = row.find("partner_ids"); p && live) {
      for (auto id : id_list(*p)) {
        if (persons.count(id)) now.push_back(id);
      }
    }
    auto record = [&](std::int64_t partner, bool deleted) {
      ExternalRecord r;
      r.kind = EntityKind::kRegistration;
      r.external_id = attendee_external_id(meeting, partner);
      r.version = write_date(row);
      if (auto iso = odoo_to_iso(r.version)) r.updated_at = *iso;
      r.fields = {{field::kPerson, std::to_string(partner)},
                  {field::kEvent, meeting_external_id(meeting)},
                  {field::kStatus, "registered"}};
      r.deleted = deleted;
      page.records.push_back(std::move(r));
    };
    for (auto partner : now) record(partner, false);
    const std::string key = std::to_string(meeting);
    if (!page.full_listing && known.contains(key) && known[key].is_array()) {
      for (const auto& before : known[key]) {
        if (before.is_number_integer() &&
            std::find(now.begin(), now.end(), before.get<std::int64_t>()) == now.end()) {
          record(before.get<std::int64_t>(), true);
        }
      }
    }
    updates[key] = live ? nlohmann::json(now) : nlohmann::json(nullptr);
  }
  state_put(kPendingKey, nlohmann::json{{"cursor", page.cursor}, {"attendees", updates}}.dump());
  return page;
}

bool OdooConnector::to_meetings(const Write& w) const {
  if (!meetings_.enabled) return false;
  return is_meeting_write(w) ||
         (meetings_.create && w.kind == EntityKind::kEvent && w.op == WriteOp::kCreate);
}

void OdooConnector::apply_meetings(const std::vector<Write>& writes,
                                   std::vector<WriteResult>& results) {
  std::vector<const Write*> creates, events, attendees;
  std::vector<WriteResult*> create_results, event_results, attendee_results;
  for (std::size_t i = 0; i < writes.size(); ++i) {
    if (!to_meetings(writes[i])) continue;
    results[i].external_id = writes[i].external_id;
    if (writes[i].kind == EntityKind::kEvent && writes[i].op == WriteOp::kCreate) {
      creates.push_back(&writes[i]);
      create_results.push_back(&results[i]);
    } else if (writes[i].kind == EntityKind::kEvent) {
      events.push_back(&writes[i]);
      event_results.push_back(&results[i]);
    } else if (writes[i].kind == EntityKind::kRegistration) {
      attendees.push_back(&writes[i]);
      attendee_results.push_back(&results[i]);
    } else {
      results[i].error = make_error(ErrorKind::kInvalidInput,
                                    "odoo: no " + std::string(to_string(writes[i].kind)) +
                                        " is a meeting ('" + writes[i].external_id + "')");
    }
  }
  if (!creates.empty()) meeting_creates(creates, create_results);
  if (!events.empty()) meeting_writes(events, event_results);
  if (!attendees.empty()) attendee_writes(attendees, attendee_results);
}

// Adopt-before-create by title and start (the engine's identity rule for events), then one
// batch create. Attendees come after, as registrations ([4, partner] writes).
void OdooConnector::meeting_creates(const std::vector<const Write*>& writes,
                                    std::vector<WriteResult*>& results) {
  auto fm = session_.fields(kMeetingModel);
  if (!fm) {
    for (auto* r : results) r->error = fm.error();
    return;
  }
  Array titles;
  for (const auto* w : writes) titles.emplace_back(field_text(w->fields, field::kTitle));
  auto rows =
      session_.search_read(kMeetingModel, {leaf("name", "in", Value(std::move(titles)))},
                           {"name", "start", "allday", "start_date"}, {0, 0, "id asc", false});
  if (!rows) {
    for (auto* r : results) r->error = rows.error();
    return;
  }
  std::vector<Struct> vals;
  std::vector<std::size_t> sent;
  for (std::size_t i = 0; i < writes.size(); ++i) {
    const Write& w = *writes[i];
    Struct v = meeting_to_odoo(w.fields, {}, **fm);
    auto field_of = [&](const char* name) -> std::string {
      for (const auto& m : v) {
        if (m.name == name && m.value.as_string()) return *m.value.as_string();
      }
      return "";
    };
    std::vector<std::int64_t> hits;
    for (const auto& row : *rows) {
      auto s = [&](const char* n) {
        return row.find(n) && row.find(n)->as_string() ? *row.find(n)->as_string() : std::string();
      };
      const bool all_day = row.find("allday") && row.find("allday")->as_bool().value_or(false);
      const bool same_start =
          all_day ? s("start_date") == field_of("start_date") : s("start") == field_of("start");
      if (s("name") == field_text(w.fields, field::kTitle) && same_start)
        hits.push_back(*row.find("id")->as_int());
    }
    if (hits.size() == 1) {
      results[i]->external_id = meeting_external_id(hits.front());
      results[i]->adopted = true;
      continue;
    }
    if (hits.size() > 1) {
      results[i]->error = make_error(
          ErrorKind::kPermanent, "odoo calendar.event: " + std::to_string(hits.size()) +
                                     " meetings match; not adopting any (resolve the duplicate)");
      continue;
    }
    if (meetings_.group_by_tag && (*fm)->count("categ_ids") &&
        !field_text(w.fields, field::kGroup).empty()) {
      auto tags = meeting_tag_commands(w, true);
      if (!tags) {
        results[i]->error = tags.error();
        continue;
      }
      if (tags->as_array() && !tags->as_array()->empty())
        v.push_back({"categ_ids", std::move(*tags)});
    }
    vals.push_back(std::move(v));
    sent.push_back(i);
  }
  if (vals.empty()) return;
  auto ids = session_.create(kMeetingModel, vals);
  for (std::size_t k = 0; k < sent.size(); ++k) {
    if (ids) {
      results[sent[k]]->external_id = meeting_external_id((*ids)[k]);
    } else {
      results[sent[k]]->error = ids.error();
    }
  }
}

void OdooConnector::meeting_writes(const std::vector<const Write*>& writes,
                                   std::vector<WriteResult*>& results) {
  auto fm = session_.fields(kMeetingModel);
  for (std::size_t i = 0; i < writes.size(); ++i) {
    const Write& w = *writes[i];
    auto id = parse_meeting_id(w.external_id);
    if (!id || w.op == WriteOp::kCreate) {
      // New events are made as event.event; a meeting id here is a planning error.
      results[i]->error =
          make_error(ErrorKind::kInvalidInput, "odoo: bad meeting id '" + w.external_id + "'");
      continue;
    }
    Status st = ok_status();
    if (w.op == WriteOp::kUpdate) {
      if (!fm) {
        results[i]->error = fm.error();
        continue;
      }
      Struct vals = meeting_to_odoo(w.fields, w.changed, **fm);
      const bool group_changed =
          std::find(w.changed.begin(), w.changed.end(), field::kGroup) != w.changed.end();
      if (meetings_.group_by_tag && group_changed && (*fm)->count("categ_ids") &&
          w.fields.contains(field::kGroup)) {
        auto tags = meeting_tag_commands(w, false);
        if (!tags) {
          results[i]->error = tags.error();
          continue;
        }
        if (tags->as_array() && !tags->as_array()->empty())
          vals.push_back({"categ_ids", std::move(*tags)});
      }
      if (vals.empty()) continue;  // nothing a meeting holds changed
      st = session_.write(kMeetingModel, {*id}, vals);
    } else if (w.op == WriteOp::kEnable) {
      st = session_.call(kMeetingModel, "action_unarchive", {*id});
    } else if (w.op == WriteOp::kDelete && s_.unlink_on_delete) {
      st = session_.call(kMeetingModel, "unlink", {*id});
    } else {
      st = session_.call(kMeetingModel, "action_archive", {*id});  // a cancelled meeting
    }
    const bool gone_ok = w.op == WriteOp::kDelete || w.op == WriteOp::kDisable;
    if (!st && !(gone_ok && st.error().kind == ErrorKind::kNotFound))
      results[i]->error = st.error();
  }
}

void OdooConnector::attendee_writes(const std::vector<const Write*>& writes,
                                    std::vector<WriteResult*>& results) {
  // One write per meeting: partner_ids commands [4, p] (attends) and [3, p] (does not).
  std::map<std::int64_t, std::pair<Array, std::vector<std::size_t>>> by_meeting;
  std::map<std::int64_t, bool> removals_only;
  for (std::size_t i = 0; i < writes.size(); ++i) {
    const Write& w = *writes[i];
    auto pair = parse_attendee_id(w.external_id);
    if (!pair) {
      auto meeting = parse_meeting_id(field_text(w.fields, field::kEvent));
      auto partner = parse_id(field_text(w.fields, field::kPerson));
      if (meeting && partner) pair = std::pair{*meeting, *partner};
    }
    if (!pair) {
      results[i]->error = make_error(ErrorKind::kInvalidInput,
                                     "odoo meeting attendee: meeting and person ids needed");
      continue;
    }
    results[i]->external_id = attendee_external_id(pair->first, pair->second);
    int command = 0;
    switch (w.op) {
      case WriteOp::kCreate:
      case WriteOp::kEnable:
        command = attends(w.fields) ? 4 : 3;
        break;
      case WriteOp::kUpdate:
        if (std::find(w.changed.begin(), w.changed.end(), field::kStatus) == w.changed.end())
          continue;
        command = attends(w.fields) ? 4 : 3;
        break;
      case WriteOp::kDisable:
      case WriteOp::kDelete:
        command = 3;
        break;
    }
    auto& entry = by_meeting[pair->first];
    entry.first.emplace_back(Array{Value(command), Value(pair->second)});
    entry.second.push_back(i);
    auto [it, fresh] = removals_only.emplace(pair->first, command == 3);
    if (!fresh) it->second = it->second && command == 3;
  }
  for (auto& [meeting, entry] : by_meeting) {
    Status st =
        session_.write(kMeetingModel, {meeting}, {{"partner_ids", Value(std::move(entry.first))}});
    if (st || (st.error().kind == ErrorKind::kNotFound && removals_only[meeting]))
      continue;  // gone: nobody attends
    for (auto i : entry.second) results[i]->error = st.error();
  }
}

}  // namespace coopsync::odoo
