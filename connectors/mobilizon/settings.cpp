#include "connectors/mobilizon/settings.hpp"
#include "core/util/ascii_case.hpp"

#include "core/config/config.hpp"

#include <algorithm>

namespace coopsync::mobilizon {

namespace fs = config::field_spec;

config::ObjectSpec settings_spec() {
  config::ObjectSpec s("Mobilizon instance (GraphQL at <url>/api)");
  s.add(fs::string("url").require().describe("Instance base URL, e.g. https://mobilizon.example.coop"));
  s.add(fs::string("email").require().describe("Email of the dedicated bridge account (password login)"));
  s.add(fs::secret("password").require().describe("Password of that account"));
  s.add(fs::string("identity").fallback("").describe(
      "preferredUsername of the acting identity (person); it is made the account's default identity, "
      "because Mobilizon checks group permissions against it. Empty: the account's current default"));
  s.add(fs::string_list("groups").require().describe(
      "Groups whose events, participants and members are synced (preferredUsername; name@domain for remote)"));
  s.add(fs::duration("activity_poll_interval").fallback("0s").describe(
      "Minimum time between two reads of the groups' activity streams (0: every pass)"));
  s.add(fs::duration("full_sync_interval").fallback("30m").describe(
      "Time between full reconciliations of every event by uuid and updatedAt (deletions, missed changes)"));
  s.add(fs::duration("timeout").fallback("30s").describe("Per-request timeout"));
  s.add(fs::string("default_timezone").fallback("Europe/Paris").describe(
      "IANA zone for events that carry none"));
  s.add(fs::one_of("visibility", {"public", "unlisted", "private"}).fallback("public").describe(
      "Visibility of events created from other systems when they carry none"));
  s.add(fs::one_of("join_options", {"free", "restricted"}).fallback("free").describe(
      "Join option of created events: free (PARTICIPANT at once) or restricted (NOT_APPROVED until approved)"));
  s.add(fs::string("category").fallback("MEETING").describe("Category of created events (EventCategory)"));
  s.add(fs::string("language").fallback("fr").describe(
      "Language sent with every event write (Mobilizon resets it when omitted)"));
  s.add(fs::integer("page_size").fallback(50).range(1, 100).describe("Events per listing page"));
  return s;
}

namespace {
std::chrono::milliseconds duration_of(const nlohmann::json& v, std::chrono::milliseconds fallback) {
  if (v.is_number_integer()) return std::chrono::milliseconds(v.get<long long>());
  if (v.is_string()) {
    if (auto d = config::parse_duration(v.get<std::string>())) return *d;
  }
  return fallback;
}

}  // namespace

Result<Settings> parse_settings(const nlohmann::json& section) {
  if (!section.is_object()) return make_error(ErrorKind::kInvalidInput, "mobilizon settings: not an object");
  Settings s;
  auto str = [&](const char* key, std::string& out) {
    if (section.contains(key) && section[key].is_string()) out = section[key].get<std::string>();
  };
  str("url", s.url);
  str("email", s.email);
  str("password", s.password);
  str("identity", s.identity);
  str("default_timezone", s.default_timezone);
  str("category", s.category);
  str("language", s.language);
  std::string visibility = "public";
  std::string join = "free";
  str("visibility", visibility);
  str("join_options", join);
  s.visibility = util::ascii_upper(visibility);
  s.join_options = util::ascii_upper(join);
  s.category = util::ascii_upper(s.category);
  if (section.contains("groups") && section["groups"].is_array()) {
    for (const auto& g : section["groups"]) {
      if (g.is_string() && !g.get<std::string>().empty()) s.groups.push_back(g.get<std::string>());
    }
  }
  if (section.contains("activity_poll_interval"))
    s.activity_poll_interval = duration_of(section["activity_poll_interval"], s.activity_poll_interval);
  if (section.contains("full_sync_interval"))
    s.full_sync_interval = duration_of(section["full_sync_interval"], s.full_sync_interval);
  if (section.contains("timeout")) s.timeout = duration_of(section["timeout"], s.timeout);
  if (section.contains("page_size") && section["page_size"].is_number_integer())
    s.page_size = std::clamp(section["page_size"].get<int>(), 1, 100);
  if (section.contains("max_in_flight") && section["max_in_flight"].is_number_integer())
    s.max_in_flight = std::clamp(section["max_in_flight"].get<int>(), 1, 64);
  if (s.url.rfind("http://", 0) != 0 && s.url.rfind("https://", 0) != 0)
    return make_error(ErrorKind::kInvalidInput, "mobilizon settings: url must start with http:// or https://");
  if (s.email.empty() || s.password.empty())
    return make_error(ErrorKind::kInvalidInput, "mobilizon settings: email and password are required");
  if (s.groups.empty()) return make_error(ErrorKind::kInvalidInput, "mobilizon settings: groups is empty");
  return s;
}

}  // namespace coopsync::mobilizon
