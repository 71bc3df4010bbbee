#include "connectors/nextcloud/settings.hpp"

#include "core/config/config.hpp"

namespace coopsync::nextcloud {

namespace fs = config::field_spec;

config::ObjectSpec settings_spec() {
  config::ObjectSpec s("Nextcloud: accounts and groups (OCS), group folders (WebDAV + share), "
                       "group calendars (CalDAV)");
  s.add(fs::string("url").require().describe("Nextcloud base URL, e.g. https://cloud.example.coop"));
  s.add(fs::string("username").require().describe("Administrator account coopsync acts as"));
  s.add(fs::secret("app_password").require().describe(
      "App password of that account (Settings > Security). A login password works but costs "
      "~20x more per request, and a wrong one triggers Nextcloud's brute-force protection"));
  s.add(fs::string("caldav_url").fallback("").describe(
      "CalDAV root if not Nextcloud's own <url>/remote.php/dav/ (e.g. a Radicale server)"));
  s.add(fs::string("caldav_username").fallback("").describe("CalDAV user if different"));
  s.add(fs::secret("caldav_password").fallback("").describe("CalDAV password if different"));
  s.add(fs::one_of("user_id_rule", {"email_localpart", "slug_of_name"}).fallback("email_localpart")
            .describe("How a new account's user id is made: the email's local part, or a slug "
                      "of the display name"));
  s.add(fs::one_of("user_id_collision", {"suffix", "fail"}).fallback("suffix").describe(
      "When that id is taken by someone else: add 2, 3... or report a conflict"));
  s.add(fs::boolean("welcome_email").fallback(false).describe(
      "Create accounts without a password so that Nextcloud mails a set-password link"));
  s.add(fs::one_of("person_delete", {"disable", "delete", "ignore"}).fallback("disable").describe(
      "What a deleted person does to the account"));
  s.add(fs::one_of("group_delete", {"ignore", "delete"}).fallback("ignore").describe(
      "What a deleted group does (its folder and calendar are always kept)"));
  s.add(fs::string_list("exclude_users").fallback(nlohmann::json::array({"admin"})).describe(
      "Accounts never listed nor touched (the acting account always is)"));
  s.add(fs::string_list("exclude_groups").fallback(nlohmann::json::array({"admin"})).describe(
      "Groups never listed nor touched"));
  s.add(fs::string("folder_template").fallback("{id}").describe(
      "Folder made for each group in the acting account's files and shared with the group "
      "({id}, {name}; with {name} a renamed group gets a new folder); empty: no folders"));
  s.add(fs::integer("share_permissions").fallback(15).range(1, 31).describe(
      "Share permissions of group folders: 1 read, 2 update, 4 create, 8 delete, 16 reshare"));
  s.add(fs::string("calendar_template").fallback("{id}").describe(
      "Calendar (URL name) made for each group ({id}); empty: no calendars nor events"));
  s.add(fs::string("calendar_displayname_template").fallback("{name}").describe(
      "Display name of group calendars ({id}, {name})"));
  s.add(fs::string("calendar_color").fallback("#0082C9").describe("Colour of group calendars"));
  s.add(fs::one_of("calendar_share", {"read-write", "read", "none"}).fallback("read-write").describe(
      "How each group calendar is shared with its group so that members see it: read-write "
      "(members add and edit the group's events, which sync back), read, or none. Needs "
      "Nextcloud's CalDAV sharing; skipped with a warning on servers without it (Radicale)"));
  s.add(fs::string("default_timezone").fallback("Europe/Paris").describe(
      "IANA zone for events that carry none and for floating times"));
  s.add(fs::integer("page_size").fallback(500).range(1, 5000).describe("Users per listing page"));
  s.add(fs::duration("timeout").fallback("30s").describe("Per-request timeout"));
  return s;
}

Result<Settings> parse_settings(const nlohmann::json& section) {
  if (!section.is_object()) {
    return make_error(ErrorKind::kInvalidInput, "nextcloud settings: not an object");
  }
  Settings s;
  auto str = [&](const char* key, std::string& out) {
    if (section.contains(key) && section[key].is_string()) out = section[key].get<std::string>();
  };
  auto list = [&](const char* key, std::vector<std::string>& out) {
    if (!section.contains(key) || !section[key].is_array()) return;
    out.clear();
    for (const auto& v : section[key]) {
      if (v.is_string()) out.push_back(v.get<std::string>());
    }
  };
  str("url", s.url);
  str("username", s.username);
  str("app_password", s.app_password);
  str("caldav_url", s.caldav_url);
  str("caldav_username", s.caldav_username);
  str("caldav_password", s.caldav_password);
  str("user_id_rule", s.user_id_rule);
  str("user_id_collision", s.user_id_collision);
  str("person_delete", s.person_delete);
  str("group_delete", s.group_delete);
  str("folder_template", s.folder_template);
  str("calendar_template", s.calendar_template);
  str("calendar_displayname_template", s.calendar_displayname_template);
  str("calendar_color", s.calendar_color);
  str("calendar_share", s.calendar_share);
  str("default_timezone", s.default_timezone);
  list("exclude_users", s.exclude_users);
  list("exclude_groups", s.exclude_groups);
  if (section.contains("welcome_email") && section["welcome_email"].is_boolean()) {
    s.welcome_email = section["welcome_email"].get<bool>();
  }
  if (section.contains("share_permissions") && section["share_permissions"].is_number_integer()) {
    s.share_permissions = section["share_permissions"].get<int>();
  }
  if (section.contains("page_size") && section["page_size"].is_number_integer()) {
    s.page_size = section["page_size"].get<int>();
  }
  if (section.contains("timeout")) {
    const auto& t = section["timeout"];
    if (t.is_number_integer()) s.timeout = std::chrono::milliseconds(t.get<long long>());
    if (t.is_string()) {
      if (auto d = config::parse_duration(t.get<std::string>())) s.timeout = *d;
    }
  }
  if (s.url.empty() || s.username.empty() || s.app_password.empty()) {
    return make_error(ErrorKind::kInvalidInput, "nextcloud settings: url, username and app_password are required");
  }
  while (!s.url.empty() && s.url.back() == '/') s.url.pop_back();
  if (s.caldav_url.empty()) s.caldav_url = s.url + "/remote.php/dav/";
  if (s.caldav_username.empty()) s.caldav_username = s.username;
  if (s.caldav_password.empty()) s.caldav_password = s.app_password;
  if (s.share_permissions < 1 || s.share_permissions > 31) {
    return make_error(ErrorKind::kInvalidInput, "nextcloud settings: share_permissions must be 1..31");
  }
  if (s.calendar_share != "read-write" && s.calendar_share != "read" && s.calendar_share != "none") {
    return make_error(ErrorKind::kInvalidInput,
                      "nextcloud settings: calendar_share must be read-write, read or none");
  }
  if (!s.calendar_template.empty() && s.calendar_template.find("{id}") == std::string::npos) {
    return make_error(ErrorKind::kInvalidInput,
                      "nextcloud settings: calendar_template must contain {id}");
  }
  return s;
}

}  // namespace coopsync::nextcloud
