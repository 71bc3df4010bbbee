#include "connectors/matrix/settings.hpp"

#include "core/config/scalars.hpp"

namespace coopsync::matrix {

namespace fs = config::field_spec;

namespace {
config::ObjectSpec make_spec() {
  config::ObjectSpec s("Matrix homeserver (Synapse) through the Client-Server API v3.");
  s.add(fs::string("url").require().describe("Homeserver base URL, e.g. https://matrix.coop.example"));
  s.add(fs::string("server_name").require().describe("Server name in Matrix ids (@user:<server_name>)"));
  s.add(fs::one_of("mode", {"appservice", "bot"}).fallback("appservice").describe(
      "appservice: act through an application service registration (not rate limited; "
      "`coopsync matrix registration` writes it); bot: a plain account (rate limited: 10 "
      "actions then 0.2/s, paced)"));
  s.add(fs::secret("as_token").describe("appservice: token coopsync presents to the homeserver"));
  s.add(fs::secret("hs_token").describe("appservice: token the homeserver presents to coopsync"));
  s.add(fs::string("appservice_id").fallback("coop-sync").describe("appservice: registration id"));
  s.add(fs::string("appservice_url").describe(
      "appservice: URL the homeserver pushes events to; empty: none (coopsync uses /sync)"));
  s.add(fs::string("bot_localpart").fallback("coop_bridge").describe(
      "Localpart of the acting account (the appservice sender, or the bot user)"));
  s.add(fs::secret("access_token").describe("bot: the bot's access token"));
  s.add(fs::secret("password").describe("bot: the bot's password (used when no access_token)"));
  s.add(fs::string("namespace_prefix").fallback("coop_").describe(
      "Prefix of the appservice's exclusive user and alias namespaces ({prefix})"));
  s.add(fs::string("person_id").fallback("@{email_local}:{server}").describe(
      "Rule giving a person's Matrix id: {email_local}, {given}, {family}, {server}, {prefix}"));
  s.add(fs::boolean("admin").fallback(false).describe(
      "The account is a server admin: find accounts by email, create and deactivate them"));
  s.add(fs::string("space_alias").fallback("#{prefix}space:{server}").describe(
      "Alias of the federation's space (created once, then found again by it)"));
  s.add(fs::string("space_name").fallback("Cooperative").describe("Name of the space when created"));
  s.add(fs::string("space_topic").describe("Topic of the space when created"));
  s.add(fs::string("room_alias").fallback("#{prefix}{slug}:{server}").describe(
      "Alias of a collective's room ({slug}): how a restart finds rooms again"));
  s.add(fs::string("announcement").describe(
      "Announcement template: {title} {when} {location} {online_url} {description}"));
  s.add(fs::string("announcement_cancelled").describe(
      "Text the announcement is edited to when the event is cancelled (same placeholders)"));
  s.add(fs::string("invite_reason").describe(
      "Reason shown with invitations. Set, each member of a new room is invited on their own "
      "(a room's creation, which invites its members otherwise, carries no reason)"));
  s.add(fs::string("kick_reason").fallback("left the collective").describe(
      "Reason shown when someone is removed from a room"));
  s.add(fs::duration("rate_limit_max_wait").fallback("2m").describe(
      "Longest a single request waits out 429 answers before giving the write back"));
  s.add(fs::duration("rate_limit_budget").fallback("10m").describe(
      "Longest one batch of writes waits out 429 answers; the rest is retried later"));
  s.add(fs::duration("request_timeout").fallback("30s"));
  return s;
}

std::string str(const nlohmann::json& j, const char* key, std::string fallback = {}) {
  auto it = j.find(key);
  return (it != j.end() && it->is_string()) ? it->get<std::string>() : fallback;
}

Result<std::chrono::milliseconds> duration(const nlohmann::json& j, const char* key,
                                           std::chrono::milliseconds fallback) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return fallback;
  if (it->is_number_integer()) return std::chrono::milliseconds(it->get<long long>());
  if (it->is_string()) {
    if (auto d = config::parse_duration_text(it->get<std::string>())) return *d;
  }
  return make_error(ErrorKind::kInvalidInput, std::string("matrix: ") + key + ": not a duration");
}
}  // namespace

const config::ObjectSpec& settings_spec() {
  static const config::ObjectSpec spec = make_spec();
  return spec;
}

std::string expand(std::string text, const std::vector<std::pair<std::string, std::string>>& vars) {
  for (const auto& [name, value] : vars) {
    const std::string token = "{" + name + "}";
    for (std::size_t pos = text.find(token); pos != std::string::npos;
         pos = text.find(token, pos + value.size())) {
      text.replace(pos, token.size(), value);
    }
  }
  return text;
}

Result<Settings> parse_settings(const nlohmann::json& j) {
  if (!j.is_object()) return make_error(ErrorKind::kInvalidInput, "matrix: settings must be an object");
  Settings s;
  s.url = str(j, "url");
  s.server_name = str(j, "server_name");
  if (s.url.empty()) return make_error(ErrorKind::kInvalidInput, "matrix: url is required");
  if (s.server_name.empty()) {
    return make_error(ErrorKind::kInvalidInput, "matrix: server_name is required");
  }
  const std::string mode = str(j, "mode", "appservice");
  if (mode != "appservice" && mode != "bot") {
    return make_error(ErrorKind::kInvalidInput, "matrix: mode must be appservice or bot");
  }
  s.mode = mode == "bot" ? Mode::kBot : Mode::kAppservice;
  s.as_token = str(j, "as_token");
  s.hs_token = str(j, "hs_token");
  s.appservice_id = str(j, "appservice_id", s.appservice_id);
  s.appservice_url = str(j, "appservice_url");
  s.bot_localpart = str(j, "bot_localpart", s.bot_localpart);
  s.access_token = str(j, "access_token");
  s.password = str(j, "password");
  s.namespace_prefix = str(j, "namespace_prefix", s.namespace_prefix);
  s.person_id = str(j, "person_id", s.person_id);
  if (auto it = j.find("admin"); it != j.end() && it->is_boolean()) s.admin = it->get<bool>();
  s.space_alias = str(j, "space_alias", s.space_alias);
  s.space_name = str(j, "space_name", s.space_name);
  s.space_topic = str(j, "space_topic");
  s.room_alias = str(j, "room_alias", s.room_alias);
  s.announcement = str(j, "announcement");
  s.announcement_cancelled = str(j, "announcement_cancelled");
  s.invite_reason = str(j, "invite_reason");
  s.kick_reason = str(j, "kick_reason", s.kick_reason);
  for (auto [key, target] : {std::pair{"rate_limit_max_wait", &s.rate_limit_max_wait},
                             std::pair{"rate_limit_budget", &s.rate_limit_budget},
                             std::pair{"request_timeout", &s.request_timeout}}) {
    auto d = duration(j, key, *target);
    if (!d.ok()) return std::move(d).error();
    *target = *d;
  }
  if (s.mode == Mode::kAppservice && s.as_token.empty()) {
    return make_error(ErrorKind::kInvalidInput, "matrix: mode appservice needs as_token");
  }
  if (s.mode == Mode::kBot && s.access_token.empty() && s.password.empty()) {
    return make_error(ErrorKind::kInvalidInput,
                      "matrix: mode bot needs access_token or password");
  }
  if (s.room_alias.find("{slug}") == std::string::npos) {
    return make_error(ErrorKind::kInvalidInput, "matrix: room_alias must contain {slug}");
  }
  return s;
}

}  // namespace coopsync::matrix
