// Contract: the XML-RPC codec against the captured Odoo 16 (and 19) traffic.
//  - every captured response parses to what the capture tool saw (responses-meta.json:
//    fault code and first/last lines, or the repr() preview of the result);
//  - every captured request parses and re-encodes byte for byte (our writer is Python's);
//  - for each operation, the request our transport sends is equivalent (same XML-RPC value
//    tree) to the captured one, and the captured answer maps to the expected result/Error.
#include "connectors/odoo/errors.hpp"
#include "connectors/odoo/transport.hpp"
#include "connectors/odoo/xmlrpc.hpp"
#include "tests/contract/odoo/odoo_fixtures.hpp"
#include "tests/support/fake_http.hpp"
#include "tests/support/fixtures.hpp"
#include "tests/support/result_text.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

using coopsync::testing::error_text;

namespace coopsync::odoo {
namespace {

using coopsync::testing::read_file;
using coopsync::testing::skip_without_fixtures;
using namespace coopsync::odoo::testing;

std::string first_line(const std::string& s) { return s.substr(0, s.find('\n')); }

// Structs compare as maps (member order carries no meaning in XML-RPC).
bool equivalent(const Value& a, const Value& b) {
  if (a.is_struct() && b.is_struct()) {
    if (a.as_struct()->size() != b.as_struct()->size()) return false;
    for (const auto& m : *a.as_struct()) {
      const Value* other = b.find(m.name);
      if (other == nullptr || !equivalent(m.value, *other)) return false;
    }
    return true;
  }
  if (a.is_array() && b.is_array()) {
    const auto& x = *a.as_array();
    const auto& y = *b.as_array();
    if (x.size() != y.size()) return false;
    for (std::size_t i = 0; i < x.size(); ++i) {
      if (!equivalent(x[i], y[i])) return false;
    }
    return true;
  }
  return a == b;
}

Value J(const char* json) { return from_json(nlohmann::json::parse(json)); }

TEST_CASE("every captured Odoo 16 response parses to the captured outcome") {
  skip_without_fixtures("odoo");
  const auto meta = nlohmann::json::parse(read_file(odoo16_dir() / "responses-meta.json"));
  std::map<std::string, nlohmann::json> by_file;
  for (const auto& m : meta) by_file[m["file"].get<std::string>()] = m;
  const auto pairs = odoo16_pairs();
  CHECK(pairs.size() >= 58);
  for (const auto& name : pairs) {
    CAPTURE(name);
    auto parsed = xmlrpc::parse_response(read_file(odoo16_dir() / (name + ".response.xml")));
    REQUIRE_MESSAGE(parsed.ok(), error_text(parsed));
    auto it = by_file.find(name);
    if (it == by_file.end()) {  // 90-*: from an earlier run, not in the meta file
      REQUIRE(parsed->fault);
      CHECK(parsed->fault->code == 2);
      CHECK(parsed->fault->message.find("Wkhtmltopdf") != std::string::npos);
      continue;
    }
    const auto& m = it->second;
    if (m["outcome"] == "fault") {
      REQUIRE(parsed->fault);
      CHECK(parsed->fault->code == m["faultCode"].get<int>());
      CHECK(first_line(parsed->fault->message) == m["faultString_first_line"].get<std::string>());
      CHECK(last_line(parsed->fault->message) == m["faultString_last_line"].get<std::string>());
    } else {
      REQUIRE_FALSE(parsed->fault);
      CHECK_MESSAGE(matches_preview(py_repr(parsed->result), m["result_preview"].get<std::string>()),
                    py_repr(parsed->result).substr(0, 300));
    }
  }
}

TEST_CASE("every captured request parses and re-encodes byte for byte") {
  skip_without_fixtures("odoo");
  for (const auto& name : odoo16_pairs()) {
    CAPTURE(name);
    const std::string body = read_file(odoo16_dir() / (name + ".request.xml"));
    auto call = xmlrpc::parse_call(body);
    REQUIRE_MESSAGE(call.ok(), error_text(call));
    CHECK(xmlrpc::encode_call(call->method, call->params) == body);
  }
}

TEST_CASE("Odoo 19 XML-RPC answers parse like 16's despite the new prolog") {
  skip_without_fixtures("odoo19");
  const auto meta = nlohmann::json::parse(read_file(odoo19_dir() / "responses-meta.json"));
  int seen = 0;
  for (const auto& m : meta["exchanges"]) {
    const std::string file = m["file"].get<std::string>();
    const auto ex = load_exchange(file.substr(0, file.size() - 5));
    if (header(ex.response_headers, "Content-Type").rfind("text/xml", 0) != 0) continue;
    CAPTURE(file);
    ++seen;
    auto parsed = xmlrpc::parse_response(ex.response_body);
    REQUIRE_MESSAGE(parsed.ok(), error_text(parsed));
    REQUIRE_FALSE(parsed->fault);
    CHECK(matches_preview(py_json(parsed->result), m["result_preview"].get<std::string>()));
    // The capture redacted the key as "<api-key>", which is not XML: put a key back.
    std::string request = ex.request_body;
    if (auto k = request.find("<api-key>"); k != std::string::npos) request.replace(k, 9, "key");
    auto call = xmlrpc::parse_call(request);
    REQUIRE_MESSAGE(call.ok(), error_text(call));
    CHECK(xmlrpc::encode_call(call->method, call->params) == request);
  }
  CHECK(seen == 4);
}

struct Case {
  const char* fixture;
  const char* model;
  const char* method;
  const char* ids;      // JSON array or nullptr
  const char* params;   // JSON object of named arguments
  const char* context;  // JSON object or nullptr
  std::int64_t uid = 2;
  const char* secret = "admin";
  std::optional<ErrorKind> error;  // expected error, else success
};

const Case kCases[] = {
    {"05-execute-kw-bad-password", "res.partner", "search_count", nullptr, R"({"domain": []})", nullptr, 2, "wrong", ErrorKind::kAuth},
    {"06-res-partner-fields-get", "res.partner", "fields_get", nullptr, R"({"attributes": ["type", "string", "required", "readonly", "relation", "selection"]})", nullptr},
    {"07-res-country-search-read-fr", "res.country", "search_read", nullptr, R"({"domain": [["code", "=", "FR"]], "fields": ["id", "name", "code"], "limit": 1})", nullptr},
    {"08-res-partner-category-create", "res.partner.category", "create", nullptr, R"({"vals_list": {"name": "Membre", "color": 10}})", nullptr},
    {"09-res-partner-category-create-batch", "res.partner.category", "create", nullptr, R"({"vals_list": [{"name": "Région Nord", "parent_id": false}, {"name": "Région Sud"}]})", nullptr},
    {"12-res-partner-write", "res.partner", "write", "[9]", R"({"vals": {"parent_id": 8, "phone": "03 20 00 00 00", "function": "Trésorier"}})", nullptr},
    {"13-res-partner-search-read-write-date", "res.partner", "search_read", nullptr, R"({"domain": [["write_date", ">=", "2026-11-21 12:04:33"], ["is_company", "=", false]], "fields": ["id", "name", "display_name", "email", "phone", "mobile", "street", "zip", "city", "country_id", "parent_id", "category_id", "active", "lang", "tz", "comment", "is_company", "membership_state", "free_member", "create_date", "write_date", "image_128"], "limit": 2, "offset": 1, "order": "write_date asc, id asc"})", nullptr},
    {"15-res-partner-search-ids", "res.partner", "search", nullptr, R"({"domain": [["category_id", "in", [1]]], "order": "id asc"})", nullptr},
    {"16-res-partner-write-m2m-link", "res.partner", "write", "[7, 10]", R"({"vals": {"category_id": [[4, 3]]}})", nullptr},
    {"17-res-partner-write-m2m-unlink-and-replace", "res.partner", "write", "[10]", R"({"vals": {"category_id": [[3, 3], [4, 1]]}})", nullptr},
    {"18-res-partner-write-m2m-set", "res.partner", "write", "[9]", R"({"vals": {"category_id": [[6, 0, [1, 3]]]}})", nullptr},
    {"19-res-partner-read-m2m", "res.partner", "read", "[7, 9, 10]", R"({"fields": ["name", "category_id", "parent_id", "email"]})", nullptr},
    {"21-res-partner-write-nil-value", "res.partner", "write", "[10]", R"({"vals": {"comment": null, "phone": null}})", nullptr},
    {"22-res-partner-action-archive-returns-none", "res.partner", "action_archive", "[10]", "{}", nullptr},
    {"23-res-partner-search-read-archived", "res.partner", "search_read", nullptr, R"({"domain": [["id", "=", 10]], "fields": ["name", "active"]})", R"({"active_test": false})"},
    {"25-res-partner-unlink", "res.partner", "unlink", "[10]", "{}", nullptr},
    {"28-res-partner-write-deleted", "res.partner", "write", "[10]", R"({"vals": {"name": "x"}})", nullptr, 2, "admin", ErrorKind::kNotFound},
    {"29-unknown-model", "x_no.such.model", "search_read", nullptr, R"({"domain": [], "fields": ["id"]})", nullptr, 2, "admin", ErrorKind::kPermanent},
    {"30-bad-field-in-domain", "res.partner", "search_read", nullptr, R"({"domain": [["no_such_field", "=", 1]], "fields": ["id"]})", nullptr, 2, "admin", ErrorKind::kPermanent},
    {"34-private-method", "res.partner", "_compute_display_name", "[7]", "{}", nullptr, 2, "admin", ErrorKind::kAuth},
    {"35-required-field-missing", "res.partner.category", "create", nullptr, R"({"vals_list": {"color": 1}})", nullptr, 2, "admin", ErrorKind::kPermanent},
    {"40-access-denied-write-res-company", "res.company", "write", "[1]", R"({"vals": {"name": "Hacked"}})", nullptr, 6, "agent-pass-1", ErrorKind::kAuth},
    {"43-event-event-create", "event.event", "create", nullptr, R"({"vals_list": {"name": "Assemblée générale 2027", "date_begin": "2027-03-27 17:00:00", "date_end": "2027-03-28 10:00:00", "date_tz": "Europe/Paris", "seats_limited": true, "seats_max": 1, "organizer_id": 8, "auto_confirm": true}})", nullptr},
    {"47-event-registration-create-seats-full", "event.registration", "create", nullptr, R"({"vals_list": {"event_id": 1, "partner_id": 9, "name": "Bruno Leroy", "email": "bruno.leroy@example.org"}})", nullptr, 2, "admin", ErrorKind::kPermanent},
    {"49-event-registration-cancel", "event.registration", "action_cancel", "[1]", "{}", nullptr},
    {"52-calendar-event-create", "calendar.event", "create", nullptr, R"({"vals_list": {"name": "Conseil d'administration", "start": "2027-03-27 17:00:00", "stop": "2027-03-27 19:00:00", "allday": false, "location": "Salle commune", "description": "<p>Ordre du jour</p>", "partner_ids": [[6, 0, [7, 9]]]}})", nullptr},
    {"56-calendar-event-write-attendees", "calendar.event", "write", "[1]", R"({"vals": {"partner_ids": [[3, 9]]}})", nullptr},
};

TEST_CASE("the requests our XML-RPC transport sends are the captured ones") {
  skip_without_fixtures("odoo");
  for (const auto& c : kCases) {
    const std::string fixture = c.fixture;
    CAPTURE(fixture);
    const std::string captured_request = read_file(odoo16_dir() / (std::string(c.fixture) + ".request.xml"));
    const std::string captured_response = read_file(odoo16_dir() / (std::string(c.fixture) + ".response.xml"));
    const http::Headers xml{{"Content-Type", "text/xml; charset=utf-8"}};
    coopsync::testing::FakeHttpClient fake([&](const http::Request& r) -> Result<http::Response> {
      if (r.url.ends_with("/xmlrpc/2/common")) return coopsync::testing::respond(200, xmlrpc::encode_response(Value(c.uid)), xml);
      return coopsync::testing::respond(200, captured_response, xml);
    });
    auto transport = make_xmlrpc_transport(fake, {"http://odoo.test", "coop", c.uid == 2 ? "admin" : "sync.agent", c.secret});
    Call call{c.model, c.method, std::nullopt, *J(c.params).as_struct(), {}};
    if (c.ids != nullptr) {
      call.ids = std::vector<std::int64_t>{};
      const Value ids = J(c.ids);
      for (const auto& v : *ids.as_array()) call.ids->push_back(*v.as_int());
    }
    if (c.context != nullptr) call.context = *J(c.context).as_struct();
    auto result = transport->execute(call);
    REQUIRE(fake.requests().size() == 2);  // authenticate, then the call
    CHECK(fake.requests()[1].url == "http://odoo.test/xmlrpc/2/object");
    auto ours = xmlrpc::parse_call(fake.requests()[1].body);
    auto theirs = xmlrpc::parse_call(captured_request);
    REQUIRE_MESSAGE(ours.ok(), error_text(ours));
    REQUIRE(theirs.ok());
    CHECK(ours->method == theirs->method);
    CHECK_MESSAGE(equivalent(Value(Array(ours->params)), Value(Array(theirs->params))),
                  py_repr(Value(Array(ours->params))) << "\nvs\n" << py_repr(Value(Array(theirs->params))));
    if (c.error) {
      REQUIRE_FALSE(result.ok());
      CHECK(result.error().kind == *c.error);
      CHECK_MESSAGE(result.error().message.find(c.secret) == std::string::npos, error_text(result));
    } else {
      CHECK_MESSAGE(result.ok(), (result.ok() ? "" : result.error().message));
    }
  }
}

TEST_CASE("version and authenticate requests and answers") {
  skip_without_fixtures("odoo");
  const http::Headers xml{{"Content-Type", "text/xml; charset=utf-8"}};
  std::string answer;
  coopsync::testing::FakeHttpClient fake([&](const http::Request&) -> Result<http::Response> {
    return coopsync::testing::respond(200, answer, xml);
  });
  auto transport = make_xmlrpc_transport(fake, {"http://odoo.test", "coop", "admin", "admin"});
  answer = read_file(odoo16_dir() / "01-common-version.response.xml");
  auto v = transport->version();
  REQUIRE(v.ok());
  CHECK(v->major == 16);
  CHECK(v->text == "16.0");
  CHECK(fake.requests()[0].body == read_file(odoo16_dir() / "01-common-version.request.xml"));
  answer = read_file(odoo16_dir() / "02-common-authenticate-ok.response.xml");
  auto uid = transport->login();
  REQUIRE(uid.ok());
  CHECK(*uid == 2);
  CHECK(fake.requests()[1].body == read_file(odoo16_dir() / "02-common-authenticate-ok.request.xml"));
  answer = read_file(odoo16_dir() / "03-common-authenticate-bad-password.response.xml");
  auto refused = transport->login();
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.error().kind == ErrorKind::kAuth);
  answer = read_file(odoo16_dir() / "04-common-authenticate-unknown-db.response.xml");
  auto no_db = transport->login();
  REQUIRE_FALSE(no_db.ok());
  CHECK(no_db.error().kind == ErrorKind::kPermanent);
  CHECK(no_db.error().message.find("does not exist") != std::string::npos);
}

}  // namespace
}  // namespace coopsync::odoo
