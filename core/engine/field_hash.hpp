#pragma once
// Per-field hashes of what a system holds. A link keeps {field: hash} of the projection it
// last wrote to or read from its system, so the engine can tell, field by field, whether
// the system changed something since (3-way merge), and whether a planned write would
// change anything at all (echo suppression) — without keeping a second copy of personal
// data in the store.
#include "core/model/entity.hpp"

#include <map>
#include <string>

namespace coopsync::engine {

using FieldHashes = std::map<std::string, std::string>;

// Stable short hash of a JSON value (SHA-256 of its canonical dump, 16 hex chars).
std::string hash_value(const nlohmann::json& value);
// Stable hash of any text (idempotency keys).
std::string hash_text(const std::string& text);
FieldHashes hash_fields(const Fields& fields);
std::string encode_hashes(const FieldHashes& hashes);   // JSON object text
FieldHashes decode_hashes(const std::string& text);     // tolerant: garbage -> empty

}  // namespace coopsync::engine
