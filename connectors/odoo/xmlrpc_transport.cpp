// XML-RPC transport: /xmlrpc/2/common (version, authenticate) and /xmlrpc/2/object
// (execute_kw). Every answer is HTTP 200 with faults inside; the server closes the
// connection after each answer, so callers batch.
#include "connectors/odoo/errors.hpp"
#include "connectors/odoo/transport.hpp"
#include "connectors/odoo/xmlrpc.hpp"

#include <array>
#include <string_view>

namespace coopsync::odoo {

namespace {

// Arguments that the captured clients (and Odoo's own docs) pass positionally after the
// ids; the rest travel as keyword arguments.
std::vector<std::string_view> positional_params(std::string_view method) {
  if (method == "search_read" || method == "search" || method == "search_count") return {"domain"};
  if (method == "create") return {"vals_list"};
  if (method == "write") return {"vals"};
  if (method == "read") return {"fields"};
  return {};
}

Array id_array(const std::vector<std::int64_t>& ids) {
  Array a;
  a.reserve(ids.size());
  for (auto id : ids) a.emplace_back(id);
  return a;
}

class XmlRpcTransport final : public Transport {
 public:
  XmlRpcTransport(http::HttpClient& http, Credentials credentials, TransportOptions options)
      : http_(http), cred_(std::move(credentials)), opt_(options) {}

  const char* name() const override { return "xmlrpc"; }

  Result<ServerVersion> version() override {
    auto v = rpc("common", "version", {}, "common.version");
    if (!v) return std::move(v).error();
    const Value* info = v->find("server_version_info");
    const Value* text = v->find("server_version");
    ServerVersion out;
    if (info != nullptr && info->as_array() != nullptr && !info->as_array()->empty()) {
      out.major = static_cast<int>((*info->as_array())[0].as_int().value_or(0));
    }
    if (text != nullptr && text->as_string() != nullptr) out.text = *text->as_string();
    if (out.major <= 0) {
      return make_error(ErrorKind::kInvalidInput, "common.version: no server_version_info in " +
                                                      describe(*v, 120));
    }
    return out;
  }

  Result<std::int64_t> login() override {
    auto r = rpc("common", "authenticate",
                 {Value(cred_.database), Value(cred_.username), Value(cred_.secret), Value(Struct{})},
                 "common.authenticate");
    if (!r) return std::move(r).error();
    if (auto uid = r->as_int(); uid && *uid > 0) {
      uid_ = *uid;
      return *uid;
    }
    // A bad password is not a fault: authenticate answers False (captured).
    return make_error(ErrorKind::kAuth, "common.authenticate: login refused for user '" +
                                            cred_.username + "' on database '" + cred_.database + "'");
  }

  Result<Value> execute(const Call& call) override {
    if (uid_ == 0) {
      auto uid = login();
      if (!uid) return std::move(uid).error();
    }
    Array args;
    if (call.ids) args.emplace_back(id_array(*call.ids));
    Struct kwargs;
    const auto positional = positional_params(call.method);
    std::size_t next = 0;
    for (const auto& m : call.params) {
      const bool is_next = next < positional.size() && m.name == positional[next];
      if (is_next && kwargs.empty()) {
        args.push_back(m.value);
        ++next;
      } else {
        kwargs.push_back(m);
      }
    }
    if (!call.context.empty()) kwargs.push_back(Member{"context", Value(call.context)});
    std::vector<Value> params{Value(cred_.database), Value(uid_), Value(cred_.secret),
                              Value(call.model), Value(call.method), Value(std::move(args))};
    if (!kwargs.empty()) params.emplace_back(std::move(kwargs));
    return rpc("object", "execute_kw", std::move(params), call.model + "." + call.method);
  }

 private:
  Result<Value> rpc(const std::string& service, const std::string& method,
                    const std::vector<Value>& params, const std::string& what) {
    http::Request req;
    req.method = "POST";
    req.url = cred_.url + "/xmlrpc/2/" + service;
    req.headers = {{"Content-Type", "text/xml"}};
    req.body = xmlrpc::encode_call(method, params);
    req.timeout = opt_.timeout;
    ++requests_;
    auto resp = http_.send(req);
    if (!resp) {
      Error e = std::move(resp).error();
      e.message = what + ": " + e.message;
      return e;
    }
    saw(*resp);
    if (resp->status != 200) {
      if (auto e = http::status_to_error(*resp, what); e && e->retryable()) return *e;
      // A 404/405 here means no XML-RPC at that URL (wrong URL, or an Odoo without it).
      return make_error(ErrorKind::kPermanent,
                        what + ": HTTP " + std::to_string(resp->status) + " from " + req.url,
                        resp->status);
    }
    const std::string ctype = resp->header("Content-Type");
    if (ctype.rfind("text/xml", 0) != 0 && ctype.rfind("application/xml", 0) != 0) {
      return make_error(ErrorKind::kInvalidInput,
                        what + ": expected text/xml, got '" + ctype.substr(0, 60) + "'");
    }
    auto parsed = xmlrpc::parse_response(resp->body, {opt_.max_response_bytes, opt_.max_depth});
    if (!parsed) {
      Error e = std::move(parsed).error();
      e.message = what + ": " + e.message;
      return e;
    }
    if (parsed->fault) {
      if (is_marshal_none_fault(*parsed->fault)) return Value(Nil{});  // committed; None result
      return fault_to_error(*parsed->fault, what);
    }
    return std::move(parsed->result);
  }

  http::HttpClient& http_;
  Credentials cred_;
  TransportOptions opt_;
  std::int64_t uid_ = 0;
};

}  // namespace

TransportPtr make_xmlrpc_transport(http::HttpClient& http, Credentials credentials,
                                   TransportOptions options) {
  return std::make_unique<XmlRpcTransport>(http, std::move(credentials), options);
}

}  // namespace coopsync::odoo
