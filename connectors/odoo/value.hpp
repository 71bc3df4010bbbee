#pragma once
// One value of Odoo's RPC data model: what XML-RPC can carry (nil, boolean, int, double,
// string, dateTime.iso8601, base64, struct, array) and what JSON-2 carries (a subset).
// Both transports decode into it, so the rest of the connector never knows which one ran.
//
// Odoo conventions on top (see ../shared/fixtures/odoo/INDEX.md): False stands for an empty
// field of any type, a many2one is [id, "display name"], x2many values are id arrays.
#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace coopsync::odoo {

struct Member;
class Value;

using Array = std::vector<Value>;
using Struct = std::vector<Member>;  // member order kept, as received

struct DateTime {  // <dateTime.iso8601> text, e.g. "20260321T10:00:00"
  std::string text;
  bool operator==(const DateTime&) const = default;
};
struct Binary {  // <base64>, decoded bytes
  std::string bytes;
  bool operator==(const Binary&) const = default;
};
struct Nil {
  bool operator==(const Nil&) const = default;
};

class Value {
 public:
  using Storage =
      std::variant<Nil, bool, std::int64_t, double, std::string, DateTime, Binary, Array, Struct>;

  // Constructors are defined below Member: Struct needs Member complete (clang checks).
  Value();
  Value(Nil);                  // NOLINT: implicit by design
  Value(bool b);               // NOLINT
  Value(int i);                // NOLINT
  Value(std::int64_t i);       // NOLINT
  Value(double d);             // NOLINT
  Value(std::string s);        // NOLINT
  Value(const char* s);        // NOLINT
  Value(DateTime d);           // NOLINT
  Value(Binary b);             // NOLINT
  Value(Array a);              // NOLINT
  Value(Struct s);             // NOLINT

  const Storage& storage() const { return v_; }
  Storage& storage() { return v_; }

  bool is_nil() const { return std::holds_alternative<Nil>(v_); }
  bool is_bool() const { return std::holds_alternative<bool>(v_); }
  bool is_int() const { return std::holds_alternative<std::int64_t>(v_); }
  bool is_double() const { return std::holds_alternative<double>(v_); }
  bool is_string() const { return std::holds_alternative<std::string>(v_); }
  bool is_array() const { return std::holds_alternative<Array>(v_); }
  bool is_struct() const { return std::holds_alternative<Struct>(v_); }
  // Odoo's "empty": False (or nil, which JSON-2 sends as null for None results).
  bool is_false() const { return is_nil() || (is_bool() && !std::get<bool>(v_)); }

  // Typed access; nullopt / nullptr when the value has another type.
  std::optional<bool> as_bool() const;
  std::optional<std::int64_t> as_int() const;
  std::optional<double> as_double() const;  // ints widen
  const std::string* as_string() const;
  const Array* as_array() const;
  const Struct* as_struct() const;
  Array* as_array();
  Struct* as_struct();

  // Struct member lookup (last one wins, as Python's xmlrpc keeps it); nullptr if absent
  // or not a struct.
  const Value* find(std::string_view name) const;
  // Adds or replaces a member; the value must be a struct (programming error otherwise).
  Value& set(std::string name, Value value);

  const char* type_name() const;  // "int", "string", "struct"... for error messages
  bool operator==(const Value& other) const;

 private:
  Storage v_;
};

struct Member {
  std::string name;
  Value value;
  bool operator==(const Member&) const = default;
};

inline Value::Value() = default;
inline Value::Value(Nil) {}
inline Value::Value(bool b) : v_(b) {}
inline Value::Value(int i) : v_(static_cast<std::int64_t>(i)) {}
inline Value::Value(std::int64_t i) : v_(i) {}
inline Value::Value(double d) : v_(d) {}
inline Value::Value(std::string s) : v_(std::move(s)) {}
inline Value::Value(const char* s) : v_(std::string(s)) {}
inline Value::Value(DateTime d) : v_(std::move(d)) {}
inline Value::Value(Binary b) : v_(std::move(b)) {}
inline Value::Value(Array a) : v_(std::move(a)) {}
inline Value::Value(Struct s) : v_(std::move(s)) {}

// JSON <-> Value. nil <-> null; DateTime -> its text; Binary -> base64 text. JSON numbers
// with a fraction become doubles, others ints; objects keep nlohmann's key order.
nlohmann::json to_json(const Value& value);
Value from_json(const nlohmann::json& json);
Value from_json(const nlohmann::ordered_json& json);  // keeps the document's member order

// Short human rendering for logs and test failures (strings quoted, long ones cut).
std::string describe(const Value& value, std::size_t max_len = 200);

// A many2one value: [id, "name"] -> id; False -> nullopt. An int alone is accepted too.
std::optional<std::int64_t> many2one_id(const Value& value);
// An x2many value: [1, 2, 3] -> ids (non-int members are skipped).
std::vector<std::int64_t> id_list(const Value& value);

}  // namespace coopsync::odoo
