#pragma once
// Reading ../shared/fixtures/odoo (request/response XML pairs + responses-meta.json) and
// ../shared/fixtures/odoo19 (.http exchanges) for the Odoo contract tests, and rendering
// decoded values the way the capture tool printed its previews (Python repr for 16, JSON
// with Python's separators for 19), so that every preview is an independent expectation.
#include "connectors/odoo/value.hpp"
#include "core/http/http_client.hpp"

#include <filesystem>
#include <string>
#include <vector>

namespace coopsync::odoo::testing {

std::filesystem::path odoo16_dir();
std::filesystem::path odoo19_dir();
// "01-common-version", ... sorted (names of the .request.xml files without suffix).
std::vector<std::string> odoo16_pairs();
// "01-web-version-get", ... sorted (.http files without suffix).
std::vector<std::string> odoo19_exchanges();

struct Exchange {
  std::string method;
  std::string path;
  http::Headers request_headers;
  std::string request_body;
  int status = 0;
  http::Headers response_headers;
  std::string response_body;
  http::Response response() const;
};
Exchange load_exchange(const std::string& name);  // from odoo19_dir()

std::string header(const http::Headers& headers, const std::string& name);

// Python's repr() of the value xmlrpc.client.loads would return.
std::string py_repr(const Value& value);
// Python's json.dumps(value, ensure_ascii=False) of the value.
std::string py_json(const Value& value);

// The capture tool cut previews at 300 characters plus "...": equality, or prefix match
// when the preview was cut.
bool matches_preview(const std::string& rendered, const std::string& preview);

}  // namespace coopsync::odoo::testing
