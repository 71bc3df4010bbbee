// Names, identity rules, announcement text and settings of the Matrix connector.
#include "connectors/matrix/announce.hpp"
#include "connectors/matrix/identity.hpp"
#include "connectors/matrix/registration.hpp"
#include "connectors/matrix/settings.hpp"

#include <doctest/doctest.h>
#include <yaml-cpp/yaml.h>

using namespace coopsync;
using namespace coopsync::matrix;

namespace {
Settings base() {
  auto s = parse_settings({{"url", "https://m.coop.example/"}, {"server_name", "coop.example"},
                           {"as_token", "as-0123456789"}, {"hs_token", "hs-0123456789"}});
  REQUIRE(s.ok());
  return *s;
}
}  // namespace

TEST_CASE("slugs and localparts keep to Matrix's alphabet") {
  CHECK(slugify("Pôle Énergie & Climat") == "pole-energie-climat");
  CHECK(slugify("  --Board--  ") == "board");
  CHECK(slugify("日本") == "");
  CHECK(slugify(std::string(500, 'a')).size() == 64);
  CHECK(localpart_of("Ana.López+tag") == "ana.lopez+tag");
  CHECK(localpart_of("x y@z") == "x_y_z");
}

TEST_CASE("person ids follow the configured rule") {
  Settings s = base();
  auto id = person_user_id(s, {{"email", "Ana.Lopez@coop.example"}});
  REQUIRE(id.ok());
  CHECK(*id == "@ana.lopez:coop.example");
  s.person_id = "@{prefix}{given}.{family}:{server}";
  id = person_user_id(s, {{"given_name", "Zoé"}, {"family_name", "Martin"}});
  REQUIRE(id.ok());
  CHECK(*id == "@coop_zoe.martin:coop.example");
  auto missing = person_user_id(s, {{"given_name", "Zoé"}});
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.error().kind == ErrorKind::kPermanent);
  CHECK(missing.error().message.find("family_name") != std::string::npos);
}

TEST_CASE("room aliases: template there and back") {
  Settings s = base();
  CHECK(room_alias_for(s, "board") == "#coop_board:coop.example");
  CHECK(slug_from_alias(s, "#coop_board:coop.example") == "board");
  CHECK(slug_from_alias(s, "#other:coop.example").empty());
  CHECK(slug_from_alias(s, "").empty());
  CHECK(alias_localpart("#coop_board:coop.example") == "coop_board");
}

TEST_CASE("announcement text, its edit and the txnId") {
  Settings s = base();
  Fields ev = {{"title", "Assemblée <générale>"}, {"start", "2026-10-25T08:00:00Z"},
               {"end", "2026-10-25T10:00:00Z"}, {"timezone", "Europe/Paris"},
               {"location", "Salle 2"}};
  // The day summer time ends: 08:00Z is 09:00 in Paris.
  CHECK(format_when(ev) == "2026-10-25 09:00 - 11:00 (Europe/Paris)");
  const std::string text = announcement_text(s, ev, false);
  CHECK(text == "Assemblée <générale>\n2026-10-25 09:00 - 11:00 (Europe/Paris)\nSalle 2");
  auto content = announcement_content(text, "uuid-1");
  CHECK(content["formatted_body"].get<std::string>().rfind("<b>Assemblée &lt;générale&gt;</b><br>", 0) == 0);
  CHECK(content[kEntityKey] == "uuid-1");
  auto edit = edit_content("$orig", content);
  CHECK(edit["m.relates_to"]["rel_type"] == "m.replace");
  CHECK(edit["m.new_content"]["body"] == text);
  CHECK(edit["body"] == "* " + text);
  ev["status"] = "cancelled";
  CHECK(announcement_text(s, ev, false).rfind("Cancelled: Assemblée", 0) == 0);

  CHECK(txn_id_for("outbox-17") == "coop-outbox-17");
  CHECK(txn_id_for("a/b") != txn_id_for("a:b"));  // unsafe characters never collide
  CHECK(txn_id_for("a/b") == txn_id_for("a/b"));  // stable across retries
  CHECK(txn_id_for(std::string(1000, 'k')).size() < 160);
}

TEST_CASE("settings: cross-field rules, durations, errors name the key") {
  auto bot = parse_settings({{"url", "u"}, {"server_name", "s"}, {"mode", "bot"}});
  REQUIRE_FALSE(bot.ok());
  CHECK(bot.error().message.find("access_token or password") != std::string::npos);
  auto as = parse_settings({{"url", "u"}, {"server_name", "s"}});
  REQUIRE_FALSE(as.ok());
  CHECK(as.error().message.find("as_token") != std::string::npos);
  auto d = parse_settings({{"url", "u"}, {"server_name", "s"}, {"as_token", "t"},
                           {"rate_limit_max_wait", "90s"}, {"rate_limit_budget", 1500}});
  REQUIRE(d.ok());
  CHECK(d->rate_limit_max_wait == std::chrono::seconds(90));
  CHECK(d->rate_limit_budget == std::chrono::milliseconds(1500));
  auto bad = parse_settings({{"url", "u"}, {"server_name", "s"}, {"as_token", "t"},
                             {"room_alias", "#fixed:s"}});
  REQUIRE_FALSE(bad.ok());
  CHECK(settings_spec().find("as_token")->type == config::FieldType::kSecret);
}

TEST_CASE("registration YAML: exclusive namespaces, escaped server name, not rate limited") {
  Settings s = base();
  auto yaml = registration_yaml(s);
  REQUIRE(yaml.ok());
  YAML::Node n = YAML::Load(*yaml);
  CHECK(n["id"].as<std::string>() == "coop-sync");
  CHECK(n["url"].IsNull());
  CHECK(n["as_token"].as<std::string>() == "as-0123456789");
  CHECK(n["hs_token"].as<std::string>() == "hs-0123456789");
  CHECK(n["sender_localpart"].as<std::string>() == "coop_bridge");
  CHECK(n["rate_limited"].as<bool>() == false);
  CHECK(n["namespaces"]["users"][0]["exclusive"].as<bool>());
  CHECK(n["namespaces"]["users"][0]["regex"].as<std::string>() == "@coop_.*:coop\\.example");
  CHECK(n["namespaces"]["aliases"][0]["regex"].as<std::string>() == "#coop_.*:coop\\.example");
  CHECK(n["namespaces"]["rooms"].size() == 0);
  s.hs_token = s.as_token;
  CHECK_FALSE(registration_yaml(s).ok());
  s.mode = Mode::kBot;
  CHECK_FALSE(registration_yaml(s).ok());
}
