#pragma once
// A running Odoo simulator (tests/sim/odoo/server.py) and an OdooConnector pointed at it,
// for integration tests over both transports.
#include "connectors/odoo/odoo_connector.hpp"
#include "core/http/http_client.hpp"
#include "tests/support/sim_process.hpp"

#include <nlohmann/json.hpp>

#include <memory>
#include <string>

namespace coopsync::odoo::testing {

inline constexpr const char* kAdminKey = "sim-admin-key-0123456789abcdef0123";

struct Flavour {
  int version;           // 16 or 19
  const char* protocol;  // xmlrpc | json2 | auto
};

class OdooSim {
 public:
  explicit OdooSim(int version);
  std::string url() const { return sim_.base_url(); }
  nlohmann::json post(const std::string& path, const nlohmann::json& body);
  nlohmann::json get(const std::string& path);
  nlohmann::json state() { return get("/_sim/state"); }
  // Number of ORM calls the simulator served for "model.method" since the last reset_stats().
  int calls(const std::string& model_method);
  void reset_stats();
  // The record of `model` with this id in /_sim/state (archived included); null if none.
  nlohmann::json record(const std::string& model, std::int64_t id);

 private:
  coopsync::testing::SimProcess sim_;
  http::HttpClientPtr http_;
};

// settings: url, database coop, admin credentials (password and API key), member tag
// "Membre", the given protocol, small pages so that paging is exercised.
nlohmann::json sim_settings(const OdooSim& sim, const Flavour& f, int page_size = 3);
std::unique_ptr<OdooConnector> make_connector(const OdooSim& sim, const Flavour& f, int page_size = 3);

}  // namespace coopsync::odoo::testing
