#pragma once
// XML-RPC codec (http://xmlrpc.com/spec.md), written for Odoo's /xmlrpc/2 endpoints.
//
// Encoding writes exactly what Python's xmlrpc.client.dumps writes (the form the captured
// requests have). Parsing is strict and bounded: expat with DOCTYPE/entity declarations
// refused, the document size and the value nesting depth capped, every element checked
// against the grammar, every scalar checked (int range, boolean 0/1, double syntax, base64
// alphabet). Anything else is a kInvalidInput Error naming what and where (line:column);
// never a crash, never an allocation beyond the input's size.
#include "connectors/odoo/value.hpp"
#include "core/result.hpp"

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace coopsync::odoo::xmlrpc {

struct Limits {
  std::size_t max_bytes = 64u << 20;  // whole document
  std::size_t max_depth = 64;         // nested <value>s (arrays/structs in arrays/structs)
};

struct Fault {
  std::int64_t code = 0;
  std::string message;  // faultString (for code 1 on Odoo: a whole Python traceback)
};

// A <methodResponse>: either a result value or a fault.
struct Response {
  Value result;
  std::optional<Fault> fault;
};

struct Call {
  std::string method;
  std::vector<Value> params;
};

std::string encode_call(std::string_view method, const std::vector<Value>& params);
std::string encode_response(const Value& result);
std::string encode_fault(const Fault& fault);

Result<Response> parse_response(std::string_view body, const Limits& limits = {});
Result<Call> parse_call(std::string_view body, const Limits& limits = {});

}  // namespace coopsync::odoo::xmlrpc
