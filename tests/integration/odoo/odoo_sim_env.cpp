#include "tests/integration/odoo/odoo_sim_env.hpp"
#include "tests/support/result_text.hpp"

#include <doctest/doctest.h>

#include <stdexcept>

using coopsync::testing::error_text;

namespace coopsync::odoo::testing {

OdooSim::OdooSim(int version)
    : sim_({"/usr/bin/python3", coopsync::testing::sim_script("odoo"), "--port", "0", "--odoo-version",
            std::to_string(version)}),
      http_(http::make_curl_client({})) {
  post("/_sim/seed", {{"users", {{{"login", "admin"}, {"api_keys", {kAdminKey}}}}}});
}

nlohmann::json OdooSim::post(const std::string& path, const nlohmann::json& body) {
  http::Request r;
  r.method = "POST";
  r.url = url() + path;
  r.headers = {{"Content-Type", "application/json"}};
  r.body = body.dump();
  auto resp = http_->send(r);
  if (!resp || resp->status != 200) throw std::runtime_error("simulator " + path + " failed");
  return nlohmann::json::parse(resp->body);
}

nlohmann::json OdooSim::get(const std::string& path) {
  http::Request r;
  r.url = url() + path;
  auto resp = http_->send(r);
  if (!resp || resp->status != 200) throw std::runtime_error("simulator " + path + " failed");
  return nlohmann::json::parse(resp->body);
}

int OdooSim::calls(const std::string& model_method) {
  return get("/_sim/stats").value("call:" + model_method, 0);
}

void OdooSim::reset_stats() {
  http::Request r;
  r.method = "DELETE";
  r.url = url() + "/_sim/stats";
  (void)http_->send(r);
}

nlohmann::json OdooSim::record(const std::string& model, std::int64_t id) {
  const nlohmann::json all = state();  // kept alive: the loop must not iterate a temporary
  for (const auto& rec : all[model]) {
    if (rec["id"] == id) return rec;
  }
  return nullptr;
}

nlohmann::json sim_settings(const OdooSim& sim, const Flavour& f, int page_size) {
  return {{"url", sim.url()},      {"database", "coop"},   {"username", "admin"},
          {"password", "admin"},   {"api_key", kAdminKey}, {"protocol", f.protocol},
          {"member_tag", "Membre"}, {"page_size", page_size}, {"batch_size", 50},
          {"timeout", 30000}};
}

std::unique_ptr<OdooConnector> make_connector(const OdooSim& sim, const Flavour& f, int page_size) {
  auto settings = parse_settings(sim_settings(sim, f, page_size), "FR");
  REQUIRE_MESSAGE(settings.ok(), error_text(settings));
  return std::make_unique<OdooConnector>(std::move(*settings), http::make_curl_client({}));
}

}  // namespace coopsync::odoo::testing
