// The connector's declared keys work with the core's config loader: defaults, durations,
// secrets from the environment, unknown keys refused, and the registered factory builds a
// connector from the validated section.
#include "connectors/mobilizon/settings.hpp"
#include "core/config/config.hpp"
#include "core/connector/registry.hpp"

#include <doctest/doctest.h>

#include <cstdlib>

using namespace coopsync;

TEST_CASE("a mobilizon system section validates and builds a connector") {
  setenv("MOBILIZON_TEST_PASSWORD", "correct horse battery staple", 1);
  const auto r = config::load_config_text(
      "systems:\n"
      "  events:\n"
      "    type: mobilizon\n"
      "    url: https://mobilizon.example.coop\n"
      "    email: bridge@example.coop\n"
      "    password: ${MOBILIZON_TEST_PASSWORD}\n"
      "    identity: coopbridge\n"
      "    groups: [jardin_partage, reseau_sud@other.example]\n"
      "    full_sync_interval: 15m\n"
      "    activity_poll_interval: 2m\n",
      "coopsync.yaml", ConnectorRegistry::instance());
  REQUIRE_MESSAGE(r.issues.empty(), (r.issues.empty() ? "" : r.issues[0].to_string()));
  const auto& section = r.config->systems.at(0).settings;
  auto s = mobilizon::parse_settings(section);
  REQUIRE(s.ok());
  CHECK(s->password == "correct horse battery staple");
  CHECK(s->groups.size() == 2);
  CHECK(s->full_sync_interval == std::chrono::minutes(15));
  CHECK(s->activity_poll_interval == std::chrono::minutes(2));
  CHECK(s->default_timezone == "Europe/Paris");
  CHECK(s->visibility == "PUBLIC");
  CHECK(s->join_options == "FREE");

  const auto* info = ConnectorRegistry::instance().find("mobilizon");
  REQUIRE(info != nullptr);
  ConnectorContext ctx;
  ctx.name = "events";
  ctx.settings = section;
  auto made = info->make(ctx);
  REQUIRE(made.ok());
  CHECK((*made)->capabilities().of(EntityKind::kEvent)->update);
  CHECK_FALSE((*made)->capabilities().of(EntityKind::kRegistration)->create);
}

TEST_CASE("missing and unknown keys are reported") {
  const auto r = config::load_config_text(
      "systems:\n"
      "  events:\n"
      "    type: mobilizon\n"
      "    url: https://mobilizon.example.coop\n"
      "    groupz: [x]\n",
      "coopsync.yaml", ConnectorRegistry::instance());
  CHECK_FALSE(r.issues.empty());
  std::string all;
  for (const auto& i : r.issues) all += i.to_string() + "\n";
  CHECK(all.find("groupz") != std::string::npos);
  CHECK(all.find("email") != std::string::npos);
  CHECK(all.find("password") != std::string::npos);
  CHECK(all.find("groups") != std::string::npos);
}

TEST_CASE("parse_settings refuses nonsense with a message") {
  CHECK_FALSE(mobilizon::parse_settings(nlohmann::json::array()).ok());
  CHECK_FALSE(mobilizon::parse_settings({{"url", "ftp://x"}, {"email", "a"}, {"password", "b"}, {"groups", {"g"}}}).ok());
  CHECK_FALSE(mobilizon::parse_settings({{"url", "https://x"}, {"email", "a"}, {"password", "b"}, {"groups", nlohmann::json::array()}}).ok());
}
