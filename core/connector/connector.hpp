#pragma once
// The one interface every connector implements. The engine talks to Odoo, Nextcloud,
// Matrix and Mobilizon only through it; core/ never includes a connector.
//
// Threading: the engine uses one Connector instance from one thread at a time. A
// connector may parallelise inside a call (HttpClient::send_all).
// Errors: never throw across this interface; return Error values (core/result.hpp).
#include "core/config/spec.hpp"
#include "core/http/http_client.hpp"
#include "core/model/entity.hpp"
#include "core/result.hpp"

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <ostream>
#include <set>
#include <string>
#include <vector>

namespace spdlog {
class logger;
}

namespace coopsync {

// One record as a system holds it, already translated to canonical fields.
struct ExternalRecord {
  EntityKind kind = EntityKind::kPerson;
  std::string external_id;  // stable id in that system (Odoo id, Nextcloud user id, room id, uuid)
  std::string version;      // opaque change marker: write_date, ETag, updatedAt
  Fields fields = Fields::object();  // canonical fields; refs hold external ids of the same system
  bool deleted = false;     // gone, or left the configured scope (e.g. tag "Membre" removed)
  std::string updated_at;   // UTC instant of its last change there, when the system tells
};

struct ChangePage {
  std::vector<ExternalRecord> records;
  std::string cursor;         // resume point; the engine stores it once the page is planned
  bool has_more = false;      // call again with `cursor` for the next page
  // True when this page sequence (started from an empty cursor) lists *everything* in
  // scope: when it completes, linked records it did not list are treated as deleted.
  bool full_listing = false;
};

enum class WriteOp { kCreate, kUpdate, kDisable, kEnable, kDelete };

// A membership planned as a create in the same pass as the create of its person or group,
// handed to that create so that one request makes both where the API takes them together
// (Nextcloud's addUser takes groups[], Matrix's createRoom an invite list).
struct FoldedMembership {
  std::string entity_id;  // the membership's canonical id
  std::string other;      // this system's id of the other side: the group, or the person
};
const char* to_string(WriteOp op);
std::optional<WriteOp> parse_write_op(std::string_view name);

struct Write {
  std::string key;            // idempotency key, stable across retries (Matrix txnId...)
  std::string entity_id;      // canonical id (stable iCalendar UID, marker in remote records)
  EntityKind kind = EntityKind::kPerson;
  WriteOp op = WriteOp::kCreate;
  std::string external_id;    // target record for update/disable/enable/delete
  std::string version;        // last version we know there (If-Match), may be empty
  Fields fields = Fields::object();  // the full target projection; refs are this system's ids
  std::vector<std::string> changed;  // kUpdate: canonical fields that differ from the system
  // kCreate: this system's complete listing of the kind was read in this same pass and no
  // record in it matched, so the connector may skip its adopt-before-create lookups (one
  // request or more per create). A create that collides all the same (made there since the
  // listing) must still adopt on the system's "exists" answer.
  bool listed = false;
  // kCreate of the kind Capabilities::fold_memberships_into: memberships to write with it.
  std::vector<FoldedMembership> memberships;
};

struct WriteResult {
  std::optional<Error> error;  // empty = success
  std::string external_id;     // created or adopted record
  std::string version;         // version after the write, when the system returns it
  bool adopted = false;        // a create found the record already there and linked it
  // When adopted: what found it, so an operator can see why two records were joined. The
  // key ("email", "slug", "marker" for our own entity marker...) and its value there. The
  // link records "adopted:<key>" and the value; left empty, just "adopted".
  std::string matched_key;
  std::string matched_value;
  // One per Write::memberships, in order: the membership's external id (and version) when
  // the create wrote it too; an empty external_id when it did not (adopted record, refused
  // group...): the engine then sends that membership on its own.
  std::vector<WriteResult> memberships;

  // A refused write, for the record `external_id` names when it is known.
  static WriteResult failed(Error e, std::string external_id = {}) {
    WriteResult r;
    r.error = std::move(e);
    r.external_id = std::move(external_id);
    return r;
  }
};

struct KindCapabilities {
  bool read = false;
  bool create = false;
  bool update = false;
  bool disable = false;
  bool remove = false;
  std::vector<std::string> fields;      // canonical fields this system can hold for the kind
  std::vector<std::string> match_keys;  // fields find() can search on (adopt-before-create)
};

struct Capabilities {
  std::map<EntityKind, KindCapabilities> kinds;
  // Kinds whose changes() can long-poll (Matrix /sync: memberships): the daemon listens to
  // them and passes at once when something arrives.
  std::set<EntityKind> push_kinds;
  // Kinds the system offers no change feed for: changes() lists them whole on every read
  // (Nextcloud's users, Matrix's accounts). The daemon reads them on the system's own
  // full_read_interval, not on every poll or stream event (PassOptions::feeds_only).
  std::set<EntityKind> listed_kinds;
  // The kind (person or group) whose create can carry its memberships (Write::memberships).
  // The engine then applies the other side's kind first, so that it is there to refer to.
  std::optional<EntityKind> fold_memberships_into;

  const KindCapabilities* of(EntityKind kind) const {
    auto it = kinds.find(kind);
    return it == kinds.end() ? nullptr : &it->second;
  }
};

// Connector-private persistent key/values (refresh tokens, discovered URLs), kept in the
// mapping store under the system's name. put() is durable when it returns.
class StateStore {
 public:
  virtual ~StateStore() = default;
  virtual std::optional<std::string> get(const std::string& key) = 0;
  virtual Status put(const std::string& key, const std::string& value) = 0;
};

class Connector {
 public:
  virtual ~Connector() = default;

  virtual const Capabilities& capabilities() const = 0;

  // Connectivity and credentials (doctor, start of a pass): kAuth, kTransient...
  virtual Status check() = 0;

  // Changes of `kind` since `cursor` ("" = from the beginning, a full listing). With
  // `wait` > 0 a push-capable connector may block up to that long for new changes.
  virtual Result<ChangePage> changes(EntityKind kind, const std::string& cursor,
                                     std::chrono::milliseconds wait) = 0;

  // Records that match `keys` (a subset of canonical fields, e.g. {"email": "a@b.c"}),
  // for adopt-before-create. Empty vector = no match.
  virtual Result<std::vector<ExternalRecord>> find(EntityKind kind, const Fields& keys) = 0;

  // Carries out writes; one result per write, in order. A create must first look for the
  // record (by entity_id marker or match keys) and adopt it rather than create a second.
  virtual std::vector<WriteResult> apply(const std::vector<Write>& writes) = 0;
};
using ConnectorPtr = std::unique_ptr<Connector>;

struct ConnectorContext {
  std::string name;          // the system's name in the config ("odoo", "cloud"...)
  nlohmann::json settings;   // the validated section: defaults applied, secrets resolved
  std::function<http::HttpClientPtr(const http::ClientOptions&)> make_http;  // tests inject
  StateStore* state = nullptr;
  std::shared_ptr<spdlog::logger> logger;
  std::string default_region = "FR";  // for phone normalisation
  // The version the mapping store holds on a record's link (the last one read there or
  // returned by a write), or nothing when the record is not linked. Lets a connector skip
  // reading details of records unchanged since (may be empty: tests without a store).
  std::function<std::optional<std::string>(EntityKind, const std::string& external_id)> linked_version;
};

// An extra operator command a connector offers, run as `coopsync <type> <name> --config F`
// (e.g. `coopsync matrix registration`), so that core/ needs no connector-specific code.
struct ConnectorCommand {
  std::string name;
  std::string summary;
  // Gets the context of the first configured system of this type; returns the exit code.
  std::function<int(const ConnectorContext&, const std::vector<std::string>& args,
                    std::ostream& out)> run;
};

struct ConnectorInfo {
  std::string type;      // the `type:` value in the config
  std::string summary;   // one line for `coopsync connectors list`
  config::ObjectSpec spec;         // the connector's own keys (merged with the core's)
  Capabilities capabilities;       // the most it can do; config may restrict it
  std::function<Result<ConnectorPtr>(const ConnectorContext&)> make;
  std::vector<ConnectorCommand> commands;  // optional
};

}  // namespace coopsync
