#pragma once
// The `type: nextcloud` configuration section, declared (for validation and
// `coopsync connectors describe`) and parsed into a typed struct.
#include "core/config/spec.hpp"
#include "core/result.hpp"

#include <nlohmann/json.hpp>

#include <chrono>
#include <string>
#include <vector>

namespace coopsync::nextcloud {

struct Settings {
  std::string url;             // https://cloud.example.coop
  std::string username;
  std::string app_password;
  std::string caldav_url;      // "" = <url>/remote.php/dav/
  std::string caldav_username; // "" = username
  std::string caldav_password; // "" = app_password
  std::string user_id_rule = "email_localpart";  // | slug_of_name
  std::string user_id_collision = "suffix";      // | fail
  bool welcome_email = false;  // create without password: Nextcloud mails a set-password link
  std::string person_delete = "disable";         // | delete | ignore
  std::string group_delete = "ignore";           // | delete
  std::vector<std::string> exclude_users{"admin"};
  std::vector<std::string> exclude_groups{"admin"};
  std::string folder_template = "{id}";          // "" = no group folder
  int share_permissions = 15;
  std::string calendar_template = "{id}";        // "" = no group calendar
  std::string calendar_displayname_template = "{name}";
  std::string calendar_color = "#0082C9";
  // How the group calendar is shared with the group (Nextcloud's CalDAV sharing):
  // "read-write" (members add and edit the group's events), "read", or "none".
  std::string calendar_share = "read-write";
  std::string default_timezone = "Europe/Paris";
  int page_size = 500;
  std::chrono::milliseconds timeout{30000};
};

config::ObjectSpec settings_spec();
Result<Settings> parse_settings(const nlohmann::json& section);

}  // namespace coopsync::nextcloud
