#pragma once
// Where connectors register themselves: one line per connector,
//   COOPSYNC_REGISTER_CONNECTOR(odoo_connector_info);
// in the connector's own folder. Connectors are built as CMake OBJECT libraries so the
// registration's static initialiser is always linked in.
#include "core/connector/connector.hpp"

#include <string>
#include <vector>

namespace coopsync {

class ConnectorRegistry {
 public:
  static ConnectorRegistry& instance();
  // Programming error (exception) if the type is registered twice.
  void add(ConnectorInfo info);
  const ConnectorInfo* find(const std::string& type) const;
  std::vector<const ConnectorInfo*> list() const;  // sorted by type

 private:
  std::vector<ConnectorInfo> infos_;
};

namespace detail {
struct ConnectorRegistrar {
  explicit ConnectorRegistrar(ConnectorInfo (*make_info)()) {
    ConnectorRegistry::instance().add(make_info());
  }
};
}  // namespace detail

}  // namespace coopsync

#define COOPSYNC_CONCAT_INNER(a, b) a##b
#define COOPSYNC_CONCAT(a, b) COOPSYNC_CONCAT_INNER(a, b)
#define COOPSYNC_REGISTER_CONNECTOR(make_info_fn)                                 \
  static const ::coopsync::detail::ConnectorRegistrar COOPSYNC_CONCAT(            \
      coopsync_registrar_, __LINE__) {                                            \
    &make_info_fn                                                                 \
  }
