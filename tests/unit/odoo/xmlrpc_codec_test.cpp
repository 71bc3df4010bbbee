// The XML-RPC codec on its own: every type round-trips, and hostile or broken documents
// are kInvalidInput errors that say what and where, without crashing or growing memory.
#include "connectors/odoo/base64.hpp"
#include "connectors/odoo/errors.hpp"
#include "connectors/odoo/xmlrpc.hpp"
#include "tests/support/result_text.hpp"

#include <doctest/doctest.h>

using coopsync::testing::error_text;

namespace coopsync::odoo {
namespace {

const char* kHead = "<?xml version='1.0'?>\n<methodResponse>\n<params>\n<param>\n";
const char* kTail = "</param>\n</params>\n</methodResponse>\n";

Result<xmlrpc::Response> parse_value(const std::string& value_xml, xmlrpc::Limits limits = {}) {
  return xmlrpc::parse_response(std::string(kHead) + value_xml + kTail, limits);
}

std::string error_of(const std::string& doc) {
  auto r = xmlrpc::parse_response(doc);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().kind == ErrorKind::kInvalidInput);
  return r.error().message;
}

TEST_CASE("every XML-RPC type survives encode then parse") {
  Struct s{{"id", Value(7)},
           {"name", Value("Chloé <&> 'x'")},
           {"active", Value(true)},
           {"empty", Value(false)},
           {"ratio", Value(2.5)},
           {"when", Value(DateTime{"20260321T10:00:00"})},
           {"blob", Value(Binary{std::string("\0\x01\xff binary", 10)})},
           {"none", Value(Nil{})},
           {"ids", Value(Array{Value(1), Value(2), Value(Array{})})},
           {"nested", Value(Struct{{"deep", Value(Array{Value(Struct{})})}})}};
  const Value v(s);
  auto r = xmlrpc::parse_response(xmlrpc::encode_response(v));
  REQUIRE_MESSAGE(r.ok(), error_text(r));
  CHECK_FALSE(r->fault);
  CHECK(r->result == v);
  auto call = xmlrpc::parse_call(xmlrpc::encode_call("execute_kw", {v, Value(-3), Value(1e-7)}));
  REQUIRE(call.ok());
  CHECK(call->method == "execute_kw");
  CHECK(call->params == std::vector<Value>{v, Value(-3), Value(1e-7)});
}

TEST_CASE("untyped values are strings, i4 and i8 are ints") {
  auto r = parse_value("<value>plain text</value>\n");
  REQUIRE(r.ok());
  CHECK(*r->result.as_string() == "plain text");
  CHECK(parse_value("<value><i4>-42</i4></value>")->result == Value(-42));
  CHECK(parse_value("<value><i8>4294967296</i8></value>")->result == Value(std::int64_t{4294967296}));
}

TEST_CASE("faults decode and map to kinds") {
  auto r = xmlrpc::parse_response(xmlrpc::encode_fault({3, "Access Denied"}));
  REQUIRE(r.ok());
  REQUIRE(r->fault);
  CHECK(fault_to_error(*r->fault, "x").kind == ErrorKind::kAuth);
  CHECK(fault_to_error({2, "Record does not exist or has been deleted.\n(Record: x)"}, "x").kind ==
        ErrorKind::kNotFound);
  CHECK(fault_to_error({2, "Object x doesn't exist"}, "x").kind == ErrorKind::kPermanent);
  CHECK(fault_to_error({4, "You are not allowed"}, "x").kind == ErrorKind::kAuth);
  CHECK(fault_to_error({1, "Traceback...\npsycopg2.errors.SerializationFailure: could not serialize"}, "x").kind ==
        ErrorKind::kTransient);
  CHECK(fault_to_error({1, "Traceback...\nValueError: Invalid field"}, "x").kind == ErrorKind::kPermanent);
  CHECK(is_marshal_none_fault({1, "Traceback\nTypeError: cannot marshal None unless allow_none is enabled\n"}));
  CHECK(error_of("<?xml version='1.0'?><methodResponse><fault><value><struct></struct></value></fault></methodResponse>")
            .find("faultCode") != std::string::npos);
}

TEST_CASE("malformed documents are refused with a position") {
  CHECK(error_of("").find("XML-RPC response") != std::string::npos);
  CHECK(error_of(std::string(kHead) + "<value><int>1</int></value>").find("line") != std::string::npos);  // truncated
  CHECK(error_of("<methodResponse><params></params></methodResponse>").find("exactly one") != std::string::npos);
  CHECK(error_of("<methodCall><methodName>x</methodName></methodCall>").find("unexpected <methodCall>") != std::string::npos);
  CHECK(error_of(std::string(kHead) + "<value><int>12x</int></value>" + kTail).find("bad <int>") != std::string::npos);
  CHECK(error_of(std::string(kHead) + "<value><int>99999999999</int></value>" + kTail).find("bad <int>") != std::string::npos);
  CHECK(error_of(std::string(kHead) + "<value><boolean>true</boolean></value>" + kTail).find("bad <boolean>") != std::string::npos);
  CHECK(error_of(std::string(kHead) + "<value><double>1.5.5</double></value>" + kTail).find("bad <double>") != std::string::npos);
  CHECK(error_of(std::string(kHead) + "<value><base64>@@@@</base64></value>" + kTail).find("bad <base64>") != std::string::npos);
  CHECK(error_of(std::string(kHead) + "<value><nil>x</nil></value>" + kTail).find("bad <nil>") != std::string::npos);
  CHECK(error_of(std::string(kHead) + "<value><int a='1'>1</int></value>" + kTail).find("attribute") != std::string::npos);
  CHECK(error_of(std::string(kHead) + "<value>x<int>1</int></value>" + kTail).find("unexpected <int>") != std::string::npos);
  CHECK(error_of(std::string(kHead) + "<value><int>1</int><int>2</int></value>" + kTail).find("unexpected <int>") != std::string::npos);
  CHECK(error_of(std::string(kHead) + "<value><struct><member><value><int>1</int></value></member></struct></value>" + kTail)
            .find("unexpected <value>") != std::string::npos);
  CHECK(error_of(std::string(kHead) + "<value><array><value/></array></value>" + kTail).find("unexpected <value>") != std::string::npos);
  CHECK(error_of(std::string(kHead) + "<value><unknown/></value>" + kTail).find("unexpected <unknown>") != std::string::npos);
  CHECK(error_of("<methodResponse><params><param><value>1</value></param><param><value>2</value></param></params></methodResponse>")
            .find("exactly one") != std::string::npos);
}

TEST_CASE("hostile documents: DOCTYPE, entities, depth and size are bounded") {
  const std::string laughs =
      "<?xml version='1.0'?><!DOCTYPE r [<!ENTITY a 'aaaaaaaaaa'><!ENTITY b '&a;&a;&a;&a;&a;'>]>"
      "<methodResponse><params><param><value>&b;</value></param></params></methodResponse>";
  CHECK(error_of(laughs).find("DOCTYPE") != std::string::npos);
  std::string deep;
  for (int i = 0; i < 70; ++i) deep += "<value><array><data>";
  auto r = parse_value(deep);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().message.find("deeper than 64") != std::string::npos);
  std::string ok_depth;
  for (int i = 0; i < 10; ++i) ok_depth += "<value><array><data>";
  ok_depth += "<value>x</value>";
  for (int i = 0; i < 10; ++i) ok_depth += "</data></array></value>";
  CHECK(parse_value(ok_depth).ok());
  auto big = parse_value("<value><string>" + std::string(2000, 'x') + "</string></value>", {1000, 64});
  REQUIRE_FALSE(big.ok());
  CHECK(big.error().message.find("exceeds the limit") != std::string::npos);
}

TEST_CASE("base64 round trip and strictness") {
  for (const std::string& s : std::vector<std::string>{"", "a", "ab", "abc", "abcd", std::string("\0\xff\x10", 3)}) {
    CHECK(base64_decode(base64_encode(s)) == s);
  }
  CHECK(base64_decode("YWJj\nZA==") == std::string("abcd"));
  CHECK_FALSE(base64_decode("YWJ"));
  CHECK_FALSE(base64_decode("YW=j"));
}

TEST_CASE("JSON depth pre-check ignores brackets inside strings") {
  CHECK(json_depth_within(R"({"a": "[[[[[[[[[[[["})", 2));
  CHECK_FALSE(json_depth_within("[[[[[]]]]]", 4));
  CHECK(json_depth_within("[[[[[]]]]]", 5));
}

}  // namespace
}  // namespace coopsync::odoo
