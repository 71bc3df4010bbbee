#pragma once
// Shared set-up of the Nextcloud integration tests: the simulator (seeded with an admin
// that has an app password), optionally a real Radicale for CalDAV, a connector built on
// the real libcurl client, and raw HTTP helpers to look at or change the servers directly.
#include "connectors/nextcloud/nextcloud_connector.hpp"
#include "core/http/http_client.hpp"
#include "tests/support/fixtures.hpp"
#include "tests/support/radicale.hpp"
#include "tests/support/sim_process.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <string>

namespace coopsync::testing::nc {

inline const char* kAdminApp = "admin-app-password-0123456789";

class SimEnv {
 public:
  // `seed_extra`: top-level seed keys to add or replace (e.g. {"sharing": {...}}).
  explicit SimEnv(nlohmann::json extra_users = nlohmann::json::array(),
                  const nlohmann::json& seed_extra = nlohmann::json::object()) {
    dir_ = make_temp_dir("coopsync-ncsim");
    nlohmann::json seed = {{"users", nlohmann::json::array({{{"id", "admin"},
                                                               {"password", "admin-login-password"},
                                                               {"app_passwords", {kAdminApp}},
                                                               {"groups", {"admin"}}}})},
                           {"bruteforce", {{"max_failures", 3}}}};
    for (const auto& u : extra_users) seed["users"].push_back(u);
    for (const auto& [k, v] : seed_extra.items()) seed[k] = v;
    std::ofstream(dir_ / "seed.json") << seed.dump();
    sim_ = std::make_unique<SimProcess>(std::vector<std::string>{
        "/usr/bin/python3", sim_script("nextcloud"), "--port", "0", "--seed", (dir_ / "seed.json").string()});
    raw_ = http::make_curl_client(http::ClientOptions{});
  }
  ~SimEnv() {
    sim_.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  std::string url() const { return sim_->base_url(); }

  nextcloud::Settings settings() const {
    nextcloud::Settings s;
    s.url = url();
    s.username = "admin";
    s.app_password = kAdminApp;
    s.caldav_url = url() + "/remote.php/dav/";
    s.caldav_username = "admin";
    s.caldav_password = kAdminApp;
    s.folder_template = "Groups/{id}";
    s.calendar_template = "group-{id}";
    return s;
  }

  std::unique_ptr<nextcloud::NextcloudConnector> connector(const nextcloud::Settings& s) const {
    return std::make_unique<nextcloud::NextcloudConnector>(s, http::make_curl_client(http::ClientOptions{}),
                                                           nullptr);
  }

  nlohmann::json state() {
    auto r = raw("GET", url() + "/_sim/state");
    return nlohmann::json::parse(r.body);
  }

  http::Response raw(const std::string& method, const std::string& full_url, const std::string& body = "",
                     http::Headers headers = {}, const std::string& user = "",
                     const std::string& password = "") {
    http::Request req;
    req.method = method;
    req.url = full_url;
    req.body = body;
    req.headers = std::move(headers);
    req.basic_user = user;
    req.basic_password = password;
    auto r = raw_->send(req);
    REQUIRE(r.ok());
    return *r;
  }

  // An OCS call as admin, bypassing the connector (to arrange a test's starting point).
  nlohmann::json ocs(const std::string& method, const std::string& path, const std::string& form = "") {
    auto r = raw(method, url() + "/ocs/v2.php" + path + (path.find('?') == std::string::npos ? "?" : "&") +
                             "format=json",
                 form,
                 {{"OCS-APIRequest", "true"}, {"Content-Type", "application/x-www-form-urlencoded"}},
                 "admin", kAdminApp);
    return nlohmann::json::parse(r.body);
  }

 private:
  std::filesystem::path dir_;
  std::unique_ptr<SimProcess> sim_;
  http::HttpClientPtr raw_;
};

inline const char* kRadicaleUser = "coop";
inline const char* kRadicalePassword = "coop-caldav-secret";

// A real Radicale with the user kRadicaleUser; null, and the test says it is skipped, where
// Radicale is not installed.
inline std::unique_ptr<RadicaleServer> start_radicale() {
  if (!RadicaleServer::available()) {
    MESSAGE("radicale is not installed: skipped");
    return nullptr;
  }
  return std::make_unique<RadicaleServer>(
      std::map<std::string, std::string>{{kRadicaleUser, kRadicalePassword}});
}

// `s` with CalDAV on `rad` instead of the simulator.
inline nextcloud::Settings with_caldav(nextcloud::Settings s, const RadicaleServer& rad) {
  s.caldav_url = rad.base_url() + "/";
  s.caldav_username = kRadicaleUser;
  s.caldav_password = kRadicalePassword;
  return s;
}

inline Write make_write(EntityKind kind, WriteOp op, Fields fields, std::string external_id = "",
                        std::string entity_id = "", std::string version = "") {
  Write w;
  w.kind = kind;
  w.op = op;
  w.fields = std::move(fields);
  w.external_id = std::move(external_id);
  w.entity_id = std::move(entity_id);
  w.version = std::move(version);
  w.key = "test-" + w.entity_id + "-" + w.external_id;
  return w;
}

// The group calendar "group-lyon" on the CalDAV server a test uses, reached directly (as a
// person's calendar app would) rather than through the connector.
struct CalBackend {
  SimEnv* env;
  std::string base;      // CalDAV origin + home, e.g. http://127.0.0.1:p/coop/
  std::string user, password;
  std::string calendar;  // base + "group-lyon/"

  http::Response raw(const std::string& method, const std::string& object, const std::string& body = "",
                     http::Headers headers = {}) {
    return env->raw(method, calendar + object, body, std::move(headers), user, password);
  }

  // The calendar in `rad` (the connector's CalDAV there: with_caldav), or in the simulator.
  static CalBackend radicale(SimEnv& env, const RadicaleServer& rad) {
    return {&env, rad.base_url() + "/coop/", kRadicaleUser, kRadicalePassword,
            rad.base_url() + "/coop/group-lyon/"};
  }
  static CalBackend simulator(SimEnv& env) {
    const std::string home = env.url() + "/remote.php/dav/calendars/admin/";
    return {&env, home, "admin", kAdminApp, home + "group-lyon/"};
  }
};

// Runs `scenario(connector, calendar)` with the connector's CalDAV on a real Radicale
// (OCS on the simulator), the connector checked first; nothing where Radicale is not
// installed (start_radicale says so).
template <typename Scenario>
void on_radicale_calendar(Scenario&& scenario) {
  auto rad = start_radicale();
  if (!rad) return;
  SimEnv env;
  auto conn = env.connector(with_caldav(env.settings(), *rad));
  REQUIRE(conn->check().ok());
  auto be = CalBackend::radicale(env, *rad);
  scenario(*conn, be);
}

// An all-day VEVENT as a person's calendar app writes it.
inline std::string outside_event(const std::string& uid, const std::string& summary) {
  return "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//hand//EN\r\nBEGIN:VEVENT\r\nUID:" + uid +
         "\r\nDTSTAMP:20260101T000000Z\r\nDTSTART;VALUE=DATE:20260328\r\nDTEND;VALUE=DATE:20260330\r\n"
         "SUMMARY:" + summary + "\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
}

inline WriteResult apply_one(Connector& c, const Write& w) {
  auto results = c.apply({w});
  REQUIRE(results.size() == 1);
  return results[0];
}

inline const ExternalRecord* by_id(const ChangePage& page, const std::string& id) {
  for (const auto& r : page.records) {
    if (r.external_id == id) return &r;
  }
  return nullptr;
}

}  // namespace coopsync::testing::nc
