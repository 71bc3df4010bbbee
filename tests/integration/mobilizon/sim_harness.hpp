#pragma once
// Shared set-up of the Mobilizon integration tests: the simulator (tests/sim/mobilizon)
// seeded with the example cooperative, a connector pointed at it through the real libcurl
// client, and a raw GraphQL session to act "in Mobilizon" as a user would.
#include "connectors/mobilizon/mobilizon_connector.hpp"
#include "core/http/http_client.hpp"
#include "tests/support/result_text.hpp"
#include "tests/support/memory_state.hpp"
#include "tests/support/sim_process.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <map>
#include <memory>
#include <string>

namespace coopsync::testing::mobilizon {

using coopsync::testing::MemoryState;

inline std::string source_dir() {
  const char* env = std::getenv("COOPSYNC_SOURCE_DIR");
  return (env != nullptr && *env != '\0') ? env : COOPSYNC_SOURCE_DIR;
}

class Harness {
 public:
  explicit Harness(nlohmann::json extra_settings = nlohmann::json::object())
      : sim_({"/usr/bin/python3", sim_script("mobilizon"), "--port", "0", "--seed",
              source_dir() + "/tests/sim/mobilizon/seed_examples.json"}),
        http_(http::make_curl_client(http::ClientOptions{})) {
    // Generous login limits: every test logs in at least twice.
    control("POST", "/_sim/settings", {{"login_per_ip_per_minute", 1000}, {"login_per_email_per_minute", 1000}});
    settings_ = {{"url", sim_.base_url()},
                 {"email", "bridge@example.coop"},
                 {"password", "correct horse battery staple"},
                 {"identity", "coopbridge"},
                 {"groups", {"jardin_partage"}},
                 {"full_sync_interval", 3600000},
                 {"activity_poll_interval", 0}};
    for (auto it = extra_settings.begin(); it != extra_settings.end(); ++it) settings_[it.key()] = it.value();
  }

  // `clock` (optional) is the connector's notion of now, to step through its intervals.
  std::unique_ptr<coopsync::mobilizon::MobilizonConnector> connector(
      coopsync::mobilizon::MobilizonConnector::Clock clock = {}) {
    ConnectorContext ctx;
    ctx.name = "events";
    ctx.settings = settings_;
    ctx.state = &state_;
    ctx.make_http = [](const http::ClientOptions& o) { return http::make_curl_client(o); };
    auto settings = coopsync::mobilizon::parse_settings(settings_);
    REQUIRE(settings.ok());
    return std::make_unique<coopsync::mobilizon::MobilizonConnector>(*settings, ctx, std::move(clock));
  }

  nlohmann::json control(const std::string& method, const std::string& path, const nlohmann::json& body = nullptr) {
    http::Request req;
    req.method = method;
    req.url = sim_.base_url() + path;
    req.headers = {{"Content-Type", "application/json"}};
    if (!body.is_null()) req.body = body.dump();
    auto r = http_->send(req);
    REQUIRE(r.ok());
    REQUIRE(r->status == 200);
    return nlohmann::json::parse(r->body);
  }

  // A GraphQL call as the bridge user (a fresh login per harness), like a person using the web UI.
  nlohmann::json gql(const std::string& query, const nlohmann::json& variables = nlohmann::json::object()) {
    if (token_.empty()) {
      auto login = raw("mutation L($e: String!, $p: String!) { login(email: $e, password: $p) { accessToken } }",
                       {{"e", "bridge@example.coop"}, {"p", "correct horse battery staple"}});
      token_ = login["data"]["login"]["accessToken"].get<std::string>();
    }
    return raw(query, variables);
  }

  nlohmann::json raw(const std::string& query, const nlohmann::json& variables) {
    http::Request req;
    req.method = "POST";
    req.url = sim_.base_url() + "/api";
    req.headers = {{"Content-Type", "application/json"}};
    if (!token_.empty()) req.headers.emplace_back("Authorization", "Bearer " + token_);
    req.body = nlohmann::json({{"query", query}, {"variables", variables}}).dump();
    auto r = http_->send(req);
    REQUIRE(r.ok());
    REQUIRE(r->status == 200);
    return nlohmann::json::parse(r->body);
  }

  // Reads every page of a change sequence, as the engine does.
  std::vector<ExternalRecord> drain(Connector& c, EntityKind kind, std::string& cursor, bool* full = nullptr) {
    std::vector<ExternalRecord> out;
    for (int i = 0; i < 1000; ++i) {
      auto page = c.changes(kind, cursor, std::chrono::milliseconds(0));
      REQUIRE_MESSAGE(page.ok(), coopsync::testing::error_text(page));
      for (auto& r : page->records) out.push_back(std::move(r));
      cursor = page->cursor;
      if (full != nullptr) *full = page->full_listing;
      if (!page->has_more) break;
    }
    return out;
  }

  nlohmann::json& settings() { return settings_; }
  MemoryState& state() { return state_; }

 private:
  SimProcess sim_;
  http::HttpClientPtr http_;
  nlohmann::json settings_;
  MemoryState state_;
  std::string token_;
};

inline const ExternalRecord* find_record(const std::vector<ExternalRecord>& records, const std::string& id) {
  for (const auto& r : records) {
    if (r.external_id == id) return &r;
  }
  return nullptr;
}

inline constexpr const char* kAssembly = "5d1c9a52-6f0e-4b7e-9a1d-2f4c7b8e3a10";  // event 101

}  // namespace coopsync::testing::mobilizon
