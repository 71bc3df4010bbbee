#include "connectors/matrix/announce.hpp"

#include "core/model/normalize.hpp"

#include <cctype>
#include <cstdint>
#include <sstream>

namespace coopsync::matrix {

namespace {
// "YYYY-MM-DDTHH:MM:SS" in `zone`, or the UTC text as given when it cannot be converted.
std::string local(const std::string& instant_text, const std::string& zone) {
  auto instant = parse_instant(instant_text);
  if (!instant.ok()) return instant_text;
  auto text = utc_to_local(*instant, zone.empty() ? std::string("UTC") : zone);
  if (!text.ok()) return format_instant(*instant);
  return *text;
}

std::string html_escape(const std::string& text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '&': out += "&amp;"; break;
      case '"': out += "&quot;"; break;
      case '\n': out += "<br>"; break;
      default: out.push_back(c);
    }
  }
  return out;
}
}  // namespace

std::string format_when(const Fields& event) {
  const std::string start = field_text(event, field::kStart);
  const std::string end = field_text(event, field::kEnd);
  const std::string zone = field_text(event, field::kTimezone);
  auto all_day = event.find(field::kAllDay);
  if (all_day != event.end() && all_day->is_boolean() && all_day->get<bool>()) {
    if (end.empty() || end == start) return start;
    return start + " - " + end;
  }
  if (start.empty()) return {};
  const std::string s = local(start, zone);
  std::string out = s.substr(0, 10) + " " + s.substr(11, 5);
  if (!end.empty()) {
    const std::string e = local(end, zone);
    out += " - " + (e.compare(0, 10, s, 0, 10) == 0 ? e.substr(11, 5)
                                                     : e.substr(0, 10) + " " + e.substr(11, 5));
  }
  return out + " (" + (zone.empty() ? std::string("UTC") : zone) + ")";
}

std::string announcement_text(const Settings& settings, const Fields& event, bool cancelled) {
  if (field_text(event, field::kStatus) == "cancelled") cancelled = true;
  std::string tpl = cancelled ? settings.announcement_cancelled : settings.announcement;
  if (tpl.empty()) tpl = cancelled ? kDefaultCancelled : kDefaultAnnouncement;
  const std::string text = expand(tpl, {{"title", field_text(event, field::kTitle)},
                                        {"when", format_when(event)},
                                        {"location", field_text(event, field::kLocation)},
                                        {"online_url", field_text(event, field::kOnlineUrl)},
                                        {"description", field_text(event, field::kDescription)}});
  // Drop the empty lines left by absent fields; keep the rest as written.
  std::istringstream in(text);
  std::string line;
  std::string out;
  while (std::getline(in, line)) {
    if (line.find_first_not_of(" \t") == std::string::npos) continue;
    if (!out.empty()) out.push_back('\n');
    out += line;
  }
  return out;
}

json announcement_content(const std::string& text, const std::string& entity_id) {
  const auto nl = text.find('\n');
  const std::string head = html_escape(text.substr(0, nl));
  const std::string tail = nl == std::string::npos ? std::string() : html_escape(text.substr(nl));
  return {{"msgtype", "m.text"},
          {"body", text},
          {"format", "org.matrix.custom.html"},
          {"formatted_body", "<b>" + head + "</b>" + tail},
          {kEntityKey, entity_id}};
}

json edit_content(const std::string& original_event_id, const json& content) {
  json out = content;
  out["body"] = "* " + content.value("body", std::string());
  if (content.contains("formatted_body")) {
    out["formatted_body"] = "* " + content["formatted_body"].get<std::string>();
  }
  out["m.new_content"] = content;
  out["m.relates_to"] = {{"rel_type", "m.replace"}, {"event_id", original_event_id}};
  return out;
}

std::string txn_id_for(const std::string& key) {
  std::string safe;
  bool clean = true;
  for (char c : key) {
    if (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.') {
      if (safe.size() < 120) safe.push_back(c);
    } else {
      clean = false;
    }
  }
  if (key.size() > 120) clean = false;
  if (clean) return "coop-" + safe;
  std::uint64_t h = 1469598103934665603ULL;  // FNV-1a: stable across runs and builds
  for (unsigned char c : key) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  std::ostringstream out;
  out << "coop-" << safe << "-" << std::hex << h;
  return out.str();
}

}  // namespace coopsync::matrix
