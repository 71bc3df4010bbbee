#pragma once
// OCS (Provisioning and Share APIs). Requests always carry `OCS-APIRequest: true` (without
// it Nextcloud answers 412 "CSRF check failed", fixture 39) and ask for JSON with
// `format=json`. A reply is read at two levels: the HTTP status and the OCS status code,
// which differ between v1 (100 = ok, HTTP 200 even for errors) and v2 (200 = ok, errors
// mapped to HTTP codes); see ../shared/fixtures/nextcloud/INDEX.md.
#include "connectors/nextcloud/session.hpp"
#include "core/http/http_client.hpp"
#include "core/result.hpp"

#include <nlohmann/json.hpp>

#include <string>
#include <utility>
#include <vector>

namespace coopsync::nextcloud {

using Params = std::vector<std::pair<std::string, std::string>>;

struct OcsReply {
  int http_status = 0;
  int ocs_status = 0;        // meta.statuscode
  std::string status;        // meta.status: "ok" | "failure"
  std::string message;       // meta.message
  nlohmann::json data;       // data (XML envelopes converted: <element> lists -> arrays)

  bool ok() const { return ocs_status == 100 || ocs_status == 200; }
};

// Parses a JSON or XML OCS envelope. kInvalidInput naming `what` when it is not one (e.g.
// the 412 CSRF answer, a proxy's HTML error page).
Result<OcsReply> parse_ocs(const http::Response& response, const std::string& what);

// The Error for a failed reply (not for "ok"): auth, not found, rate limit, transient...
Error ocs_error(const OcsReply& reply, const http::Response& response, const std::string& what);

// "a=1&groups%5B%5D=x": application/x-www-form-urlencoded as Nextcloud's clients send it.
std::string form_encode(const Params& params);

class OcsClient {
 public:
  // base_url: "https://cloud.example.org" (no trailing slash needed).
  OcsClient(Session* session, std::string base_url);

  // `path` after /ocs/v2.php, e.g. "/cloud/users". `query` goes before format=json, `form`
  // is the body (POST/PUT/DELETE). Transport, 401 and non-OCS answers are Errors; an OCS
  // failure (e.g. 102 "User already exists") is an OcsReply for the caller to judge.
  Result<OcsReply> call(const std::string& method, const std::string& path,
                        const Params& query = {}, const Params& form = {});

  // call() that also turns an OCS failure into an Error.
  Result<nlohmann::json> call_ok(const std::string& method, const std::string& path,
                                 const Params& query = {}, const Params& form = {});

  http::Request build(const std::string& method, const std::string& path, const Params& query,
                      const Params& form) const;

 private:
  Session* session_;
  std::string base_url_;
};

}  // namespace coopsync::nextcloud
