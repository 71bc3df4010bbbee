// Strict, bounded XML-RPC parser on expat (SAX): a stack of frames, one per open element,
// each element checked against the grammar of its parent as it opens.
#include "connectors/odoo/base64.hpp"
#include "connectors/odoo/xmlrpc.hpp"

#include <expat.h>

#include <charconv>
#include <cstdlib>
#include <cstring>
#include <memory>

namespace coopsync::odoo::xmlrpc {

namespace {

enum class Kind {
  kMethodResponse, kMethodCall, kMethodName, kParams, kParam, kFault,
  kValue, kScalar, kStruct, kMember, kName, kArray, kData,
};

const char* kind_tag(Kind k) {
  switch (k) {
    case Kind::kMethodResponse: return "methodResponse";
    case Kind::kMethodCall: return "methodCall";
    case Kind::kMethodName: return "methodName";
    case Kind::kParams: return "params";
    case Kind::kParam: return "param";
    case Kind::kFault: return "fault";
    case Kind::kValue: return "value";
    case Kind::kScalar: return "scalar";
    case Kind::kStruct: return "struct";
    case Kind::kMember: return "member";
    case Kind::kName: return "name";
    case Kind::kArray: return "array";
    case Kind::kData: return "data";
  }
  return "?";
}

struct Frame {
  Kind kind;
  std::string scalar;  // the scalar's element name (int, string...)
  std::string text;
  Value value;
  bool has_value = false;
  bool has_name = false;
  bool has_params = false;
  std::string name;
};

bool is_space(std::string_view s) {
  return s.find_first_not_of(" \t\r\n") == std::string_view::npos;
}
std::string_view trim(std::string_view s) {
  const auto b = s.find_first_not_of(" \t\r\n");
  if (b == std::string_view::npos) return {};
  const auto e = s.find_last_not_of(" \t\r\n");
  return s.substr(b, e - b + 1);
}

bool is_scalar_tag(std::string_view t) {
  return t == "int" || t == "i4" || t == "i8" || t == "boolean" || t == "string" ||
         t == "double" || t == "dateTime.iso8601" || t == "base64" || t == "nil";
}

class Parser {
 public:
  Parser(bool want_call, const Limits& limits) : want_call_(want_call), limits_(limits) {}

  XML_Parser xp = nullptr;
  std::string error;
  std::vector<Value> params;
  std::optional<Fault> fault;
  std::string method;
  bool complete = false;

  void start(XML_Parser p, const char* name, const char** attrs) {
    if (!error.empty()) return;
    if (attrs != nullptr && attrs[0] != nullptr) return fail(p, std::string("unexpected attribute on <") + name + ">");
    const std::string_view tag(name);
    // Built in place: moving a Frame holding a variant trips GCC 12's maybe-uninitialized.
    stack_.emplace_back();
    Frame* parent = stack_.size() > 1 ? &stack_[stack_.size() - 2] : nullptr;
    if (!open(tag, stack_.back(), parent)) {
      stack_.pop_back();
      return fail(p, "unexpected <" + std::string(tag) + ">" + where_inside());
    }
    if (stack_.back().kind == Kind::kValue && ++value_depth_ > limits_.max_depth) {
      return fail(p, "values nested deeper than " + std::to_string(limits_.max_depth));
    }
  }

  void text(XML_Parser p, const char* s, int len) {
    if (!error.empty()) return;
    const std::string_view chunk(s, static_cast<std::size_t>(len));
    if (stack_.empty()) return fail(p, "text outside the root element");
    Frame& top = stack_.back();
    switch (top.kind) {
      case Kind::kValue:
        if (top.has_value && !is_space(chunk)) return fail(p, "text beside a typed value");
        top.text.append(chunk);
        break;
      case Kind::kScalar: case Kind::kName: case Kind::kMethodName:
        top.text.append(chunk);
        break;
      default:
        if (!is_space(chunk)) return fail(p, std::string("unexpected text in <") + kind_tag(top.kind) + ">");
    }
  }

  void end(XML_Parser p) {
    if (!error.empty()) return;
    Frame f = std::move(stack_.back());
    stack_.pop_back();
    std::string problem = close(f);
    if (!problem.empty()) fail(p, problem);
  }

  void fail(XML_Parser p, std::string what) {
    if (!error.empty()) return;
    error = std::move(what) + " at line " + std::to_string(XML_GetCurrentLineNumber(p)) +
            ", column " + std::to_string(XML_GetCurrentColumnNumber(p) + 1);
    XML_StopParser(p, XML_FALSE);
  }

 private:
  std::string where_inside() const {
    return stack_.empty() ? " as root" : std::string(" in <") + kind_tag(stack_.back().kind) + ">";
  }

  bool open(std::string_view tag, Frame& f, Frame* parent_frame) {
    if (parent_frame == nullptr) {
      if (root_seen_) return false;
      root_seen_ = true;
      if (!want_call_ && tag == "methodResponse") return f.kind = Kind::kMethodResponse, true;
      if (want_call_ && tag == "methodCall") return f.kind = Kind::kMethodCall, true;
      return false;
    }
    Frame& parent = *parent_frame;
    switch (parent.kind) {
      case Kind::kMethodResponse:
        if (parent.has_value) return false;  // one <params> or one <fault>
        parent.has_value = true;
        if (tag == "params") return f.kind = Kind::kParams, true;
        if (tag == "fault") return f.kind = Kind::kFault, true;
        return false;
      case Kind::kMethodCall:
        if (tag == "methodName" && !parent.has_name) return parent.has_name = true, f.kind = Kind::kMethodName, true;
        if (tag == "params" && parent.has_name && !parent.has_params) return parent.has_params = true, f.kind = Kind::kParams, true;
        return false;
      case Kind::kParams:
        return tag == "param" && (f.kind = Kind::kParam, true);
      case Kind::kParam: case Kind::kFault:
        if (tag != "value" || parent.has_value) return false;
        return f.kind = Kind::kValue, true;
      case Kind::kValue:
        if (parent.has_value || !is_space(parent.text)) return false;
        parent.has_value = true;
        if (is_scalar_tag(tag)) return f.kind = Kind::kScalar, f.scalar = std::string(tag), true;
        if (tag == "struct") return f.kind = Kind::kStruct, f.value = Struct{}, true;
        if (tag == "array") return f.kind = Kind::kArray, true;
        return false;
      case Kind::kStruct:
        return tag == "member" && (f.kind = Kind::kMember, true);
      case Kind::kMember:
        if (tag == "name" && !parent.has_name) return f.kind = Kind::kName, true;
        if (tag == "value" && parent.has_name && !parent.has_value) return f.kind = Kind::kValue, true;
        return false;
      case Kind::kArray:
        if (tag != "data" || parent.has_value) return false;
        return f.kind = Kind::kData, f.value = Array{}, true;
      case Kind::kData:
        return tag == "value" && (f.kind = Kind::kValue, true);
      default:
        return false;  // scalars, names, methodName have no children
    }
  }

  // Delivers a finished element to its parent; returns a problem description or "".
  std::string close(Frame& f) {
    Frame* parent = stack_.empty() ? nullptr : &stack_.back();
    switch (f.kind) {
      case Kind::kScalar: {
        auto v = scalar(f.scalar, f.text);
        if (!v) return "bad <" + f.scalar + "> value '" + std::string(trim(f.text)).substr(0, 40) + "'";
        parent->value = std::move(*v);
        return {};
      }
      case Kind::kValue: {
        --value_depth_;
        Value v = f.has_value ? std::move(f.value) : Value(std::move(f.text));
        return deliver(*parent, std::move(v));
      }
      case Kind::kStruct: case Kind::kArray:
        if (f.kind == Kind::kArray && !f.has_value) return "<array> without <data>";
        parent->value = std::move(f.value);
        return {};
      case Kind::kData:
        parent->value = std::move(f.value);
        parent->has_value = true;
        return {};
      case Kind::kName:
        parent->name = std::move(f.text);
        parent->has_name = true;
        return {};
      case Kind::kMember:
        if (!f.has_name || !f.has_value) return "<member> without <name> and <value>";
        parent->value.set(std::move(f.name), std::move(f.value));
        return {};
      case Kind::kParam:
        if (!f.has_value) return "<param> without <value>";
        params.push_back(std::move(f.value));
        return {};
      case Kind::kFault: {
        if (!f.has_value) return "<fault> without <value>";
        const Value* code = f.value.find("faultCode");
        const Value* text = f.value.find("faultString");
        if (code == nullptr || !code->as_int() || text == nullptr || !text->as_string()) {
          return "<fault> without an int faultCode and a string faultString";
        }
        fault = Fault{*code->as_int(), *text->as_string()};
        return {};
      }
      case Kind::kMethodName:
        method = std::string(trim(f.text));
        if (method.empty()) return "empty <methodName>";
        return {};
      case Kind::kParams:
        return {};
      case Kind::kMethodResponse:
        if (!f.has_value) return "empty <methodResponse>";
        if (!fault && params.size() != 1) return "<methodResponse> must hold exactly one <param>";
        complete = true;
        return {};
      case Kind::kMethodCall:
        if (!f.has_name) return "<methodCall> without <methodName>";
        complete = true;
        return {};
    }
    return "internal parser state";
  }

  std::string deliver(Frame& parent, Value v) {
    switch (parent.kind) {
      case Kind::kData: parent.value.as_array()->push_back(std::move(v)); return {};
      default:
        parent.value = std::move(v);
        parent.has_value = true;
        return {};
    }
  }

  static std::optional<Value> scalar(const std::string& tag, const std::string& raw) {
    if (tag == "string") return Value(raw);
    const std::string_view t = trim(raw);
    if (tag == "int" || tag == "i4" || tag == "i8") {
      std::int64_t n = 0;
      std::string_view digits = t;
      if (!digits.empty() && digits[0] == '+') digits.remove_prefix(1);
      const auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), n);
      if (digits.empty() || ec != std::errc() || ptr != digits.data() + digits.size()) return std::nullopt;
      if (tag != "i8" && (n > INT32_MAX || n < INT32_MIN)) return std::nullopt;
      return Value(n);
    }
    if (tag == "boolean") {
      if (t == "0") return Value(false);
      if (t == "1") return Value(true);
      return std::nullopt;
    }
    if (tag == "double") {
      const std::string s(t);
      if (s.empty() || s.size() > 64 || s.find_first_of("xX") != std::string::npos) return std::nullopt;
      char* end = nullptr;
      const double d = std::strtod(s.c_str(), &end);
      if (end != s.c_str() + s.size()) return std::nullopt;
      return Value(d);
    }
    if (tag == "dateTime.iso8601") {
      if (t.size() < 8 || t.size() > 40) return std::nullopt;
      return Value(DateTime{std::string(t)});
    }
    if (tag == "base64") {
      auto bytes = base64_decode(raw);
      if (!bytes) return std::nullopt;
      return Value(Binary{std::move(*bytes)});
    }
    if (tag == "nil") {
      if (!t.empty()) return std::nullopt;
      return Value(Nil{});
    }
    return std::nullopt;
  }

  bool want_call_;
  Limits limits_;
  std::vector<Frame> stack_;
  std::size_t value_depth_ = 0;
  bool root_seen_ = false;
};

struct ParserDeleter {
  void operator()(XML_ParserStruct* p) const { XML_ParserFree(p); }
};

Parser* self(void* data) { return static_cast<Parser*>(data); }

template <class Out>
Result<Out> run(std::string_view body, const Limits& limits, bool want_call, const char* what) {
  const std::string prefix = std::string("XML-RPC ") + what + ": ";
  if (body.size() > limits.max_bytes || body.size() > static_cast<std::size_t>(INT32_MAX)) {
    return make_error(ErrorKind::kInvalidInput, prefix + "document of " + std::to_string(body.size()) +
                                                    " bytes exceeds the limit of " +
                                                    std::to_string(limits.max_bytes));
  }
  std::unique_ptr<XML_ParserStruct, ParserDeleter> xp(XML_ParserCreateNS(nullptr, '|'));
  if (!xp) return make_error(ErrorKind::kInternal, prefix + "cannot create an XML parser");
  Parser parser(want_call, limits);
  XML_Parser p = xp.get();
  XML_SetUserData(p, &parser);
  parser.xp = p;  // the callbacks stop it and read positions from it
  XML_SetElementHandler(
      p, [](void* d, const XML_Char* n, const XML_Char** a) { self(d)->start(self(d)->xp, n, a); },
      [](void* d, const XML_Char*) { self(d)->end(self(d)->xp); });
  XML_SetCharacterDataHandler(p, [](void* d, const XML_Char* s, int len) { self(d)->text(self(d)->xp, s, len); });
  // No DTDs at all: no entity expansion tricks (billion laughs), no external fetches.
  XML_SetStartDoctypeDeclHandler(p, [](void* d, const XML_Char*, const XML_Char*, const XML_Char*, int) {
    self(d)->fail(self(d)->xp, "DOCTYPE not allowed");
  });
  XML_SetEntityDeclHandler(p, [](void* d, const XML_Char*, int, const XML_Char*, int, const XML_Char*,
                                 const XML_Char*, const XML_Char*, const XML_Char*) {
    self(d)->fail(self(d)->xp, "entity declarations not allowed");
  });
  XML_SetParamEntityParsing(p, XML_PARAM_ENTITY_PARSING_NEVER);
  const auto status = XML_Parse(p, body.data(), static_cast<int>(body.size()), XML_TRUE);
    if (!parser.error.empty()) return make_error(ErrorKind::kInvalidInput, prefix + parser.error);
  if (status != XML_STATUS_OK) {
    return make_error(ErrorKind::kInvalidInput,
                      prefix + XML_ErrorString(XML_GetErrorCode(p)) + " at line " +
                          std::to_string(XML_GetCurrentLineNumber(p)) + ", column " +
                          std::to_string(XML_GetCurrentColumnNumber(p) + 1));
  }
  if (!parser.complete) return make_error(ErrorKind::kInvalidInput, prefix + "truncated document");
  if constexpr (std::is_same_v<Out, Response>) {
    Response r;
    if (parser.fault) {
      r.fault = std::move(parser.fault);
    } else {
      r.result = std::move(parser.params.front());
    }
    return r;
  } else {
    return Call{std::move(parser.method), std::move(parser.params)};
  }
}

}  // namespace

Result<Response> parse_response(std::string_view body, const Limits& limits) {
  return run<Response>(body, limits, false, "response");
}

Result<Call> parse_call(std::string_view body, const Limits& limits) {
  return run<Call>(body, limits, true, "call");
}

}  // namespace coopsync::odoo::xmlrpc
