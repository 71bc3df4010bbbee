#pragma once
// One ORM call, two wire protocols. The connector builds a Call (model, method, record ids,
// named arguments, context) and a Transport carries it: XML-RPC execute_kw (every Odoo
// from 8 to 19; positional arguments where the captured clients put them) or JSON-2
// (Odoo 19+: POST /json/2/<model>/<method>, named arguments, bearer API key). Results come
// back as odoo::Value whatever the protocol; errors as typed coopsync Errors.
#include "connectors/odoo/value.hpp"
#include "core/http/http_client.hpp"
#include "core/result.hpp"

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace coopsync::odoo {

struct Call {
  std::string model;
  std::string method;
  std::optional<std::vector<std::int64_t>> ids;  // set for record methods (write, read...)
  Struct params;   // named arguments, e.g. {"domain": [...], "fields": [...]}
  Struct context;  // e.g. {"active_test": false}; empty = none sent
};

struct Credentials {
  std::string url;       // base URL, no trailing slash
  std::string database;
  std::string username;  // XML-RPC login
  std::string secret;    // password or API key (never logged)
};

struct ServerVersion {
  int major = 0;
  std::string text;  // "16.0", "19.0"
};

class Transport {
 public:
  virtual ~Transport() = default;
  virtual const char* name() const = 0;  // "xmlrpc" | "json2"
  // The server's version; no credentials needed.
  virtual Result<ServerVersion> version() = 0;
  // Checks the credentials (XML-RPC authenticate, JSON-2 res.users.context_get) and
  // remembers the uid. kAuth when refused.
  virtual Result<std::int64_t> login() = 0;
  // Runs one ORM method. A method that returns None answers nil on both protocols (the
  // XML-RPC "cannot marshal None" fault, raised after the change was committed, is
  // recognised as success).
  virtual Result<Value> execute(const Call& call) = 0;
  std::size_t request_count() const { return requests_; }
  // The Date header of the last answer received ("" before any): the server's clock.
  const std::string& server_date() const { return server_date_; }

 protected:
  void saw(const http::Response& response) {
    std::string date = response.header("Date");
    if (!date.empty()) server_date_ = std::move(date);
  }
  std::size_t requests_ = 0;
  std::string server_date_;
};
using TransportPtr = std::unique_ptr<Transport>;

struct TransportOptions {
  std::chrono::milliseconds timeout{60000};
  std::size_t max_response_bytes = 64u << 20;
  std::size_t max_depth = 64;
};

TransportPtr make_xmlrpc_transport(http::HttpClient& http, Credentials credentials,
                                   TransportOptions options = {});
TransportPtr make_json2_transport(http::HttpClient& http, Credentials credentials,
                                  TransportOptions options = {});

// A JSON-2 answer as the transport decodes it: the bare JSON result on 200 (checked for
// Content-Type and nesting depth before parsing), json2_to_error() otherwise. Pure: no I/O.
Result<Value> decode_json2_response(const http::Response& response, const std::string& what,
                                    std::size_t max_depth);

// GET /web/version (Odoo 17+; no credentials): the version, or kNotFound on older servers.
Result<ServerVersion> probe_web_version(http::HttpClient& http, const std::string& url,
                                        const TransportOptions& options);

}  // namespace coopsync::odoo
