// Meetings: the pure parts (settings, external ids, calendar.event <-> canonical Event,
// the split cursor). The feeds and writes are in meetings_sync.cpp.
#include "connectors/odoo/meetings.hpp"
#include "connectors/odoo/domain.hpp"

#include "core/model/normalize.hpp"

#include <algorithm>
#include <charconv>
#include <set>

namespace coopsync::odoo {

namespace fs = config::field_spec;

namespace {

const char kPrefix[] = "calendar.event:";
const char kAttendeeInfix[] = ":partner:";

std::optional<std::int64_t> number(std::string_view text) {
  std::int64_t id = 0;
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
  if (ec != std::errc() || ptr != text.data() + text.size() || id <= 0) return std::nullopt;
  return id;
}

}  // namespace

config::FieldSpec meeting_settings_field() {
  config::ObjectSpec m(
      "Meetings: calendar.event records as events, their attendees as registrations");
  m.add(fs::boolean("enabled").fallback(false).describe(
      "Read and write Odoo meetings (calendar.event) as events beside event.event; their "
      "attendees (partner_ids) are registrations. Their ids are \"calendar.event:<id>\""));
  m.add(
      fs::string("domain").fallback("[]").describe("Extra Odoo domain on calendar.event, as JSON, "
                                                   "e.g. [[\"categ_ids.name\", \"=\", \"Coop\"]]"));
  m.add(
      fs::one_of("group_by", {"meeting_tag", "none"})
          .fallback("meeting_tag")
          .describe(
              "meeting_tag: a meeting's organising group is its meeting tag (calendar.event.type, "
              "categ_ids) named like the group, made or moved on write; none: meetings have no "
              "group"));
  m.add(fs::boolean("create").fallback(false).describe(
      "New events from the other systems are made in Odoo as meetings (calendar.event) "
      "instead of events (event.event)"));
  return fs::object("meetings", std::move(m))
      .describe("Odoo meetings (calendar.event) as events; off unless enabled");
}

Result<MeetingSettings> parse_meeting_settings(const nlohmann::json& section) {
  MeetingSettings out;
  if (!section.is_object() || !section.contains("meetings") || !section["meetings"].is_object())
    return out;
  const auto& m = section["meetings"];
  out.enabled = m.value("enabled", false);
  out.group_by_tag = m.value("group_by", std::string("meeting_tag")) != "none";
  out.create = m.value("create", false);
  const std::string domain =
      m.contains("domain") && m["domain"].is_string() ? m["domain"].get<std::string>() : "[]";
  auto j = nlohmann::json::parse(domain, nullptr, false);
  if (j.is_discarded() || !j.is_array()) {
    return make_error(ErrorKind::kInvalidInput,
                      "odoo settings: meetings.domain must be a JSON array (an Odoo domain)");
  }
  out.domain = *from_json(j).as_array();
  return out;
}

std::string meeting_external_id(std::int64_t meeting) { return kPrefix + std::to_string(meeting); }

std::string attendee_external_id(std::int64_t meeting, std::int64_t partner) {
  return meeting_external_id(meeting) + kAttendeeInfix + std::to_string(partner);
}

std::optional<std::int64_t> parse_meeting_id(const std::string& external_id) {
  if (external_id.rfind(kPrefix, 0) != 0) return std::nullopt;
  return number(std::string_view(external_id).substr(sizeof(kPrefix) - 1));
}

std::optional<std::pair<std::int64_t, std::int64_t>> parse_attendee_id(
    const std::string& external_id) {
  if (external_id.rfind(kPrefix, 0) != 0) return std::nullopt;
  const auto sep = external_id.find(kAttendeeInfix);
  if (sep == std::string::npos) return std::nullopt;
  auto meeting = number(
      std::string_view(external_id).substr(sizeof(kPrefix) - 1, sep - (sizeof(kPrefix) - 1)));
  auto partner = number(std::string_view(external_id).substr(sep + sizeof(kAttendeeInfix) - 1));
  if (!meeting || !partner) return std::nullopt;
  return std::pair{*meeting, *partner};
}

bool is_meeting_write(const Write& w) {
  if (w.external_id.rfind(kPrefix, 0) == 0) return true;
  return w.kind == EntityKind::kRegistration &&
         field_text(w.fields, field::kEvent).rfind(kPrefix, 0) == 0;
}

std::vector<std::string> meeting_fields() {
  // The fields of the captured search_read (54) that carry canonical values, and the tags.
  return {"name",      "start",    "stop",      "allday",      "start_date",
          "stop_date", "event_tz", "location",  "description", "partner_ids",
          "categ_ids", "active",   "write_date"};
}

std::string strip_organizer_block(const std::string& html) {
  const auto cut = html.find("<br><strong>Organized by</strong>");
  if (cut == std::string::npos) return html;
  std::string head = html.substr(0, cut);
  if (head.rfind("<div>", 0) == 0) head = head.substr(5);
  return head;
}

Fields meeting_from_odoo(const Value& row, const MapContext& ctx) {
  Fields f = Fields::object();
  f[field::kTitle] = row_text(row, "name") ? *row_text(row, "name") : "";
  const Value* allday = row.find("allday");
  const bool all_day = allday && allday->as_bool().value_or(false);
  f[field::kAllDay] = all_day;
  if (all_day) {
    // start/stop are Odoo's 08:00-18:00 UTC stand-ins; the dates are the meeting's.
    const std::string* from = row_text(row, "start_date");
    const std::string* to = row_text(row, "stop_date");
    f[field::kStart] = from ? nlohmann::json(*from) : nlohmann::json(nullptr);
    f[field::kEnd] = to ? nlohmann::json(*to) : f[field::kStart];
  } else {
    for (auto [from, to] : {std::pair{"start", field::kStart}, std::pair{"stop", field::kEnd}}) {
      const std::string* t = row_text(row, from);
      auto iso = t ? odoo_to_iso(*t) : std::nullopt;
      f[to] = iso ? nlohmann::json(*iso) : nlohmann::json(nullptr);
    }
  }
  const std::string* tz = row_text(row, "event_tz");
  f[field::kTimezone] = tz && !tz->empty() ? nlohmann::json(*tz) : nlohmann::json(nullptr);
  const std::string* location = row_text(row, "location");
  f[field::kLocation] =
      location && !location->empty() ? nlohmann::json(*location) : nlohmann::json(nullptr);
  const std::string* html = row_text(row, "description");
  const std::string text = html ? html_to_text(strip_organizer_block(*html)) : std::string();
  f[field::kDescription] = text.empty() ? nlohmann::json(nullptr) : nlohmann::json(text);
  f[field::kCapacity] = nullptr;  // a meeting has no seat limit
  const Value* active = row.find("active");
  f[field::kStatus] = active && !active->as_bool().value_or(true) ? "cancelled" : "confirmed";
  if (const Value* tags = row.find("categ_ids")) {
    std::set<std::int64_t> groups;
    for (auto id : id_list(*tags)) {
      if (auto it = ctx.event_tag_groups.find(id); it != ctx.event_tag_groups.end())
        groups.insert(it->second);
    }
    f[field::kGroup] = groups.size() == 1 ? nlohmann::json(std::to_string(*groups.begin()))
                                          : nlohmann::json(nullptr);
  }
  return f;
}

Struct meeting_to_odoo(const Fields& f, const std::vector<std::string>& changed,
                       const FieldMap& fields) {
  const bool create = changed.empty();
  Value out{Struct{}};
  auto optional_text = [&](const char* canonical, const char* odoo, bool html) {
    if (!f.contains(canonical) || !wants(changed, {canonical})) return;
    const std::string t = field_text(f, canonical);
    if (t.empty()) {
      if (!create) out.set(odoo, Value(false));
      return;
    }
    out.set(odoo, Value(html ? text_to_html(t) : t));
  };
  if (wants(changed, {field::kTitle}) && f.contains(field::kTitle))
    out.set("name", Value(field_text(f, field::kTitle)));
  if (wants(changed, {field::kStart, field::kEnd, field::kAllDay}) && f.contains(field::kStart)) {
    // Always the whole span: Odoo recomputes one bound from the other and the duration.
    const std::string start = field_text(f, field::kStart);
    std::string end = field_text(f, field::kEnd);
    const bool all_day = f.contains(field::kAllDay) && f[field::kAllDay].is_boolean()
                             ? f[field::kAllDay].get<bool>()
                             : start.size() == 10;
    if (all_day && start.size() >= 10) {
      const std::string day = start.substr(0, 10);
      const std::string last = end.size() >= 10 ? end.substr(0, 10) : day;
      out.set("allday", Value(true));
      out.set("start_date", Value(day));
      out.set("stop_date", Value(last));
      out.set("start", Value(day + " 00:00:00"));
      out.set("stop", Value(last + " 00:00:00"));
    } else if (auto from = iso_to_odoo(start)) {
      auto to = iso_to_odoo(end);
      if (!to) {  // Odoo needs a stop: an hour, its default duration
        auto t = parse_instant(start);
        to = format_odoo_datetime(*t + std::chrono::hours(1));
      }
      out.set("start", Value(*from));
      out.set("stop", Value(*to));
      out.set("allday", Value(false));
    }
  }
  if (f.contains(field::kTimezone) && wants(changed, {field::kTimezone}) &&
      fields.count("event_tz")) {
    const std::string zone = field_text(f, field::kTimezone);
    const auto& allowed = fields.at("event_tz").selection;
    const bool known =
        !zone.empty() &&
        (allowed.empty() || std::find(allowed.begin(), allowed.end(), zone) != allowed.end());
    if (known) {
      out.set("event_tz", Value(zone));
    } else if (!create) {
      out.set("event_tz", Value(false));
    }
  }
  optional_text(field::kLocation, "location", false);
  optional_text(field::kDescription, "description", true);
  if (f.contains(field::kStatus) && f[field::kStatus].is_string() &&
      wants(changed, {field::kStatus})) {
    const bool active = f[field::kStatus].get<std::string>() != "cancelled";
    if (!create || !active) out.set("active", Value(active));
  }
  return std::move(*out.as_struct());
}

std::string SplitCursor::encode() const {
  return nlohmann::json{{"split", 1},
                        {"model", model},
                        {"meetings", meetings},
                        {"on_meetings", on_meetings},
                        {"model_full", model_full}}
      .dump();
}

bool SplitCursor::is_split(const std::string& text) {
  if (text.empty() || text.front() != '{') return false;
  auto j = nlohmann::json::parse(text, nullptr, false);
  return j.is_object() && j.contains("split");
}

SplitCursor SplitCursor::decode(const std::string& text) {
  SplitCursor c;
  if (!is_split(text)) {
    c.model = text;
    return c;
  }
  auto j = nlohmann::json::parse(text, nullptr, false);
  auto s = [&](const char* k) {
    return j.contains(k) && j[k].is_string() ? j[k].get<std::string>() : std::string();
  };
  auto b = [&](const char* k) { return j.contains(k) && j[k].is_boolean() && j[k].get<bool>(); };
  c.model = s("model");
  c.meetings = s("meetings");
  c.on_meetings = b("on_meetings");
  c.model_full = b("model_full");
  return c;
}

}  // namespace coopsync::odoo
