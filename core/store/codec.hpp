#pragma once
// Conversions between store rows and the interface's types, shared by the SQLite store and
// (later) the PostgreSQL one: instants as integer milliseconds since the Unix epoch, JSON
// columns as text, enums as their names.
#include "core/connector/connector.hpp"
#include "core/result.hpp"
#include "core/store/store.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace coopsync::store {

std::int64_t to_millis(TimePoint at);
TimePoint from_millis(std::int64_t millis);

std::optional<OutboxState> parse_outbox_state(std::string_view name);

// JSON as compact text; kInvalidInput naming `what` when it cannot be serialised (strings
// that are not UTF-8).
Result<std::string> dump_json(const nlohmann::json& value, const std::string& what);
// Parses stored JSON; kInternal naming `what` when the stored text is corrupt.
Result<nlohmann::json> parse_stored_json(const std::string& text, const std::string& what);

// A planned write as stored in the outbox payload.
nlohmann::json write_to_json(const Write& write);
// kInternal naming `what` when the payload lacks a field or has a wrong type.
Result<Write> write_from_json(const nlohmann::json& json, const std::string& what);

// SQL LIMIT value: sizes beyond int64 mean "no limit" (-1).
std::int64_t sql_limit(std::size_t limit);

}  // namespace coopsync::store
