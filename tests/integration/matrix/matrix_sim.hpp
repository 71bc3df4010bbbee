#pragma once
// The Matrix simulator for integration tests: started seeded on 127.0.0.1 (free port),
// driven through /_sim/ (state, faults, people acting), and a connector built through the
// registry exactly as the daemon builds it (libcurl client, settings as JSON).
#include "core/connector/registry.hpp"
#include "core/http/http_client.hpp"
#include "tests/support/fixtures.hpp"
#include "tests/support/memory_state.hpp"
#include "tests/support/sim_process.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <string>

namespace coopsync::testing::matrix_it {

using nlohmann::json;

inline const std::string kAsToken = "as-token-integration-0123456789";
inline const std::string kHsToken = "hs-token-integration-9876543210";

inline json appservice_seed() {
  return {{"id", "coop-sync"},
          {"url", nullptr},
          {"as_token", kAsToken},
          {"hs_token", kHsToken},
          {"sender_localpart", "coop_bridge"},
          {"rate_limited", false},
          {"namespaces",
           {{"users", {{{"exclusive", true}, {"regex", "@coop_.*:localhost"}}}},
            {"aliases", {{{"exclusive", true}, {"regex", "#coop_.*:localhost"}}}},
            {"rooms", json::array()}}}};
}

using coopsync::testing::MemoryState;

class MatrixSim {
 public:
  explicit MatrixSim(const json& seed) : dir_(make_temp_dir("matrix-it")) {
    const auto seed_file = dir_ / "seed.json";
    std::ofstream(seed_file) << seed.dump();
    proc_ = std::make_unique<SimProcess>(std::vector<std::string>{
        "/usr/bin/python3", sim_script("matrix"), "--port", "0", "--seed", seed_file.string()});
    http_ = http::make_curl_client(http::ClientOptions{});
  }
  ~MatrixSim() {
    proc_.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  std::string url() const { return proc_->base_url(); }

  json control(const std::string& method, const std::string& path, const json& body = nullptr) {
    http::Request req;
    req.method = method;
    req.url = url() + "/_sim/" + path;
    if (!body.is_null()) {
      req.body = body.dump();
      req.headers.emplace_back("Content-Type", "application/json");
    }
    auto resp = http_->send(req);
    REQUIRE_MESSAGE(resp.ok(), path);
    REQUIRE_MESSAGE(resp->status == 200, (path + ": " + resp->body));
    return json::parse(resp->body);
  }
  json state() { return control("GET", "state"); }
  json stats() { return control("GET", "stats"); }
  void act(const json& action) { control("POST", "act", action); }
  void faults(const json& plan) { control("POST", "faults", plan); }

  // A connector made through the registry, as the daemon makes it.
  ConnectorPtr connector(json settings, StateStore* state = nullptr) {
    settings["url"] = url();
    if (!settings.contains("server_name")) settings["server_name"] = "localhost";
    const ConnectorInfo* info = ConnectorRegistry::instance().find("matrix");
    REQUIRE(info != nullptr);
    ConnectorContext ctx;
    ctx.name = "matrix";
    ctx.settings = settings;
    ctx.state = state;
    auto made = info->make(ctx);
    REQUIRE_MESSAGE(made.ok(), (made.ok() ? std::string() : made.error().describe()));
    return std::move(made).value();
  }

  // Rooms other than the space.
  json rooms_except_spaces() {
    json out = json::object();
    const json all = state();
    for (const auto& [id, room] : all["rooms"].items()) {
      if (room["type"] != "m.space") out[id] = room;
    }
    return out;
  }

 private:
  std::filesystem::path dir_;
  std::unique_ptr<SimProcess> proc_;
  http::HttpClientPtr http_;
};

inline json appservice_settings() {
  return {{"mode", "appservice"}, {"as_token", kAsToken}, {"hs_token", kHsToken},
          {"kick_reason", "left the collective"}};
}

inline Write group_write(const std::string& key, const std::string& slug, const std::string& name,
                         WriteOp op = WriteOp::kCreate, const std::string& external_id = {}) {
  Write w;
  w.key = key;
  w.entity_id = "group-" + slug;
  w.kind = EntityKind::kGroup;
  w.op = op;
  w.external_id = external_id;
  w.fields = {{"name", name}, {"slug", slug}, {"description", "The " + name + " collective"}};
  return w;
}

inline Write membership_write(const std::string& key, const std::string& room,
                              const std::string& user, WriteOp op = WriteOp::kCreate) {
  Write w;
  w.key = key;
  w.entity_id = "m-" + user;
  w.kind = EntityKind::kMembership;
  w.op = op;
  if (op != WriteOp::kCreate) w.external_id = room + "|" + user;
  w.fields = {{"person", user}, {"group", room}};
  return w;
}

}  // namespace coopsync::testing::matrix_it
