#pragma once
// The connector's configuration keys (declared as a spec, validated by the core) and their
// parsed form.
#include "core/config/spec.hpp"
#include "core/result.hpp"

#include <nlohmann/json.hpp>

#include <chrono>
#include <string>
#include <vector>

namespace coopsync::mobilizon {

struct Settings {
  std::string url;
  std::string email;
  std::string password;
  std::string identity;  // preferredUsername of the acting person; "" = the user's default
  std::vector<std::string> groups;
  std::chrono::milliseconds activity_poll_interval{0};
  std::chrono::milliseconds full_sync_interval{std::chrono::minutes(30)};
  std::chrono::milliseconds timeout{30000};
  std::string default_timezone = "Europe/Paris";
  std::string visibility = "PUBLIC";     // for events created from other systems
  std::string join_options = "FREE";
  std::string category = "MEETING";
  std::string language = "fr";
  int page_size = 50;
  int activity_page_size = 20;
  int participants_page_size = 100;
  int max_in_flight = 4;
};

config::ObjectSpec settings_spec();
// From the validated section (defaults applied); kInvalidInput naming the key on nonsense.
Result<Settings> parse_settings(const nlohmann::json& section);

}  // namespace coopsync::mobilizon
