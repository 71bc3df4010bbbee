#include "connectors/odoo/session.hpp"

#include "core/model/normalize.hpp"

#include <chrono>
#include <ctime>

namespace coopsync::odoo {

namespace {
Array string_array(const std::vector<std::string>& items) {
  Array a;
  for (const auto& s : items) a.emplace_back(s);
  return a;
}
}  // namespace

Session::Session(Settings settings, http::HttpClient& http)
    : settings_(std::move(settings)), http_(http) {}

std::size_t Session::request_count() const {
  return probes_ + (transport_ ? transport_->request_count() : 0);
}

std::string Session::server_time() const {
  if (!transport_) return {};
  std::tm tm{};
  // IMF-fixdate, the form HTTP servers send: "Sun, 06 Nov 1994 08:49:37 GMT"
  const std::string& date = transport_->server_date();
  if (date.empty() || strptime(date.c_str(), "%a, %d %b %Y %H:%M:%S GMT", &tm) == nullptr) return {};
  return format_odoo_datetime(std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::from_time_t(timegm(&tm))));
}

Status Session::connect() {
  if (transport_) return ok_status();
  TransportOptions options;
  options.timeout = settings_.timeout;
  Credentials xml{settings_.url, settings_.database, settings_.username,
                  settings_.password.empty() ? settings_.api_key : settings_.password};
  Credentials json{settings_.url, settings_.database, settings_.username, settings_.api_key};
  // A transport chosen by an earlier attempt whose login failed (timeout, outage): the
  // server's version is known, the retry goes straight to the login.
  TransportPtr chosen = std::move(chosen_);
  if (!chosen && settings_.protocol == Protocol::kJson2) {
    chosen = make_json2_transport(http_, json, options);
  } else if (!chosen && settings_.protocol == Protocol::kXmlRpc) {
    chosen = make_xmlrpc_transport(http_, xml, options);
  } else if (!chosen) {
    // Odoo 17+ answers GET /web/version; older ones 404 and speak XML-RPC only.
    ++probes_;
    auto web = probe_web_version(http_, settings_.url, options);
    if (!web && web.error().kind != ErrorKind::kNotFound) return std::move(web).error();
    if (web && web->major >= 19 && !settings_.api_key.empty()) {
      chosen = make_json2_transport(http_, json, options);
      major_ = web->major;
    } else {
      chosen = make_xmlrpc_transport(http_, xml, options);
    }
  }
  if (major_ == 0) {
    auto v = chosen->version();
    if (!v) {
      chosen_ = std::move(chosen);
      return std::move(v).error();
    }
    major_ = v->major;
  }
  auto uid = chosen->login();
  if (!uid) {
    chosen_ = std::move(chosen);
    return std::move(uid).error();
  }
  transport_ = std::move(chosen);
  return ok_status();
}

Result<Value> Session::execute(Call call) {
  if (auto st = connect(); !st) return std::move(st).error();
  return transport_->execute(call);
}

Result<std::vector<Value>> Session::search_read(const std::string& model, const Array& domain,
                                                const std::vector<std::string>& fields,
                                                const SearchOptions& options) {
  Call call{model, "search_read", std::nullopt, {{"domain", Value(domain)}, {"fields", Value(string_array(fields))}}, {}};
  if (options.offset > 0) call.params.push_back({"offset", Value(options.offset)});
  if (options.limit > 0) call.params.push_back({"limit", Value(options.limit)});
  if (!options.order.empty()) call.params.push_back({"order", Value(options.order)});
  if (!options.active_test) call.context.push_back({"active_test", Value(false)});
  auto r = execute(std::move(call));
  if (!r) return std::move(r).error();
  auto* rows = r->as_array();
  if (rows == nullptr) {
    return make_error(ErrorKind::kInvalidInput, model + ".search_read: expected a list, got " + r->type_name());
  }
  for (const auto& row : *rows) {
    if (!row.is_struct() || !row.find("id") || !row.find("id")->as_int()) {
      return make_error(ErrorKind::kInvalidInput, model + ".search_read: a row without an int id");
    }
  }
  return std::move(*rows);
}

Result<std::vector<std::int64_t>> Session::search(const std::string& model, const Array& domain,
                                                  const SearchOptions& options) {
  Call call{model, "search", std::nullopt, {{"domain", Value(domain)}}, {}};
  if (options.offset > 0) call.params.push_back({"offset", Value(options.offset)});
  if (options.limit > 0) call.params.push_back({"limit", Value(options.limit)});
  if (!options.order.empty()) call.params.push_back({"order", Value(options.order)});
  if (!options.active_test) call.context.push_back({"active_test", Value(false)});
  auto r = execute(std::move(call));
  if (!r) return std::move(r).error();
  if (!r->is_array()) return make_error(ErrorKind::kInvalidInput, model + ".search: expected a list of ids");
  return id_list(*r);
}

Result<std::vector<std::int64_t>> Session::create(const std::string& model,
                                                  const std::vector<Struct>& records) {
  if (records.empty()) return std::vector<std::int64_t>{};
  Value vals = records.size() == 1 ? Value(records[0]) : Value(Array(records.begin(), records.end()));
  auto r = execute(Call{model, "create", std::nullopt, {{"vals_list", std::move(vals)}}, {}});
  if (!r) return std::move(r).error();
  // XML-RPC answers an int for one dict; JSON-2 always a list (captured).
  std::vector<std::int64_t> ids = r->as_int() ? std::vector<std::int64_t>{*r->as_int()} : id_list(*r);
  if (ids.size() != records.size()) {
    return make_error(ErrorKind::kInvalidInput, model + ".create: " + std::to_string(records.size()) +
                                                    " records sent, " + std::to_string(ids.size()) + " ids back");
  }
  return ids;
}

Status Session::write(const std::string& model, const std::vector<std::int64_t>& ids, const Struct& values) {
  auto r = execute(Call{model, "write", ids, {{"vals", Value(values)}}, {}});
  if (!r) return std::move(r).error();
  return ok_status();
}

Status Session::call(const std::string& model, const std::string& method, const std::vector<std::int64_t>& ids) {
  auto r = execute(Call{model, method, ids, {}, {}});
  if (!r) return std::move(r).error();
  return ok_status();
}

Result<const FieldMap*> Session::fields(const std::string& model) {
  if (auto it = fields_.find(model); it != fields_.end()) return &it->second;
  auto r = execute(Call{model, "fields_get", std::nullopt,
                        {{"attributes", Value(Array{Value("type"), Value("relation"), Value("selection")})}}, {}});
  if (!r) return std::move(r).error();
  if (!r->is_struct()) return make_error(ErrorKind::kInvalidInput, model + ".fields_get: expected an object");
  FieldMap map;
  for (const auto& m : *r->as_struct()) {
    FieldInfo info;
    if (const Value* t = m.value.find("type"); t && t->as_string()) info.type = *t->as_string();
    if (const Value* rel = m.value.find("relation"); rel && rel->as_string()) info.relation = *rel->as_string();
    if (const Value* sel = m.value.find("selection"); sel && sel->as_array()) {
      for (const auto& pair : *sel->as_array()) {
        if (pair.as_array() && !pair.as_array()->empty() && (*pair.as_array())[0].as_string()) {
          info.selection.push_back(*(*pair.as_array())[0].as_string());
        }
      }
    }
    map[m.name] = std::move(info);
  }
  return &(fields_[model] = std::move(map));
}

Result<std::vector<std::string>> Session::existing_fields(const std::string& model,
                                                          const std::vector<std::string>& wanted) {
  auto f = fields(model);
  if (!f) return std::move(f).error();
  std::vector<std::string> out;
  for (const auto& w : wanted) {
    if ((*f)->count(w)) out.push_back(w);
  }
  return out;
}

}  // namespace coopsync::odoo
