#include "connectors/nextcloud/ocs_client.hpp"

#include "connectors/nextcloud/xml_tree.hpp"

#include <algorithm>
#include <cctype>

namespace coopsync::nextcloud {
namespace {

// OCS XML: a node whose children are all <element> is a list; a leaf is its text.
nlohmann::json xml_to_json(const XmlNode& node) {
  if (node.children.empty()) return node.text;
  bool list = true;
  for (const auto& c : node.children) list = list && c.name == "element";
  if (list) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& c : node.children) out.push_back(xml_to_json(c));
    return out;
  }
  nlohmann::json out = nlohmann::json::object();
  for (const auto& c : node.children) out[c.name] = xml_to_json(c);
  return out;
}

int to_int(const nlohmann::json& v) {
  if (v.is_number_integer()) return v.get<int>();
  if (v.is_string()) {
    const auto& s = v.get_ref<const std::string&>();
    if (!s.empty() && s.size() < 6 &&
        std::all_of(s.begin(), s.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); })) {
      return std::stoi(s);
    }
  }
  return -1;
}

Result<OcsReply> from_json(const nlohmann::json& doc, int http_status, const std::string& what) {
  if (!doc.is_object() || !doc.contains("ocs") || !doc["ocs"].is_object() ||
      !doc["ocs"].contains("meta") || !doc["ocs"]["meta"].is_object()) {
    return make_error(ErrorKind::kInvalidInput, what + ": not an OCS envelope", http_status);
  }
  const auto& meta = doc["ocs"]["meta"];
  OcsReply r;
  r.http_status = http_status;
  r.ocs_status = to_int(meta.value("statuscode", nlohmann::json()));
  if (r.ocs_status < 0) {
    return make_error(ErrorKind::kInvalidInput, what + ": OCS meta.statuscode missing", http_status);
  }
  if (meta.contains("status") && meta["status"].is_string()) r.status = meta["status"];
  if (meta.contains("message") && meta["message"].is_string()) r.message = meta["message"];
  r.data = doc["ocs"].value("data", nlohmann::json());
  return r;
}

// Not an envelope: a throttled Nextcloud (500), a proxy page, or the 412 "CSRF check failed"
// (39), which means the OCS-APIRequest header got lost on the way: retrying cannot help.
Error not_envelope(const http::Response& response, const std::string& what, Error parse_error) {
  if (response.status == 412) {
    return make_error(ErrorKind::kPermanent, what + ": HTTP 412 (CSRF check failed: the "
                                                    "OCS-APIRequest header did not reach Nextcloud)", 412);
  }
  if (auto err = http::status_to_error(response, what)) return *err;
  return parse_error;
}

}  // namespace

Result<OcsReply> parse_ocs(const http::Response& response, const std::string& what) {
  const std::string& body = response.body;
  std::size_t i = 0;
  while (i < body.size() && std::isspace(static_cast<unsigned char>(body[i]))) ++i;
  if (i < body.size() && body[i] == '{') {
    auto doc = nlohmann::json::parse(body, nullptr, false);
    if (doc.is_discarded()) {
      return make_error(ErrorKind::kInvalidInput, what + ": malformed JSON", response.status);
    }
    return from_json(doc, response.status, what);
  }
  if (i < body.size() && body[i] == '<') {
    auto doc = parse_xml(body, what);
    if (!doc) return std::move(doc).error();
    if (doc->name != "ocs") {
      return make_error(ErrorKind::kInvalidInput, what + ": not an OCS envelope", response.status);
    }
    nlohmann::json j = {{"ocs", xml_to_json(*doc)}};
    if (!j["ocs"].is_object()) {
      return make_error(ErrorKind::kInvalidInput, what + ": empty OCS envelope", response.status);
    }
    auto& ocs = j["ocs"];
    if (ocs.contains("data") && ocs["data"].is_string() && ocs["data"].get<std::string>().empty()) {
      ocs["data"] = nlohmann::json::array();  // <data/> is JSON's `[]`
    }
    return from_json(j, response.status, what);
  }
  return make_error(ErrorKind::kInvalidInput, what + ": answer is neither JSON nor XML (HTTP " +
                                                  std::to_string(response.status) + ")",
                    response.status);
}

Error ocs_error(const OcsReply& reply, const http::Response& response, const std::string& what) {
  const std::string text = what + ": OCS " + std::to_string(reply.ocs_status) +
                           (reply.message.empty() ? std::string() : " \"" + reply.message + "\"") +
                           " (HTTP " + std::to_string(reply.http_status) + ")";
  const auto retry = http::parse_retry_after(response.header("Retry-After"));
  const int s = reply.ocs_status;
  const int h = reply.http_status;
  if (s == 997 || h == 401) return make_error(ErrorKind::kAuth, text, h);
  if (s == 403 || h == 403) return make_error(ErrorKind::kAuth, text, h);
  if (s == 404 || s == 998 || h == 404) return make_error(ErrorKind::kNotFound, text, h);
  if (h == 429 || s == 429) return make_error(ErrorKind::kRateLimited, text, h, retry);
  if (s == 996 || s == 999 || h >= 500) return make_error(ErrorKind::kTransient, text, h, retry);
  return make_error(ErrorKind::kPermanent, text, h);
}

std::string form_encode(const Params& params) {
  std::string out;
  for (const auto& [k, v] : params) {
    if (!out.empty()) out.push_back('&');
    out += http::url_encode(k);
    out.push_back('=');
    out += http::url_encode(v);
  }
  return out;
}

OcsClient::OcsClient(Session* session, std::string base_url)
    : session_(session), base_url_(std::move(base_url)) {
  while (!base_url_.empty() && base_url_.back() == '/') base_url_.pop_back();
}

http::Request OcsClient::build(const std::string& method, const std::string& path,
                               const Params& query, const Params& form) const {
  http::Request req;
  req.method = method;
  Params q = query;
  q.emplace_back("format", "json");
  req.url = base_url_ + "/ocs/v2.php" + path + "?" + form_encode(q);
  req.headers.emplace_back("OCS-APIRequest", "true");
  if (!form.empty()) {
    req.headers.emplace_back("Content-Type", "application/x-www-form-urlencoded");
    req.body = form_encode(form);
  }
  return req;
}

Result<OcsReply> OcsClient::call(const std::string& method, const std::string& path,
                                 const Params& query, const Params& form) {
  const std::string what = method + " /ocs/v2.php" + path;
  auto response = session_->send(build(method, path, query, form));
  if (!response) return std::move(response).error();
  auto reply = parse_ocs(*response, what);
  if (!reply) return not_envelope(*response, what, std::move(reply).error());
  if (reply->ocs_status == 997 || reply->http_status == 429 || reply->http_status >= 500) {
    return ocs_error(*reply, *response, what);
  }
  return reply;
}

Result<nlohmann::json> OcsClient::call_ok(const std::string& method, const std::string& path,
                                          const Params& query, const Params& form) {
  const std::string what = method + " /ocs/v2.php" + path;
  auto response = session_->send(build(method, path, query, form));
  if (!response) return std::move(response).error();
  auto reply = parse_ocs(*response, what);
  if (!reply) return not_envelope(*response, what, std::move(reply).error());
  if (!reply->ok()) return ocs_error(*reply, *response, what);
  return std::move(reply->data);
}

}  // namespace coopsync::nextcloud
