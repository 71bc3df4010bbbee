// Instants and wall-clock times, on Howard Hinnant's date library with the OS tz database
// (tzdata), so zone rules follow Debian's updates rather than a copy of our own.
#include "core/model/normalize.hpp"

#include <date/date.h>
#include <date/tz.h>

#include <algorithm>
#include <cctype>
#include <sstream>

namespace coopsync {

namespace {
std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

// date::parse reads %S as a floating-point number, so a sign or a stray character inside
// the digits can turn into NaN and undefined behaviour in its cast (found by fuzzing the
// iCalendar reader). The shape is therefore checked first: YYYY-MM-DD?HH:MM:SS, digits
// exactly where digits belong; the separator at 10 is checked by the caller.
bool has_date_time_shape(std::string_view s) {
  if (s.size() < 19) return false;
  static constexpr std::string_view kShape = "dddd-dd-dd?dd:dd:dd";
  for (std::size_t i = 0; i < kShape.size(); ++i) {
    const char want = kShape[i];
    if (want == 'd') {
      if (!std::isdigit(static_cast<unsigned char>(s[i]))) return false;
    } else if (want != '?' && s[i] != want) {
      return false;
    }
  }
  return true;
}
}  // namespace

Result<Instant> parse_instant(std::string_view text) {
  std::string s(trim(text));
  if (s.size() < 19 || s.size() > 40) {
    return make_error(ErrorKind::kInvalidInput, "not a date-time: '" + s.substr(0, 40) + "'");
  }
  if (s[10] == ' ') s[10] = 'T';
  if (s[10] != 'T' || !has_date_time_shape(s)) {
    return make_error(ErrorKind::kInvalidInput, "not a date-time: '" + s.substr(0, 40) + "'");
  }
  std::istringstream in(s);
  date::sys_seconds tp;
  std::string rest;
  in >> date::parse("%Y-%m-%dT%H:%M:%S", tp);
  if (in.fail()) return make_error(ErrorKind::kInvalidInput, "not a date-time: '" + s + "'");
  std::getline(in, rest);
  std::string_view r = rest;
  if (!r.empty() && r.front() == '.') {  // fractional seconds: dropped (second precision)
    r.remove_prefix(1);
    while (!r.empty() && std::isdigit(static_cast<unsigned char>(r.front()))) r.remove_prefix(1);
  }
  if (r.empty() || r == "Z" || r == "z") return tp;
  if ((r.front() == '+' || r.front() == '-') && (r.size() == 6 || r.size() == 5) ) {
    const int sign = r.front() == '+' ? 1 : -1;
    const std::string digits = r.size() == 6 ? std::string(r.substr(1, 2)) + std::string(r.substr(4, 2))
                                             : std::string(r.substr(1, 4));
    if (std::all_of(digits.begin(), digits.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); })) {
      const int hh = std::stoi(digits.substr(0, 2)), mm = std::stoi(digits.substr(2, 2));
      return tp - std::chrono::seconds(sign * (hh * 3600 + mm * 60));
    }
  }
  return make_error(ErrorKind::kInvalidInput, "not a date-time: '" + s + "' (bad zone suffix)");
}

std::string format_instant(Instant instant) { return date::format("%Y-%m-%dT%H:%M:%SZ", instant); }

std::string format_odoo_datetime(Instant instant) { return date::format("%Y-%m-%d %H:%M:%S", instant); }

bool is_known_zone(const std::string& zone) {
  try {
    return date::locate_zone(zone) != nullptr;
  } catch (const std::exception&) {
    return false;
  }
}

Result<Instant> local_to_utc(std::string_view local, const std::string& zone) {
  const date::time_zone* tz = nullptr;
  try {
    tz = date::locate_zone(zone);
  } catch (const std::exception&) {
    return make_error(ErrorKind::kInvalidInput, "unknown time zone '" + zone + "'");
  }
  std::string s(trim(local));
  if (s.size() >= 11 && s[10] == ' ') s[10] = 'T';
  if (s.size() > 40 || s.size() < 11 || s[10] != 'T' || !has_date_time_shape(s)) {
    return make_error(ErrorKind::kInvalidInput, "not a local date-time: '" + s.substr(0, 40) + "'");
  }
  std::istringstream in(s);
  date::local_seconds lt;
  in >> date::parse("%Y-%m-%dT%H:%M:%S", lt);
  if (in.fail()) return make_error(ErrorKind::kInvalidInput, "not a local date-time: '" + s + "'");
  const auto info = tz->get_info(lt);
  switch (info.result) {
    case date::local_info::unique:
      return Instant(lt.time_since_epoch() - info.first.offset);
    case date::local_info::ambiguous:  // fall-back: the first occurrence
      return Instant(lt.time_since_epoch() - info.first.offset);
    case date::local_info::nonexistent:  // spring-forward gap: shift by the gap
      return Instant(lt.time_since_epoch() - info.first.offset);
  }
  return make_error(ErrorKind::kInternal, "unreachable local_info result");
}

Result<std::string> utc_to_local(Instant instant, const std::string& zone) {
  try {
    const auto zt = date::make_zoned(zone, instant);
    return date::format("%Y-%m-%dT%H:%M:%S", zt.get_local_time());
  } catch (const std::exception&) {
    return make_error(ErrorKind::kInvalidInput, "unknown time zone '" + zone + "'");
  }
}

}  // namespace coopsync
