#include "connectors/odoo/value.hpp"

#include "connectors/odoo/base64.hpp"

#include <sstream>
#include <stdexcept>

namespace coopsync::odoo {

std::optional<bool> Value::as_bool() const {
  if (const auto* b = std::get_if<bool>(&v_)) return *b;
  return std::nullopt;
}
std::optional<std::int64_t> Value::as_int() const {
  if (const auto* i = std::get_if<std::int64_t>(&v_)) return *i;
  return std::nullopt;
}
std::optional<double> Value::as_double() const {
  if (const auto* d = std::get_if<double>(&v_)) return *d;
  if (const auto* i = std::get_if<std::int64_t>(&v_)) return static_cast<double>(*i);
  return std::nullopt;
}
const std::string* Value::as_string() const { return std::get_if<std::string>(&v_); }
const Array* Value::as_array() const { return std::get_if<Array>(&v_); }
const Struct* Value::as_struct() const { return std::get_if<Struct>(&v_); }
Array* Value::as_array() { return std::get_if<Array>(&v_); }
Struct* Value::as_struct() { return std::get_if<Struct>(&v_); }

const Value* Value::find(std::string_view name) const {
  const auto* s = as_struct();
  if (s == nullptr) return nullptr;
  for (auto it = s->rbegin(); it != s->rend(); ++it) {
    if (it->name == name) return &it->value;
  }
  return nullptr;
}

Value& Value::set(std::string name, Value value) {
  auto* s = as_struct();
  if (s == nullptr) throw std::logic_error("odoo::Value::set on a " + std::string(type_name()));
  for (auto& m : *s) {
    if (m.name == name) {
      m.value = std::move(value);
      return *this;
    }
  }
  s->push_back(Member{std::move(name), std::move(value)});
  return *this;
}

const char* Value::type_name() const {
  switch (v_.index()) {
    case 0: return "nil";
    case 1: return "boolean";
    case 2: return "int";
    case 3: return "double";
    case 4: return "string";
    case 5: return "dateTime.iso8601";
    case 6: return "base64";
    case 7: return "array";
    case 8: return "struct";
  }
  return "unknown";
}

bool Value::operator==(const Value& other) const { return v_ == other.v_; }

nlohmann::json to_json(const Value& value) {
  return std::visit(
      [](const auto& v) -> nlohmann::json {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, Nil>) {
          return nullptr;
        } else if constexpr (std::is_same_v<T, DateTime>) {
          return v.text;
        } else if constexpr (std::is_same_v<T, Binary>) {
          return base64_encode(v.bytes);
        } else if constexpr (std::is_same_v<T, Array>) {
          nlohmann::json out = nlohmann::json::array();
          for (const auto& e : v) out.push_back(to_json(e));
          return out;
        } else if constexpr (std::is_same_v<T, Struct>) {
          nlohmann::json out = nlohmann::json::object();
          for (const auto& m : v) out[m.name] = to_json(m.value);
          return out;
        } else {
          return v;
        }
      },
      value.storage());
}

namespace {
template <class Json>
Value from_json_any(const Json& json) {
  switch (json.type()) {
    case Json::value_t::null: return Nil{};
    case Json::value_t::boolean: return json.template get<bool>();
    case Json::value_t::number_integer: return json.template get<std::int64_t>();
    case Json::value_t::number_unsigned: {
      const auto u = json.template get<std::uint64_t>();
      if (u > static_cast<std::uint64_t>(INT64_MAX)) return static_cast<double>(u);
      return static_cast<std::int64_t>(u);
    }
    case Json::value_t::number_float: return json.template get<double>();
    case Json::value_t::string: return json.template get<std::string>();
    case Json::value_t::array: {
      Array out;
      out.reserve(json.size());
      for (const auto& e : json) out.push_back(from_json_any(e));
      return out;
    }
    case Json::value_t::object: {
      Struct out;
      out.reserve(json.size());
      for (const auto& [k, v] : json.items()) out.push_back(Member{k, from_json_any(v)});
      return out;
    }
    default: return Nil{};  // binary / discarded: never produced by the JSON parser
  }
}
}  // namespace

Value from_json(const nlohmann::json& json) { return from_json_any(json); }
Value from_json(const nlohmann::ordered_json& json) { return from_json_any(json); }

std::string describe(const Value& value, std::size_t max_len) {
  std::string text = to_json(value).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  if (text.size() > max_len) text = text.substr(0, max_len) + "...";
  return text;
}

std::optional<std::int64_t> many2one_id(const Value& value) {
  if (auto i = value.as_int()) return *i;
  if (const auto* a = value.as_array(); a != nullptr && !a->empty()) return (*a)[0].as_int();
  return std::nullopt;
}

std::vector<std::int64_t> id_list(const Value& value) {
  std::vector<std::int64_t> out;
  if (const auto* a = value.as_array()) {
    for (const auto& e : *a) {
      if (auto i = e.as_int()) out.push_back(*i);
    }
  }
  return out;
}

}  // namespace coopsync::odoo
