// Contract: the search our connector makes before creating partners (adopt by person_match
// keys) is a search_read shaped like the captured ones (13, 23: the domain positional, a
// list of leaves in prefix notation, named fields and order), answered by the real Odoo 16's
// fields_get (06, where email_normalized exists).
#include "connectors/odoo/odoo_connector.hpp"
#include "connectors/odoo/xmlrpc.hpp"
#include "tests/contract/odoo/odoo_fixtures.hpp"
#include "tests/support/fake_http.hpp"
#include "tests/support/fixtures.hpp"
#include "tests/support/result_text.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

namespace coopsync::odoo {
namespace {

using coopsync::testing::read_file;
using coopsync::testing::skip_without_fixtures;
using namespace coopsync::odoo::testing;

TEST_CASE("adopting partners by email and member number: one search_read, captured shape") {
  skip_without_fixtures("odoo");
  const http::Headers xml{{"Content-Type", "text/xml; charset=utf-8"}};
  std::vector<xmlrpc::Call> calls;
  auto fake = std::make_unique<coopsync::testing::FakeHttpClient>(
      [&](const http::Request& r) -> Result<http::Response> {
        auto call = xmlrpc::parse_call(r.body);
        if (!call) return coopsync::testing::respond(400, "");
        calls.push_back(*call);
        if (call->method == "version") {
          return coopsync::testing::respond(
              200, read_file(odoo16_dir() / "01-common-version.response.xml"), xml);
        }
        if (call->method == "authenticate") {
          return coopsync::testing::respond(200, xmlrpc::encode_response(Value(2)), xml);
        }
        const std::string method = *call->params[4].as_string();
        if (method == "fields_get") {
          return coopsync::testing::respond(
              200, read_file(odoo16_dir() / "06-res-partner-fields-get.response.xml"), xml);
        }
        if (method == "search_read") {
          return coopsync::testing::respond(200, xmlrpc::encode_response(Value(Array{})), xml);
        }
        if (method == "create") {
          return coopsync::testing::respond(200, xmlrpc::encode_response(Value(Array{Value(7)})),
                                            xml);
        }
        return coopsync::testing::respond(200, xmlrpc::encode_response(Value(true)), xml);
      });
  Settings s;
  s.url = "http://odoo.test";
  s.database = "coop";
  s.password = "admin";
  s.protocol = Protocol::kXmlRpc;
  s.member_number_field = "ref";
  s.person_match = {"email", "member_number"};
  OdooConnector c(std::move(s), std::move(fake));
  Write w;
  w.kind = EntityKind::kPerson;
  w.op = WriteOp::kCreate;
  w.fields = {{"display_name", "Alice Martin"},
              {"email", "Alice.Martin@example.org"},
              {"member_number", "M-0042"}};
  auto r = c.apply({w});
  REQUIRE_MESSAGE(!r[0].error, coopsync::testing::error_text(r[0].error));
  CHECK(r[0].external_id == "7");
  CHECK_FALSE(r[0].adopted);
  const xmlrpc::Call* search = nullptr;
  const xmlrpc::Call* create = nullptr;
  for (const auto& call : calls) {
    if (call.method != "execute_kw") continue;
    const std::string method = *call.params[4].as_string();
    if (method == "search_read") search = &call;
    if (method == "create") create = &call;
  }
  REQUIRE(search != nullptr);
  CHECK(*search->params[3].as_string() == "res.partner");
  // execute_kw(db, uid, password, model, "search_read", [domain], {fields, order}) as in 13.
  const auto args = to_json(search->params[5]);
  CHECK(args == nlohmann::json::parse(R"([[["is_company", "=", false], "|",
      ["email_normalized", "in", ["alice.martin@example.org"]], ["ref", "in", ["M-0042"]]]])"));
  const auto kwargs = to_json(search->params[6]);
  CHECK(kwargs["fields"] == nlohmann::json::parse(R"(["email", "ref"])"));
  CHECK(kwargs["order"] == "id asc");
  // Archived partners too (an adopted one comes back from the archive), as captured in 23.
  CHECK(kwargs["context"] == nlohmann::json::parse(R"({"active_test": false})"));
  // Nothing found: the partner is created with its number in ref (the create of 10).
  REQUIRE(create != nullptr);
  const auto vals = to_json(create->params[5])[0];
  const auto& one = vals.is_array() ? vals[0] : vals;
  CHECK(one["ref"] == "M-0042");
  CHECK(one["name"] == "Alice Martin");
}

}  // namespace
}  // namespace coopsync::odoo
