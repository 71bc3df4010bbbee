#include "core/connector/registry.hpp"

#include <algorithm>
#include <stdexcept>

namespace coopsync {

ConnectorRegistry& ConnectorRegistry::instance() {
  static ConnectorRegistry registry;  // function-local: safe from static-init order
  return registry;
}

void ConnectorRegistry::add(ConnectorInfo info) {
  if (find(info.type) != nullptr) {
    throw std::logic_error("connector type registered twice: " + info.type);
  }
  infos_.push_back(std::move(info));
}

const ConnectorInfo* ConnectorRegistry::find(const std::string& type) const {
  for (const auto& info : infos_) {
    if (info.type == type) return &info;
  }
  return nullptr;
}

std::vector<const ConnectorInfo*> ConnectorRegistry::list() const {
  std::vector<const ConnectorInfo*> out;
  for (const auto& info : infos_) out.push_back(&info);
  std::sort(out.begin(), out.end(),
            [](const ConnectorInfo* a, const ConnectorInfo* b) { return a->type < b->type; });
  return out;
}

const char* to_string(WriteOp op) {
  switch (op) {
    case WriteOp::kCreate: return "create";
    case WriteOp::kUpdate: return "update";
    case WriteOp::kDisable: return "disable";
    case WriteOp::kEnable: return "enable";
    case WriteOp::kDelete: return "delete";
  }
  return "unknown";
}

std::optional<WriteOp> parse_write_op(std::string_view name) {
  for (WriteOp op : {WriteOp::kCreate, WriteOp::kUpdate, WriteOp::kDisable, WriteOp::kEnable,
                     WriteOp::kDelete}) {
    if (name == to_string(op)) return op;
  }
  return std::nullopt;
}

}  // namespace coopsync
