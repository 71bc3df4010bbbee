// Change detection for events and registrations (API.md 7, PITFALLS.md 20, 29).
//
// Events. The cursor (a JSON string, stored by the engine with each page) holds a mirror
// {uuid -> updatedAt}, the activity watermark of each group and, while one runs, the
// state of a full scan. A scan pages through every group's organizedEvents (offset pages
// without a tie-breaker shift when events come and go: every page is read to the end and
// uuids are de-duplicated), reports what is new or changed against the mirror, and finally
// confirms with event(uuid) each mirrored uuid it did not meet before reporting it deleted.
// A scan starts from an empty cursor (then every event is reported and full_listing is
// set) and again every full_sync_interval. Between scans, the groups' activity streams
// (newest first) name the events created, updated or deleted since the watermark.
//
// Registrations. Participants have no timestamps, but every participation change bumps
// the event's updatedAt: each pass lists {uuid, updatedAt} and re-reads the participants
// of the events whose updatedAt moved, diffing them against the actor ids the cursor
// remembers per event.
#include "connectors/mobilizon/documents.hpp"
#include "connectors/mobilizon/graphql_errors.hpp"
#include "connectors/mobilizon/mapper.hpp"
#include "connectors/mobilizon/mobilizon_connector.hpp"

#include <spdlog/logger.h>

#include <set>

namespace coopsync::mobilizon {

namespace {
constexpr int kMaxActivityPages = 10;      // beyond that, a full scan is cheaper and safer
constexpr std::size_t kEventsPerRegistrationPage = 10;
constexpr std::size_t kMaxCursorBytes = 64u << 20;

Result<nlohmann::json> parse_cursor(const std::string& cursor) {
  if (cursor.empty()) return nlohmann::json::object();
  if (cursor.size() > kMaxCursorBytes) return make_error(ErrorKind::kInvalidInput, "mobilizon cursor: too large");
  auto c = nlohmann::json::parse(cursor, nullptr, false);
  if (!c.is_object() || c.value("v", 0) != 1) {
    return make_error(ErrorKind::kInvalidInput, "mobilizon cursor: not a version-1 JSON object");
  }
  return c;
}

// A reference to o[key] (never to a temporary copy), or to a static null.
const nlohmann::json& member(const nlohmann::json& o, const char* key) {
  static const nlohmann::json null_value;
  if (!o.is_object()) return null_value;
  auto it = o.find(key);
  return it == o.end() ? null_value : *it;
}

const nlohmann::json& elements_of(const nlohmann::json& list) {
  static const nlohmann::json empty = nlohmann::json::array();
  if (!list.is_object() || !list.contains("elements") || !list["elements"].is_array()) return empty;
  return list["elements"];
}

long long total_of(const nlohmann::json& list) {
  return list.is_object() && list.contains("total") && list["total"].is_number_integer() ? list["total"].get<long long>() : 0;
}

ExternalRecord deleted(EntityKind kind, const std::string& id) {
  ExternalRecord r;
  r.kind = kind;
  r.external_id = id;
  r.deleted = true;
  return r;
}

long long seconds(std::chrono::sys_seconds t) { return t.time_since_epoch().count(); }
}  // namespace

// ------------------------------------------------------------------------------- events

Result<ChangePage> MobilizonConnector::event_changes(const std::string& cursor_text) {
  auto parsed = parse_cursor(cursor_text);
  if (!parsed.ok() && log_) log_->warn("{}; rescanning every event", parsed.error().message);
  // An unreadable cursor (older format, damage) restarts with a scan instead of blocking the system.
  nlohmann::json c = parsed.ok() ? std::move(*parsed) : nlohmann::json::object();
  const long long t = seconds(now());
  if (!c.contains("v")) c = {{"v", 1}, {"mirror", nlohmann::json::object()}, {"act", nlohmann::json::object()},
                             {"full_at", 0}, {"poll_at", 0}};
  ChangePage page;
  auto& mirror = c["mirror"];

  auto emit = [&](const nlohmann::json& event, bool always) -> Status {
    // Drafts are not published (PITFALLS.md 21): out of scope until they are; one that
    // goes back to draft leaves the scope.
    if (event.is_object() && event.value("draft", false) == true) {
      const std::string uuid = field_text(event, "uuid");
      if (mirror.contains(uuid)) {
        mirror.erase(uuid);
        page.records.push_back(deleted(EntityKind::kEvent, uuid));
      }
      return ok_status();
    }
    auto record = event_to_record(event, settings_);
    if (!record.ok()) {
      if (log_) log_->warn("mobilizon: skipping an event: {}", record.error().message);
      return ok_status();
    }
    const bool changed = !mirror.contains(record->external_id) || mirror[record->external_id] != record->version;
    mirror[record->external_id] = record->version;
    if (always || changed) page.records.push_back(std::move(*record));
    return ok_status();
  };

  const long long full_every = settings_.full_sync_interval.count() / 1000;
  if (!c.contains("scan") || c["scan"].is_null()) {
    if (t - c.value("full_at", 0LL) >= full_every || cursor_text.empty()) {
      c["scan"] = {{"g", 0}, {"p", 1}, {"seen", nlohmann::json::array()}, {"full", cursor_text.empty()}, {"started", t}};
      // Watermarks first: what happens during the scan is seen by the next activity poll.
      for (const auto& g : settings_.groups) {
        auto data = client_->call({"GroupEventActivity", &documents::group_activity(),
                                   {{"preferredUsername", g}, {"page", 1}, {"limit", 1}}});
        if (!data.ok()) return std::move(data).error();
        const auto& first = elements_of(member((*data)["group"], "activity"));
        if (!first.empty()) c["act"][g] = {{"at", field_text(first[0], "insertedAt")}, {"ids", {field_text(first[0], "id")}}};
        else c["act"][g] = {{"at", ""}, {"ids", nlohmann::json::array()}};
      }
    }
  }

  if (c.contains("scan") && c["scan"].is_object()) {
    auto& scan = c["scan"];
    const bool full = scan.value("full", false);
    std::set<std::string> seen(scan["seen"].begin(), scan["seen"].end());
    const std::size_t g = scan.value("g", 0u);
    if (g < settings_.groups.size()) {
      const int p = scan.value("p", 1);
      auto data = client_->call({"GroupEvents", &documents::group_events(),
                                 {{"preferredUsername", settings_.groups[g]}, {"page", p}, {"limit", settings_.page_size}}});
      if (!data.ok()) return std::move(data).error();
      const auto& list = member((*data)["group"], "organizedEvents");
      const auto& elements = elements_of(list);
      for (const auto& e : elements) {
        const std::string uuid = field_text(e, "uuid");
        if (uuid.empty() || !seen.insert(uuid).second) continue;  // shifted page: already reported
        scan["seen"].push_back(uuid);
        if (auto st = emit(e, full); !st.ok()) return std::move(st).error();
      }
      if (elements.empty() || static_cast<long long>(p) * settings_.page_size >= total_of(list)) {
        scan["g"] = g + 1;
        scan["p"] = 1;
      } else {
        scan["p"] = p + 1;
      }
      page.has_more = true;
    } else {
      // End of the scan: a mirrored uuid not met is deleted, unless event(uuid) still finds
      // it (it slipped between two shifting pages).
      std::vector<std::string> missing;
      for (auto it = mirror.begin(); it != mirror.end(); ++it) {
        if (!seen.count(it.key())) missing.push_back(it.key());
      }
      for (const auto& uuid : missing) {
        auto e = fetch_event(uuid);
        if (e.ok()) {
          if (auto st = emit(*e, full); !st.ok()) return std::move(st).error();
        } else if (e.error().kind == ErrorKind::kNotFound) {
          mirror.erase(uuid);
          page.records.push_back(deleted(EntityKind::kEvent, uuid));
        } else {
          return std::move(e).error();
        }
      }
      c["full_at"] = scan.value("started", t);
      c["poll_at"] = scan.value("started", t);
      c["scan"] = nullptr;
      page.has_more = false;
    }
    page.full_listing = full;
    page.cursor = c.dump();
    return page;
  }

  // Fast poll: the activity streams since the watermarks.
  if (t - c.value("poll_at", 0LL) < settings_.activity_poll_interval.count() / 1000) {
    page.cursor = c.dump();
    return page;
  }
  std::map<std::string, std::string> latest;  // uuid -> newest subject
  for (const auto& g : settings_.groups) {
    auto& mark = c["act"][g];
    const std::string at = mark.is_object() ? mark.value("at", "") : "";
    std::set<std::string> done;
    if (mark.is_object() && mark.contains("ids")) done.insert(mark["ids"].begin(), mark["ids"].end());
    std::string new_at = at;
    std::set<std::string> new_ids;
    bool reached = false;
    for (int p = 1; p <= kMaxActivityPages && !reached; ++p) {
      auto data = client_->call({"GroupEventActivity", &documents::group_activity(),
                                 {{"preferredUsername", g}, {"page", p}, {"limit", settings_.activity_page_size}}});
      if (!data.ok()) return std::move(data).error();
      const auto& elements = elements_of(member((*data)["group"], "activity"));
      if (elements.empty()) break;
      for (const auto& a : elements) {
        const std::string when = field_text(a, "insertedAt");
        const std::string id = field_text(a, "id");
        if (when < at || (when == at && done.count(id))) {
          reached = true;
          break;
        }
        if (when > new_at) {
          new_at = when;
          new_ids.clear();
        }
        if (when == new_at) new_ids.insert(id);
        std::string uuid;
        for (const auto& kv : a.value("subjectParams", nlohmann::json::array())) {
          if (field_text(kv, "key") == "event_uuid") uuid = field_text(kv, "value");
        }
        if (!uuid.empty() && !latest.count(uuid)) latest[uuid] = field_text(a, "subject");  // newest first
      }
      if (p == kMaxActivityPages && !reached) c["full_at"] = 0;  // too much to walk: rescan
    }
    if (new_at == at) new_ids.insert(done.begin(), done.end());
    mark = {{"at", new_at}, {"ids", new_ids}};
  }
  std::vector<Operation> reads;
  std::vector<std::string> uuids;
  for (const auto& [uuid, subject] : latest) {
    if (subject == "event_deleted") {
      mirror.erase(uuid);
      page.records.push_back(deleted(EntityKind::kEvent, uuid));
    } else {
      uuids.push_back(uuid);
      reads.push_back({"Event", &documents::event(), {{"uuid", uuid}}});
    }
  }
  auto results = client_->call_all(reads, static_cast<std::size_t>(settings_.max_in_flight));
  for (std::size_t i = 0; i < results.size(); ++i) {
    if (results[i].ok() && (*results[i])["event"].is_object()) {
      if (auto st = emit((*results[i])["event"], false); !st.ok()) return std::move(st).error();
    } else if (!results[i].ok() && results[i].error().kind != ErrorKind::kNotFound) {
      return results[i].error();
    } else {
      mirror.erase(uuids[i]);
      page.records.push_back(deleted(EntityKind::kEvent, uuids[i]));
    }
  }
  c["poll_at"] = t;
  page.cursor = c.dump();
  return page;
}

// ------------------------------------------------------------------------ registrations

Result<ChangePage> MobilizonConnector::registration_changes(const std::string& cursor_text) {
  auto parsed = parse_cursor(cursor_text);
  if (!parsed.ok() && log_) log_->warn("{}; re-reading every participant list", parsed.error().message);
  nlohmann::json c = parsed.ok() ? std::move(*parsed) : nlohmann::json::object();
  if (!c.contains("v")) c = {{"v", 1}, {"events", nlohmann::json::object()}};
  if (!c.contains("scan") || c["scan"].is_null()) {
    c["scan"] = {{"g", 0}, {"p", 1}, {"seen", nlohmann::json::array()}, {"pending", nlohmann::json::array()},
                 {"full", cursor_text.empty()}};
  }
  auto& scan = c["scan"];
  auto& events = c["events"];
  const bool full = scan.value("full", false);
  ChangePage page;
  page.full_listing = full;
  page.has_more = true;

  if (!scan["pending"].empty()) {
    // Re-read the participants of a few changed events, in parallel.
    std::vector<std::string> batch;
    while (!scan["pending"].empty() && batch.size() < kEventsPerRegistrationPage) {
      batch.push_back(scan["pending"].back().get<std::string>());
      scan["pending"].erase(scan["pending"].size() - 1);
    }
    std::vector<Operation> ops;
    for (const auto& uuid : batch)
      ops.push_back({"EventParticipants", &documents::event_participants(),
                     {{"uuid", uuid}, {"page", 1}, {"limit", settings_.participants_page_size}}});
    auto results = client_->call_all(ops, static_cast<std::size_t>(settings_.max_in_flight));
    for (std::size_t i = 0; i < batch.size(); ++i) {
      const std::string& uuid = batch[i];
      if (!results[i].ok()) {
        const auto kind = results[i].error().kind;
        if (kind == ErrorKind::kNotFound || kind == ErrorKind::kPermanent) {
          // Gone, or not ours to moderate: nothing to list for it.
          if (log_) log_->debug("mobilizon: participants of {} unreadable: {}", uuid, results[i].error().message);
          continue;
        }
        return results[i].error();
      }
      const auto& ev = (*results[i])["event"];
      std::vector<nlohmann::json> people(elements_of(member(ev, "participants")).begin(),
                                         elements_of(member(ev, "participants")).end());
      const long long total = total_of(member(ev, "participants"));
      for (int p = 2; static_cast<long long>(people.size()) < total && p <= 1000; ++p) {
        auto more = client_->call({"EventParticipants", &documents::event_participants(),
                                   {{"uuid", uuid}, {"page", p}, {"limit", settings_.participants_page_size}}});
        if (!more.ok()) return std::move(more).error();
        const auto& els = elements_of(member((*more)["event"], "participants"));
        if (els.empty()) break;
        people.insert(people.end(), els.begin(), els.end());
      }
      std::set<std::string> before;
      if (events.contains(uuid) && events[uuid].contains("a")) before.insert(events[uuid]["a"].begin(), events[uuid]["a"].end());
      std::set<std::string> now_actors;
      bool new_person = false;
      for (const auto& person : people) {
        const auto& actor = person.value("actor", nlohmann::json());
        const std::string actor_id = field_text(actor, "id");
        // The bridge's own participation (it organises the group's events) is no registration.
        if (actor_id.empty() || actor_id == actor_id_ || !now_actors.insert(actor_id).second) continue;
        new_person = remember_person(actor) || new_person;
        ExternalRecord r;
        r.kind = EntityKind::kRegistration;
        r.external_id = registration_id(uuid, actor_id);
        r.version = field_text(person, "role");
        r.updated_at = field_text(person, "insertedAt");
        r.fields = {{field::kEvent, uuid}, {field::kPerson, actor_id}, {field::kStatus, registration_status(field_text(person, "role"))}};
        page.records.push_back(std::move(r));
      }
      for (const auto& a : before) {
        if (!now_actors.count(a)) page.records.push_back(deleted(EntityKind::kRegistration, registration_id(uuid, a)));
      }
      // A participant not yet listed as a person: the engine cannot link this registration
      // before the person is (persons are pulled first), so read the event again next pass.
      events[uuid] = {{"u", new_person ? std::string() : field_text(ev, "updatedAt")}, {"a", now_actors}};
    }
    save_persons();
    page.cursor = c.dump();
    return page;
  }

  const std::size_t g = scan.value("g", 0u);
  if (g < settings_.groups.size()) {
    const int p = scan.value("p", 1);
    auto data = client_->call({"GroupEventIndex", &documents::group_event_index(),
                               {{"preferredUsername", settings_.groups[g]}, {"page", p}, {"limit", 100}}});
    if (!data.ok()) return std::move(data).error();
    const auto& list = member((*data)["group"], "organizedEvents");
    const auto& elements = elements_of(list);
    std::set<std::string> seen(scan["seen"].begin(), scan["seen"].end());
    for (const auto& e : elements) {
      const std::string uuid = field_text(e, "uuid");
      if (uuid.empty() || !seen.insert(uuid).second) continue;
      scan["seen"].push_back(uuid);
      if (e.value("local", true) == false) continue;  // remote copies: participants are not ours
      const bool changed = !events.contains(uuid) || events[uuid].value("u", "") != field_text(e, "updatedAt");
      if (full || changed) scan["pending"].push_back(uuid);
    }
    if (elements.empty() || static_cast<long long>(p) * 100 >= total_of(list)) {
      scan["g"] = g + 1;
      scan["p"] = 1;
    } else {
      scan["p"] = p + 1;
    }
    page.cursor = c.dump();
    return page;
  }

  // Every event listed: the registrations of events that vanished are gone too. On a full
  // listing, unchanged events were re-read above, so their registrations were all listed.
  std::set<std::string> seen(scan["seen"].begin(), scan["seen"].end());
  std::vector<std::string> gone;
  for (auto it = events.begin(); it != events.end(); ++it) {
    if (!seen.count(it.key())) gone.push_back(it.key());
  }
  for (const auto& uuid : gone) {
    for (const auto& a : events[uuid].value("a", nlohmann::json::array()))
      page.records.push_back(deleted(EntityKind::kRegistration, registration_id(uuid, a.get<std::string>())));
    events.erase(uuid);
  }
  c["scan"] = nullptr;
  page.has_more = false;
  page.cursor = c.dump();
  return page;
}

}  // namespace coopsync::mobilizon
