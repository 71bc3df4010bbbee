#pragma once
// The Matrix system's configuration: declared as a spec (for validation and `coopsync
// connectors describe matrix`) and read into a typed struct the connector uses.
#include "core/config/spec.hpp"
#include "core/result.hpp"

#include <nlohmann/json.hpp>

#include <chrono>
#include <string>

namespace coopsync::matrix {

enum class Mode { kAppservice, kBot };

struct Settings {
  std::string url;          // homeserver base URL
  std::string server_name;  // the part after ':' in ids
  Mode mode = Mode::kAppservice;
  // appservice mode
  std::string as_token;
  std::string hs_token;
  std::string appservice_id = "coop-sync";
  std::string appservice_url;  // where the homeserver would push; empty = none (url: null)
  std::string bot_localpart = "coop_bridge";  // sender_localpart / the bot account
  // bot mode
  std::string access_token;
  std::string password;
  std::string namespace_prefix = "coop_";
  std::string person_id = "@{email_local}:{server}";  // rule for persons' Matrix ids
  bool admin = false;  // may use the Synapse admin API (lookup, create, deactivate accounts)
  std::string space_alias = "#{prefix}space:{server}";
  std::string space_name = "Cooperative";
  std::string space_topic;
  std::string room_alias = "#{prefix}{slug}:{server}";
  std::string announcement;            // template; see announce.hpp for placeholders
  std::string announcement_cancelled;  // template used once the event is cancelled
  std::string invite_reason;
  std::string kick_reason = "left the collective";
  std::chrono::milliseconds rate_limit_max_wait{std::chrono::minutes(2)};  // per request
  std::chrono::milliseconds rate_limit_budget{std::chrono::minutes(10)};   // per apply()
  std::chrono::milliseconds request_timeout{std::chrono::seconds(30)};

  std::string bot_user_id() const { return "@" + bot_localpart + ":" + server_name; }
};

const config::ObjectSpec& settings_spec();

// kInvalidInput naming the key when a value is unusable (cross-field rules included:
// appservice mode needs as_token; bot mode needs access_token or password).
Result<Settings> parse_settings(const nlohmann::json& section);

// "{prefix}", "{server}" and the given extra placeholders replaced in `text`.
std::string expand(std::string text, const std::vector<std::pair<std::string, std::string>>& vars);

}  // namespace coopsync::matrix
