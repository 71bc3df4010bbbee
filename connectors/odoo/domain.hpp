#pragma once
// Pieces of Odoo search domains and of the rows they return, shared by the connector's
// feeds, lookups and writes: a leaf ["field", "op", value], id lists, concatenation.
#include "connectors/odoo/value.hpp"

#include <algorithm>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <vector>

namespace coopsync::odoo {

inline Value leaf(const char* field, const char* op, Value v) {
  return Value(Array{Value(field), Value(op), std::move(v)});
}

inline Array ids_value(const std::vector<std::int64_t>& ids) {
  Array a;
  for (auto i : ids) a.emplace_back(i);
  return a;
}

inline Array concat(Array a, const Array& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

// The string held in a row's field, or nullptr when Odoo sent False or something else.
inline const std::string* row_text(const Value& row, const char* name) {
  const Value* v = row.find(name);
  return v != nullptr ? v->as_string() : nullptr;
}

// Whether a write that changes `changed` (empty = everything) touches one of `names`.
inline bool wants(const std::vector<std::string>& changed, std::initializer_list<const char*> names) {
  if (changed.empty()) return true;
  return std::any_of(names.begin(), names.end(), [&](const char* n) {
    return std::find(changed.begin(), changed.end(), n) != changed.end();
  });
}

}  // namespace coopsync::odoo
