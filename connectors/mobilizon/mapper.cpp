#include "connectors/mobilizon/mapper.hpp"
#include "core/util/ascii_case.hpp"

#include "connectors/mobilizon/html_text.hpp"
#include "core/model/normalize.hpp"

#include <algorithm>

namespace coopsync::mobilizon {

namespace {
// Canonical instants travel as "...Z"; Mobilizon wants an offset and answers in UTC.
Result<std::string> instant_text(const nlohmann::json& v, const char* what) {
  if (!v.is_string()) return make_error(ErrorKind::kInvalidInput, std::string("mobilizon event: ") + what + " is not a string");
  auto t = parse_instant(v.get<std::string>());
  if (!t.ok()) return make_error(ErrorKind::kInvalidInput, std::string("mobilizon event: ") + what + ": " + t.error().message);
  return format_instant(*t);
}

// Address fields Mobilizon accepts back (AddressInput), from an Address answer.
nlohmann::json address_input(const nlohmann::json& a) {
  nlohmann::json out = nlohmann::json::object();
  for (const char* k : {"id", "description", "street", "locality", "postalCode", "region", "country", "geom",
                        "timezone", "originId", "type", "url"}) {
    if (a.contains(k) && !a[k].is_null()) out[k] = a[k];
  }
  return out;
}

// Options Mobilizon accepts back (EventOptionsInput), from an EventOptions answer.
nlohmann::json options_input(const nlohmann::json& o) {
  nlohmann::json out = nlohmann::json::object();
  if (!o.is_object()) return out;
  for (const char* k : {"maximumAttendeeCapacity", "remainingAttendeeCapacity", "showRemainingAttendeeCapacity",
                        "anonymousParticipation", "showStartTime", "showEndTime", "timezone",
                        "hideOrganizerWhenGroupEvent", "isOnline"}) {
    if (o.contains(k) && !o[k].is_null()) out[k] = o[k];
  }
  return out;
}
}  // namespace

std::string actor_handle(const nlohmann::json& actor) {
  std::string name = field_text(actor, "preferredUsername");
  const std::string domain = field_text(actor, "domain");
  if (!domain.empty()) name += "@" + domain;
  return name;
}

bool is_remote_event(const nlohmann::json& event) {
  if (event.contains("local") && event["local"].is_boolean() && !event["local"].get<bool>()) return true;
  const auto& group = event.value("attributedTo", nlohmann::json());
  return group.is_object() && !field_text(group, "domain").empty();
}

std::string format_address(const nlohmann::json& a) {
  if (!a.is_object()) return "";
  std::vector<std::string> parts;
  for (const char* k : {"description", "street"}) {
    if (auto v = field_text(a, k); !v.empty()) parts.push_back(v);
  }
  std::string city = field_text(a, "postalCode");
  if (auto loc = field_text(a, "locality"); !loc.empty()) city += (city.empty() ? "" : " ") + loc;
  if (!city.empty()) parts.push_back(city);
  if (auto c = field_text(a, "country"); !c.empty()) parts.push_back(c);
  std::string out;
  for (const auto& p : parts) {
    if (std::find(parts.begin(), parts.end(), p) != parts.begin() + (&p - parts.data())) continue;  // duplicate
    out += (out.empty() ? "" : ", ") + p;
  }
  return out;
}

Result<ExternalRecord> event_to_record(const nlohmann::json& e, const Settings& settings) {
  if (!e.is_object()) return make_error(ErrorKind::kInvalidInput, "mobilizon event: not an object");
  const std::string uuid = field_text(e, "uuid");
  if (uuid.empty() || uuid.size() > 64) return make_error(ErrorKind::kInvalidInput, "mobilizon event: missing uuid");
  ExternalRecord r;
  r.kind = EntityKind::kEvent;
  r.external_id = uuid;
  r.version = field_text(e, "updatedAt");
  r.updated_at = r.version;
  Fields& f = r.fields;
  f[field::kTitle] = field_text(e, "title");
  f[field::kDescription] = html_to_text(field_text(e, "description"));
  auto start = instant_text(e.value("beginsOn", nlohmann::json()), "beginsOn");
  if (!start.ok()) return std::move(start).error();
  f[field::kStart] = *start;
  if (e.contains("endsOn") && !e["endsOn"].is_null()) {
    auto end = instant_text(e["endsOn"], "endsOn");
    if (!end.ok()) return std::move(end).error();
    f[field::kEnd] = *end;
  } else {
    f[field::kEnd] = nullptr;
  }
  const auto& options = e.value("options", nlohmann::json::object());
  const auto& address = e.value("physicalAddress", nlohmann::json());
  std::string zone = field_text(options, "timezone");
  if (zone.empty()) zone = field_text(address, "timezone");
  if (zone.empty()) zone = settings.default_timezone;
  f[field::kTimezone] = zone;
  const std::string location = format_address(address);
  f[field::kLocation] = location.empty() ? nlohmann::json() : nlohmann::json(location);
  const std::string online = field_text(e, "onlineAddress");
  f[field::kOnlineUrl] = online.empty() ? nlohmann::json() : nlohmann::json(online);
  if (options.is_object() && options.contains("maximumAttendeeCapacity") &&
      options["maximumAttendeeCapacity"].is_number_integer() && options["maximumAttendeeCapacity"].get<long long>() > 0) {
    f[field::kCapacity] = options["maximumAttendeeCapacity"].get<long long>();
  } else {
    f[field::kCapacity] = nullptr;
  }
  f[field::kStatus] = util::ascii_lower(field_text(e, "status").empty() ? "CONFIRMED" : field_text(e, "status"));
  const std::string vis = field_text(e, "visibility");
  f[field::kVisibility] = vis == "UNLISTED" ? "unlisted" : (vis == "PRIVATE" || vis == "RESTRICTED") ? "private" : "public";
  const auto& group = e.value("attributedTo", nlohmann::json());
  f[field::kGroup] = group.is_object() ? nlohmann::json(actor_handle(group)) : nlohmann::json();
  return r;
}

Result<nlohmann::json> event_variables(const Fields& fields, const nlohmann::json& current, const Settings& settings) {
  const bool create = !current.is_object();
  nlohmann::json v = nlohmann::json::object();
  auto has = [&](const char* k) { return fields.is_object() && fields.contains(k); };
  auto text = [&](const char* k) -> std::string {
    return has(k) && fields[k].is_string() ? fields[k].get<std::string>() : std::string();
  };

  // Start from what Mobilizon holds now, so nothing it resets is lost.
  if (!create) {
    for (const char* k : {"title", "description", "beginsOn", "endsOn", "status", "visibility", "joinOptions",
                          "draft", "category", "language", "onlineAddress", "phoneAddress", "externalParticipationUrl"}) {
      if (current.contains(k)) v[k] = current[k];
    }
    if (v.value("language", nlohmann::json()).is_null() || v["language"] == "und") v["language"] = settings.language;
    nlohmann::json tags = nlohmann::json::array();
    for (const auto& t : current.value("tags", nlohmann::json::array()))
      if (t.is_object() && t.contains("title") && t["title"].is_string()) tags.push_back(t["title"]);
    v["tags"] = tags;
    nlohmann::json contacts = nlohmann::json::array();
    for (const auto& c : current.value("contacts", nlohmann::json::array()))
      if (c.is_object() && c.contains("id") && c["id"].is_string()) contacts.push_back({{"id", c["id"]}});
    v["contacts"] = contacts;
    v["options"] = options_input(current.value("options", nlohmann::json::object()));
    const auto& addr = current.value("physicalAddress", nlohmann::json());
    if (addr.is_object()) v["physicalAddress"] = address_input(addr);
  } else {
    v["visibility"] = settings.visibility;
    v["joinOptions"] = settings.join_options;
    v["category"] = settings.category;
    v["language"] = settings.language;
    v["draft"] = false;
    v["tags"] = nlohmann::json::array();
    v["contacts"] = nlohmann::json::array();
    v["options"] = nlohmann::json::object();
  }

  if (has(field::kTitle)) v["title"] = text(field::kTitle);
  if (has(field::kDescription)) {
    // Only rewrite when the text differs: the server's HTML (links, hashtags) is kept otherwise.
    const std::string now_text = create ? std::string() : html_to_text(current.value("description", ""));
    if (create || now_text != text(field::kDescription)) v["description"] = text_to_html(text(field::kDescription));
  }
  if (!v.contains("description") || v["description"].is_null()) v["description"] = "";
  if (has(field::kStart)) {
    auto t = instant_text(fields[field::kStart], "start");
    if (!t.ok()) return std::move(t).error();
    v["beginsOn"] = *t;
  }
  if (has(field::kEnd)) {
    if (fields[field::kEnd].is_null()) {
      v["endsOn"] = nullptr;
    } else {
      auto t = instant_text(fields[field::kEnd], "end");
      if (!t.ok()) return std::move(t).error();
      v["endsOn"] = *t;
    }
  }
  if (has(field::kStatus)) {
    const std::string s = util::ascii_upper(text(field::kStatus));
    if (s != "TENTATIVE" && s != "CONFIRMED" && s != "CANCELLED")
      return make_error(ErrorKind::kPermanent, "mobilizon event: unknown status '" + text(field::kStatus) + "'");
    v["status"] = s;
  }
  if (has(field::kVisibility)) {
    const std::string vis = text(field::kVisibility);
    const std::string held = v.value("visibility", "");
    if (vis == "public") v["visibility"] = "PUBLIC";
    else if (vis == "unlisted") v["visibility"] = "UNLISTED";
    else if (vis == "private") v["visibility"] = held == "RESTRICTED" ? "RESTRICTED" : "PRIVATE";
  }
  if (has(field::kOnlineUrl)) v["onlineAddress"] = fields[field::kOnlineUrl].is_string() ? fields[field::kOnlineUrl] : nlohmann::json();
  if (has(field::kCapacity)) {
    const auto& c = fields[field::kCapacity];
    if (c.is_number_integer() && c.get<long long>() > 0) v["options"]["maximumAttendeeCapacity"] = c;
    else v["options"].erase("maximumAttendeeCapacity");
  }
  std::string zone = text(field::kTimezone);
  if (zone.empty()) zone = v["options"].value("timezone", settings.default_timezone);
  if (!is_known_zone(zone)) return make_error(ErrorKind::kPermanent, "mobilizon event: unknown time zone '" + zone + "'");
  v["options"]["timezone"] = zone;
  if (has(field::kLocation)) {
    const std::string loc = text(field::kLocation);
    const auto& held = create ? nlohmann::json() : current.value("physicalAddress", nlohmann::json());
    if (loc.empty()) {
      v["physicalAddress"] = nullptr;
    } else if (format_address(held) != loc) {
      v["physicalAddress"] = {{"description", loc}, {"timezone", zone}};
    }
  }
  return v;
}

std::string registration_status(const std::string& role) {
  if (role == "NOT_APPROVED" || role == "NOT_CONFIRMED") return "waitlisted";
  if (role == "REJECTED") return "cancelled";
  return "registered";
}

std::optional<std::string> participant_role(const std::string& status) {
  if (status == "registered" || status == "attended") return std::string("PARTICIPANT");
  if (status == "waitlisted") return std::string("NOT_APPROVED");
  if (status == "cancelled") return std::string("REJECTED");
  return std::nullopt;
}

std::string registration_id(const std::string& event_uuid, const std::string& actor_id) {
  return event_uuid + "/" + actor_id;
}

std::optional<std::pair<std::string, std::string>> split_pair_id(const std::string& id) {
  const auto slash = id.rfind('/');
  if (slash == std::string::npos || slash == 0 || slash + 1 >= id.size()) return std::nullopt;
  return std::make_pair(id.substr(0, slash), id.substr(slash + 1));
}

std::optional<std::string> membership_role(const std::string& r) {
  if (r == "ADMINISTRATOR" || r == "MODERATOR" || r == "CREATOR") return std::string("admin");
  if (r == "MEMBER" || r == "INVITED") return std::string("member");
  return std::nullopt;  // NOT_APPROVED, REJECTED: not (yet) a member
}

}  // namespace coopsync::mobilizon
