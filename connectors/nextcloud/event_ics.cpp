#include "connectors/nextcloud/event_ics.hpp"

#include "core/model/normalize.hpp"

#include <libical/ical.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>

namespace coopsync::nextcloud {
namespace {

struct CompDeleter {
  void operator()(icalcomponent* c) const { icalcomponent_free(c); }
};
using CompPtr = std::unique_ptr<icalcomponent, CompDeleter>;

std::string take_string(char* s) {
  std::string out = s == nullptr ? std::string() : std::string(s);
  std::free(s);
  return out;
}

std::string str_field(const Fields& f, const char* name) {
  auto it = f.find(name);
  return (it != f.end() && it->is_string()) ? it->get<std::string>() : std::string();
}

// "2026-07-05" -> "20260705"; "2026-07-05T10:00:00" -> "20260705T100000".
std::string compact(std::string_view iso) {
  std::string out;
  for (char c : iso) {
    if (c != '-' && c != ':') out.push_back(c);
  }
  return out;
}

bool valid_date(std::string_view d) {
  if (d.size() != 10 || d[4] != '-' || d[7] != '-') return false;
  for (std::size_t i : {0, 1, 2, 3, 5, 6, 8, 9}) {
    if (d[i] < '0' || d[i] > '9') return false;
  }
  return true;
}

std::string date_plus_days(std::string_view iso_date, int days) {
  icaltimetype t = icaltime_from_string(compact(iso_date).c_str());
  icaltime_adjust(&t, days, 0, 0, 0);
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", t.year, t.month, t.day);
  return buf;
}

// A VTIMEZONE for `zone` from libical's zone data, named by its IANA id, from a year
// before `from_year` on (the whole history would be several kilobytes per event).
icalcomponent* vtimezone(const std::string& zone, int from_year) {
  icaltimezone* tz = icaltimezone_get_builtin_timezone(zone.c_str());
  if (tz == nullptr) return nullptr;
  icalcomponent* comp = icaltimezone_get_component(tz);
  if (comp == nullptr) return nullptr;
  icalcomponent* vtz = icalcomponent_new_clone(comp);
  icaltimetype start = icaltime_null_time();
  start.year = from_year - 1;
  start.month = 1;
  start.day = 1;
  start.zone = icaltimezone_get_utc_timezone();
  icaltimezone_truncate_vtimezone(vtz, start, icaltime_null_time(), 1);
  if (icalproperty* p = icalcomponent_get_first_property(vtz, ICAL_TZID_PROPERTY)) {
    icalproperty_set_tzid(p, zone.c_str());
  }
  return vtz;
}

Result<icalproperty*> time_property(icalproperty_kind kind, const std::string& iso, bool all_day,
                                    const std::string& zone, const char* name) {
  icaltimetype t;
  if (all_day) {
    if (!valid_date(iso)) {
      return make_error(ErrorKind::kInvalidInput, std::string("event ") + name +
                                                      " is not a date YYYY-MM-DD: '" + iso + "'");
    }
    t = icaltime_from_string(compact(iso).c_str());
  } else {
    auto instant = parse_instant(iso);
    if (!instant) return std::move(instant).error();
    if (zone.empty() || zone == "UTC" || zone == "Etc/UTC") {
      t = icaltime_from_string(compact(format_instant(*instant)).c_str());
    } else {
      auto local = utc_to_local(*instant, zone);
      if (!local) return std::move(local).error();
      t = icaltime_from_string(compact(*local).c_str());
    }
  }
  if (icaltime_is_null_time(t)) {
    return make_error(ErrorKind::kInvalidInput, std::string("event ") + name + " unreadable: " + iso);
  }
  icalproperty* p = icalproperty_new(kind);
  if (kind == ICAL_DTSTART_PROPERTY) icalproperty_set_dtstart(p, t);
  else icalproperty_set_dtend(p, t);
  if (!all_day && !zone.empty() && zone != "UTC" && zone != "Etc/UTC") {
    icalproperty_add_parameter(p, icalparameter_new_tzid(zone.c_str()));
  }
  return p;
}

}  // namespace

Result<std::string> build_ics(const std::string& uid, const Fields& fields,
                              const std::string& default_zone) {
  if (uid.empty()) return make_error(ErrorKind::kInvalidInput, "event without a UID");
  const bool all_day = fields.contains(field::kAllDay) && fields[field::kAllDay].is_boolean() &&
                       fields[field::kAllDay].get<bool>();
  std::string zone = str_field(fields, field::kTimezone);
  if (zone.empty()) zone = default_zone;
  if (!all_day && !zone.empty() && zone != "UTC" && !is_known_zone(zone)) {
    return make_error(ErrorKind::kInvalidInput, "event " + uid + ": unknown time zone '" + zone + "'");
  }
  std::string start = str_field(fields, field::kStart);
  std::string end = str_field(fields, field::kEnd);
  if (start.empty()) return make_error(ErrorKind::kInvalidInput, "event " + uid + " has no start");
  if (end.empty()) end = start;

  CompPtr cal(icalcomponent_new(ICAL_VCALENDAR_COMPONENT));
  icalcomponent_add_property(cal.get(), icalproperty_new_version("2.0"));
  icalcomponent_add_property(cal.get(), icalproperty_new_prodid("-//coopsync//nextcloud//EN"));
  icalcomponent* ev = icalcomponent_new(ICAL_VEVENT_COMPONENT);
  icalcomponent_add_component(cal.get(), ev);
  icalcomponent_add_property(ev, icalproperty_new_uid(uid.c_str()));
  icalcomponent_add_property(ev, icalproperty_new_dtstamp(
                                     icaltime_current_time_with_zone(icaltimezone_get_utc_timezone())));
  auto dtstart = time_property(ICAL_DTSTART_PROPERTY, start, all_day, zone, "start");
  if (!dtstart) return std::move(dtstart).error();
  icalcomponent_add_property(ev, *dtstart);
  // All-day: the wire's DTEND is exclusive, the canonical end the last day itself.
  auto dtend = time_property(ICAL_DTEND_PROPERTY, all_day && valid_date(end) ? date_plus_days(end, 1) : end,
                             all_day, zone, "end");
  if (!dtend) return std::move(dtend).error();
  icalcomponent_add_property(ev, *dtend);
  if (auto s = str_field(fields, field::kTitle); !s.empty()) {
    icalcomponent_add_property(ev, icalproperty_new_summary(s.c_str()));
  }
  if (auto s = str_field(fields, field::kDescription); !s.empty()) {
    icalcomponent_add_property(ev, icalproperty_new_description(s.c_str()));
  }
  if (auto s = str_field(fields, field::kLocation); !s.empty()) {
    icalcomponent_add_property(ev, icalproperty_new_location(s.c_str()));
  }
  if (auto s = str_field(fields, field::kOnlineUrl); !s.empty()) {
    icalcomponent_add_property(ev, icalproperty_new_url(s.c_str()));
  }
  if (auto s = str_field(fields, field::kGroup); !s.empty()) {
    icalproperty* group = icalproperty_new_x(s.c_str());
    icalproperty_set_x_name(group, kGroupProperty);
    icalcomponent_add_property(ev, group);
  }
  if (auto s = str_field(fields, field::kStatus); !s.empty()) {
    icalproperty_status st = s == "cancelled"   ? ICAL_STATUS_CANCELLED
                             : s == "tentative" ? ICAL_STATUS_TENTATIVE
                                                : ICAL_STATUS_CONFIRMED;
    icalcomponent_add_property(ev, icalproperty_new_status(st));
  }
  if (!all_day && !zone.empty() && zone != "UTC" && zone != "Etc/UTC") {
    const int year = std::atoi(start.substr(0, 4).c_str());
    icalcomponent* vtz = vtimezone(zone, year);
    if (vtz == nullptr) {
      return make_error(ErrorKind::kInvalidInput, "event " + uid + ": no VTIMEZONE for " + zone);
    }
    // VTIMEZONE goes before the VEVENT that uses it.
    icalcomponent_remove_component(cal.get(), ev);
    icalcomponent_add_component(cal.get(), vtz);
    icalcomponent_add_component(cal.get(), ev);
  }
  return take_string(icalcomponent_as_ical_string_r(cal.get()));
}

namespace {

struct TimeValue {
  std::string value;  // ISO instant "…Z" or date "YYYY-MM-DD"
  bool is_date = false;
  std::string zone;
};

Result<TimeValue> read_time(icalcomponent* cal, icalproperty* p, const std::string& what,
                            const std::string& default_zone) {
  icaltimetype t = icalvalue_get_datetime(icalproperty_get_value(p));
  if (icaltime_is_null_time(t) || !icaltime_is_valid_time(t)) {
    return make_error(ErrorKind::kInvalidInput, what + ": unreadable date-time");
  }
  char buf[32];
  if (t.is_date) {
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", t.year, t.month, t.day);
    return TimeValue{buf, true, {}};
  }
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d", t.year, t.month, t.day, t.hour,
                t.minute, t.second);
  if (icaltime_is_utc(t)) return TimeValue{std::string(buf) + "Z", false, "UTC"};
  std::string zone = default_zone;
  if (icalparameter* tzp = icalproperty_get_first_parameter(p, ICAL_TZID_PARAMETER)) {
    const char* tzid = icalparameter_get_tzid(tzp);
    zone = tzid == nullptr ? "" : tzid;
  }
  if (is_known_zone(zone)) {
    auto utc = local_to_utc(buf, zone);
    if (!utc) return std::move(utc).error();
    return TimeValue{format_instant(*utc), false, zone};
  }
  // A zone only the calendar's own VTIMEZONE defines (e.g. Outlook's names).
  icaltimezone* tz = icalcomponent_get_timezone(cal, zone.c_str());
  if (tz == nullptr) {
    return make_error(ErrorKind::kInvalidInput, what + ": unknown time zone '" + zone + "'");
  }
  icaltimetype u = icaltime_convert_to_zone(t, icaltimezone_get_utc_timezone());
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02dZ", u.year, u.month, u.day, u.hour,
                u.minute, u.second);
  return TimeValue{buf, false, zone};
}

// TEXT values unescaped (icalvalue_get_text), any other value as written. Never through
// libical's temporary-buffer ring (the non-_r *_as_ical_string): each call there keeps its
// buffer alive until 2,500 later calls push it out, so every parse left memory behind.
std::string text_prop(icalcomponent* ev, icalproperty_kind kind) {
  icalproperty* p = icalcomponent_get_first_property(ev, kind);
  if (p == nullptr) return {};
  const icalvalue* value = icalproperty_get_value(p);
  if (value == nullptr) return {};
  if (icalvalue_isa(value) == ICAL_TEXT_VALUE) {
    const char* v = icalvalue_get_text(value);
    return v == nullptr ? std::string() : std::string(v);
  }
  return take_string(icalvalue_as_ical_string_r(value));
}

}  // namespace

Result<ParsedEvent> parse_ics(std::string_view ics, const std::string& what,
                              const std::string& default_zone) {
  if (ics.size() > kMaxIcsBytes) {
    return make_error(ErrorKind::kInvalidInput, what + ": iCalendar larger than 1 MiB");
  }
  const std::string text(ics);
  CompPtr cal(icalparser_parse_string(text.c_str()));
  if (!cal || icalcomponent_isa(cal.get()) != ICAL_VCALENDAR_COMPONENT) {
    return make_error(ErrorKind::kInvalidInput, what + ": not an iCalendar VCALENDAR");
  }
  icalcomponent* ev = icalcomponent_get_first_component(cal.get(), ICAL_VEVENT_COMPONENT);
  if (ev == nullptr) return make_error(ErrorKind::kInvalidInput, what + ": no VEVENT");
  ParsedEvent out;
  if (icalproperty* p = icalcomponent_get_first_property(ev, ICAL_UID_PROPERTY)) {
    const char* uid = icalproperty_get_uid(p);
    out.uid = uid == nullptr ? "" : uid;
  }
  if (out.uid.empty()) return make_error(ErrorKind::kInvalidInput, what + ": VEVENT without UID");
  icalproperty* ps = icalcomponent_get_first_property(ev, ICAL_DTSTART_PROPERTY);
  if (ps == nullptr) return make_error(ErrorKind::kInvalidInput, what + ": VEVENT without DTSTART");
  auto start = read_time(cal.get(), ps, what + " DTSTART", default_zone);
  if (!start) return std::move(start).error();
  TimeValue end = *start;
  if (icalproperty* pe = icalcomponent_get_first_property(ev, ICAL_DTEND_PROPERTY)) {
    auto e = read_time(cal.get(), pe, what + " DTEND", default_zone);
    if (!e) return std::move(e).error();
    end = *e;
    if (end.is_date && start->is_date) end.value = date_plus_days(end.value, -1);
  } else if (icalproperty* pd = icalcomponent_get_first_property(ev, ICAL_DURATION_PROPERTY)) {
    const icaldurationtype d = icalproperty_get_duration(pd);
    const int secs = icaldurationtype_as_int(d);
    if (start->is_date) {
      end.value = date_plus_days(start->value, std::max(0, secs / 86400 - 1));
    } else if (auto s = parse_instant(start->value)) {
      end.value = format_instant(*s + std::chrono::seconds(secs));
    }
  }
  Fields& f = out.fields;
  f[field::kTitle] = text_prop(ev, ICAL_SUMMARY_PROPERTY);
  f[field::kDescription] = text_prop(ev, ICAL_DESCRIPTION_PROPERTY);
  f[field::kLocation] = text_prop(ev, ICAL_LOCATION_PROPERTY);
  f[field::kOnlineUrl] = text_prop(ev, ICAL_URL_PROPERTY);
  f[field::kAllDay] = start->is_date;
  f[field::kStart] = start->value;
  f[field::kEnd] = end.value;
  f[field::kTimezone] = start->is_date ? Fields(nullptr) : Fields(start->zone);
  std::string status = "confirmed";
  if (icalproperty* st = icalcomponent_get_first_property(ev, ICAL_STATUS_PROPERTY)) {
    switch (icalproperty_get_status(st)) {
      case ICAL_STATUS_CANCELLED: status = "cancelled"; break;
      case ICAL_STATUS_TENTATIVE: status = "tentative"; break;
      default: break;
    }
  }
  f[field::kStatus] = status;
  if (icalproperty* lm = icalcomponent_get_first_property(ev, ICAL_LASTMODIFIED_PROPERTY)) {
    const icaltimetype t = icalproperty_get_lastmodified(lm);
    if (!icaltime_is_null_time(t) && !icaltime_is_date(t)) {
      const icaltimezone* zone = t.zone != nullptr ? t.zone : icaltimezone_get_utc_timezone();
      const auto secs = icaltime_as_timet_with_zone(t, zone);
      out.last_modified = format_instant(Instant(std::chrono::seconds(secs)));
    }
  }
  for (icalproperty* x = icalcomponent_get_first_property(ev, ICAL_X_PROPERTY); x != nullptr;
       x = icalcomponent_get_next_property(ev, ICAL_X_PROPERTY)) {
    const char* name = icalproperty_get_x_name(x);
    if (name == nullptr || std::string_view(name) != kGroupProperty) continue;
    const char* value = icalproperty_get_x(x);
    out.written_for_group = value == nullptr ? "" : value;
    break;
  }
  for (const char* k : {field::kDescription, field::kLocation, field::kOnlineUrl}) {
    if (f[k].get_ref<const std::string&>().empty()) f[k] = nullptr;
  }
  return out;
}

}  // namespace coopsync::nextcloud
