#pragma once
// A connection to one Odoo database: picks the transport (configured, or detected from the
// server version), logs in once, and offers the ORM calls the connector needs, with
// Odoo's conventions handled once: single-record create answers normalised to id lists,
// fields_get cached per model, only named fields ever requested.
#include "connectors/odoo/settings.hpp"
#include "connectors/odoo/transport.hpp"

#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

namespace coopsync::odoo {

struct FieldInfo {
  std::string type;      // char, many2one, selection...
  std::string relation;  // comodel of relational fields
  std::vector<std::string> selection;  // keys of a selection field
};
using FieldMap = std::map<std::string, FieldInfo>;

struct SearchOptions {
  int offset = 0;
  int limit = 0;  // 0 = no limit
  std::string order;
  bool active_test = true;  // false: archived records too
};

class Session {
 public:
  Session(Settings settings, http::HttpClient& http);

  // Version detection, transport choice, login. Idempotent; kAuth on refused credentials.
  Status connect();
  int major_version() const { return major_; }
  const char* protocol() const { return transport_ ? transport_->name() : "none"; }
  std::size_t request_count() const;
  // The server's time when it answered the last request, as an Odoo datetime (from the
  // HTTP Date header, to the second); "" when no answer carried one.
  std::string server_time() const;

  Result<std::vector<Value>> search_read(const std::string& model, const Array& domain,
                                         const std::vector<std::string>& fields,
                                         const SearchOptions& options = {});
  Result<std::vector<std::int64_t>> search(const std::string& model, const Array& domain,
                                           const SearchOptions& options = {});
  // Always a list of ids in input order, whatever the protocol answered.
  Result<std::vector<std::int64_t>> create(const std::string& model, const std::vector<Struct>& records);
  Status write(const std::string& model, const std::vector<std::int64_t>& ids, const Struct& values);
  // Record methods without arguments: unlink, action_archive, action_unarchive...
  Status call(const std::string& model, const std::string& method, const std::vector<std::int64_t>& ids);
  // fields_get(attributes=[type, relation, selection]) once per model.
  Result<const FieldMap*> fields(const std::string& model);
  // `wanted` restricted to the fields this server's model has.
  Result<std::vector<std::string>> existing_fields(const std::string& model,
                                                   const std::vector<std::string>& wanted);

 private:
  Result<Value> execute(Call call);

  Settings settings_;
  http::HttpClient& http_;
  TransportPtr transport_;
  TransportPtr chosen_;  // version known, login not done (it failed): no second probe
  int major_ = 0;
  std::size_t probes_ = 0;
  std::map<std::string, FieldMap> fields_;
};

}  // namespace coopsync::odoo
