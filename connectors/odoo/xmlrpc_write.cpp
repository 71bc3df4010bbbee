// XML-RPC writer, byte for byte like Python's xmlrpc.client.dumps (allow_none=True), the
// client that produced the captured requests: one element per line for params, members
// and array items; only &, < and > escaped.
#include "connectors/odoo/base64.hpp"
#include "connectors/odoo/xmlrpc.hpp"

#include <cmath>
#include <cstdlib>
#include <cstdio>

namespace coopsync::odoo::xmlrpc {

namespace {

void escape(std::string& out, std::string_view text) {
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      default: out += c;
    }
  }
}

// repr() of a Python float: the shortest text that reads back to the same double.
std::string format_double(double d) {
  if (std::isnan(d)) return "nan";
  if (std::isinf(d)) return d > 0 ? "inf" : "-inf";
  char buf[64];
  for (int precision = 1; precision <= 17; ++precision) {
    std::snprintf(buf, sizeof buf, "%.*g", precision, d);
    if (std::strtod(buf, nullptr) == d) break;
  }
  std::string text = buf;
  if (text.find_first_of(".eEn") == std::string::npos) text += ".0";
  return text;
}

// Each writer ends its value with a newline, except <nil/> (Python's dump_nil does not).
void write_value(std::string& out, const Value& value) {
  std::visit(
      [&out](const auto& v) {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, Nil>) {
          out += "<value><nil/></value>";
        } else if constexpr (std::is_same_v<T, bool>) {
          out += v ? "<value><boolean>1</boolean></value>\n" : "<value><boolean>0</boolean></value>\n";
        } else if constexpr (std::is_same_v<T, std::int64_t>) {
          out += "<value><int>" + std::to_string(v) + "</int></value>\n";
        } else if constexpr (std::is_same_v<T, double>) {
          out += "<value><double>" + format_double(v) + "</double></value>\n";
        } else if constexpr (std::is_same_v<T, std::string>) {
          out += "<value><string>";
          escape(out, v);
          out += "</string></value>\n";
        } else if constexpr (std::is_same_v<T, DateTime>) {
          out += "<value><dateTime.iso8601>";
          escape(out, v.text);
          out += "</dateTime.iso8601></value>\n";
        } else if constexpr (std::is_same_v<T, Binary>) {
          // base64.encodebytes: lines of 76 characters, each ended by a newline
          const std::string b64 = base64_encode(v.bytes);
          out += "<value><base64>\n";
          for (std::size_t i = 0; i < b64.size(); i += 76) out += b64.substr(i, 76) + "\n";
          out += "</base64></value>\n";
        } else if constexpr (std::is_same_v<T, Array>) {
          out += "<value><array><data>\n";
          for (const auto& e : v) write_value(out, e);
          out += "</data></array></value>\n";
        } else if constexpr (std::is_same_v<T, Struct>) {
          out += "<value><struct>\n";
          for (const auto& m : v) {
            out += "<member>\n<name>";
            escape(out, m.name);
            out += "</name>\n";
            write_value(out, m.value);
            out += "</member>\n";
          }
          out += "</struct></value>\n";
        }
      },
      value.storage());
}

void write_params(std::string& out, const std::vector<Value>& params) {
  out += "<params>\n";
  for (const auto& p : params) {
    out += "<param>\n";
    write_value(out, p);
    out += "</param>\n";
  }
  out += "</params>\n";
}

}  // namespace

std::string encode_call(std::string_view method, const std::vector<Value>& params) {
  std::string out = "<?xml version='1.0'?>\n<methodCall>\n<methodName>";
  escape(out, method);
  out += "</methodName>\n";
  write_params(out, params);
  out += "</methodCall>\n";
  return out;
}

std::string encode_response(const Value& result) {
  std::string out = "<?xml version='1.0'?>\n<methodResponse>\n";
  write_params(out, {result});
  out += "</methodResponse>\n";
  return out;
}

std::string encode_fault(const Fault& fault) {
  Struct s{{"faultCode", Value(fault.code)}, {"faultString", Value(fault.message)}};
  std::string out = "<?xml version='1.0'?>\n<methodResponse>\n<fault>\n";
  write_value(out, Value(std::move(s)));
  out += "</fault>\n</methodResponse>\n";
  return out;
}

}  // namespace coopsync::odoo::xmlrpc
