// JSON-2 transport (Odoo 19+): POST /json/2/<model>/<method>, bearer API key, database
// header, named arguments; the bare JSON result on 200, an error object otherwise.
#include "connectors/odoo/errors.hpp"
#include "connectors/odoo/transport.hpp"

namespace coopsync::odoo {

namespace {

bool is_json(const http::Response& r) {
  return r.header("Content-Type").rfind("application/json", 0) == 0;
}

Result<nlohmann::ordered_json> parse_json(const http::Response& r, std::size_t max_depth,
                                  const std::string& what) {
  if (!is_json(r)) {
    return make_error(ErrorKind::kInvalidInput, what + ": expected JSON, got '" +
                                                    r.header("Content-Type").substr(0, 60) + "'");
  }
  if (!json_depth_within(r.body, max_depth)) {
    return make_error(ErrorKind::kInvalidInput,
                      what + ": JSON nested deeper than " + std::to_string(max_depth));
  }
  auto j = nlohmann::ordered_json::parse(r.body, nullptr, false);
  if (j.is_discarded()) return make_error(ErrorKind::kInvalidInput, what + ": malformed JSON body");
  return j;
}

class Json2Transport final : public Transport {
 public:
  Json2Transport(http::HttpClient& http, Credentials credentials, TransportOptions options)
      : http_(http), cred_(std::move(credentials)), opt_(options) {}

  const char* name() const override { return "json2"; }

  Result<ServerVersion> version() override {
    ++requests_;
    return probe_web_version(http_, cred_.url, opt_);
  }

  Result<std::int64_t> login() override {
    Call call{"res.users", "context_get", std::nullopt, {}, {}};
    auto r = execute(call);
    if (!r) return std::move(r).error();
    const Value* uid = r->find("uid");
    if (uid == nullptr || !uid->as_int()) {
      return make_error(ErrorKind::kInvalidInput, "res.users.context_get: no uid in answer");
    }
    return *uid->as_int();
  }

  Result<Value> execute(const Call& call) override {
    const std::string what = call.model + "." + call.method;
    nlohmann::json body = nlohmann::json::object();
    if (call.ids) body["ids"] = *call.ids;
    for (const auto& m : call.params) body[m.name] = to_json(m.value);
    if (!call.context.empty()) body["context"] = to_json(Value(call.context));
    http::Request req;
    req.method = "POST";
    req.url = cred_.url + "/json/2/" + http::url_encode(call.model) + "/" + http::url_encode(call.method);
    req.headers = {{"Authorization", "bearer " + cred_.secret},
                   {"X-Odoo-Database", cred_.database},
                   {"Content-Type", "application/json; charset=utf-8"}};
    req.body = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    req.timeout = opt_.timeout;
    ++requests_;
    auto resp = http_.send(req);
    if (!resp) {
      Error e = std::move(resp).error();
      e.message = what + ": " + e.message;
      return e;
    }
    saw(*resp);
    return decode_json2_response(*resp, what, opt_.max_depth);
  }

 private:
  http::HttpClient& http_;
  Credentials cred_;
  TransportOptions opt_;
};

}  // namespace

Result<Value> decode_json2_response(const http::Response& response, const std::string& what,
                                    std::size_t max_depth) {
  if (response.status != 200) return json2_to_error(response, what);
  auto j = parse_json(response, max_depth, what);
  if (!j) return std::move(j).error();
  return from_json(*j);
}

Result<ServerVersion> probe_web_version(http::HttpClient& http, const std::string& url,
                                        const TransportOptions& options) {
  http::Request req;
  req.method = "GET";
  req.url = url + "/web/version";
  req.timeout = options.timeout;
  auto resp = http.send(req);
  if (!resp) return std::move(resp).error();
  if (resp->status == 404) {
    return make_error(ErrorKind::kNotFound, "GET /web/version: HTTP 404 (Odoo before 17)", 404);
  }
  if (resp->status != 200) return json2_to_error(*resp, "GET /web/version");
  auto j = parse_json(*resp, 8, "GET /web/version");
  if (!j) return std::move(j).error();
  ServerVersion out;
  if (j->is_object() && j->contains("version_info") && (*j)["version_info"].is_array() &&
      !(*j)["version_info"].empty() && (*j)["version_info"][0].is_number_integer()) {
    out.major = (*j)["version_info"][0].get<int>();
  }
  if (j->is_object() && j->contains("version") && (*j)["version"].is_string()) {
    out.text = (*j)["version"].get<std::string>();
  }
  if (out.major <= 0) return make_error(ErrorKind::kInvalidInput, "GET /web/version: no version_info");
  return out;
}

TransportPtr make_json2_transport(http::HttpClient& http, Credentials credentials,
                                  TransportOptions options) {
  return std::make_unique<Json2Transport>(http, std::move(credentials), options);
}

}  // namespace coopsync::odoo
