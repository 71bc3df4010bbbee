#include "core/store/codec.hpp"

#include <limits>

namespace coopsync::store {

const char* to_string(OutboxState state) {
  switch (state) {
    case OutboxState::kPending: return "pending";
    case OutboxState::kDone: return "done";
    case OutboxState::kDead: return "dead";
  }
  return "unknown";
}

std::optional<OutboxState> parse_outbox_state(std::string_view name) {
  for (OutboxState s : {OutboxState::kPending, OutboxState::kDone, OutboxState::kDead}) {
    if (name == to_string(s)) return s;
  }
  return std::nullopt;
}

std::int64_t to_millis(TimePoint at) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(at.time_since_epoch()).count();
}

TimePoint from_millis(std::int64_t millis) {
  return TimePoint(std::chrono::duration_cast<TimePoint::duration>(std::chrono::milliseconds(millis)));
}

Result<std::string> dump_json(const nlohmann::json& value, const std::string& what) {
  try {
    return value.dump();
  } catch (const nlohmann::json::exception& e) {
    return make_error(ErrorKind::kInvalidInput, what + " cannot be stored: " + e.what());
  }
}

Result<nlohmann::json> parse_stored_json(const std::string& text, const std::string& what) {
  auto parsed = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) {
    return make_error(ErrorKind::kInternal, what + ": stored JSON is corrupt");
  }
  return parsed;
}

nlohmann::json write_to_json(const Write& write) {
  return nlohmann::json{{"key", write.key},
                        {"entity_id", write.entity_id},
                        {"kind", to_string(write.kind)},
                        {"op", to_string(write.op)},
                        {"external_id", write.external_id},
                        {"version", write.version},
                        {"fields", write.fields},
                        {"changed", write.changed}};
}

Result<Write> write_from_json(const nlohmann::json& json, const std::string& what) {
  auto bad = [&](const std::string& why) {
    return make_error(ErrorKind::kInternal, what + ": stored write " + why);
  };
  if (!json.is_object()) return bad("is not an object");
  auto text = [&](const char* name, std::string& out) -> bool {
    auto it = json.find(name);
    if (it == json.end() || !it->is_string()) return false;
    out = it->get<std::string>();
    return true;
  };
  Write w;
  std::string kind;
  std::string op;
  if (!text("key", w.key) || !text("entity_id", w.entity_id) || !text("kind", kind) ||
      !text("op", op) || !text("external_id", w.external_id) || !text("version", w.version)) {
    return bad("lacks a text field (key, entity_id, kind, op, external_id, version)");
  }
  auto parsed_kind = parse_entity_kind(kind);
  if (!parsed_kind) return bad("has unknown kind \"" + kind + "\"");
  w.kind = *parsed_kind;
  auto parsed_op = parse_write_op(op);
  if (!parsed_op) return bad("has unknown op \"" + op + "\"");
  w.op = *parsed_op;
  if (auto it = json.find("fields"); it != json.end()) w.fields = *it;
  if (auto it = json.find("changed"); it != json.end()) {
    if (!it->is_array()) return bad("has a non-array \"changed\"");
    for (const auto& name : *it) {
      if (!name.is_string()) return bad("has a non-text entry in \"changed\"");
      w.changed.push_back(name.get<std::string>());
    }
  }
  return w;
}

std::int64_t sql_limit(std::size_t limit) {
  if (limit > static_cast<std::size_t>(std::numeric_limits<std::int64_t>::max())) return -1;
  return static_cast<std::int64_t>(limit);
}

}  // namespace coopsync::store
