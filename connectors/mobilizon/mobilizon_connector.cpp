#include "connectors/mobilizon/mobilizon_connector.hpp"

#include "connectors/mobilizon/documents.hpp"
#include "connectors/mobilizon/mapper.hpp"
#include "core/connector/registry.hpp"

#include <spdlog/logger.h>

namespace coopsync::mobilizon {

namespace {
constexpr const char* kPersonsKey = "persons";

Capabilities make_capabilities() {
  Capabilities c;
  c.kinds[EntityKind::kEvent] = KindCapabilities{
      true, true, true, true, true,
      {field::kTitle, field::kDescription, field::kStart, field::kEnd, field::kTimezone, field::kLocation,
       field::kOnlineUrl, field::kCapacity, field::kStatus, field::kVisibility, field::kGroup},
      {field::kTitle, field::kStart}};
  // joinEvent only acts for the bridge's own identities: registrations of other people can
  // be approved, wait-listed or rejected here, not created.
  c.kinds[EntityKind::kRegistration] =
      KindCapabilities{true, false, true, true, false, {field::kEvent, field::kPerson, field::kStatus}, {}};
  c.kinds[EntityKind::kGroup] =
      KindCapabilities{true, true, false, false, false, {field::kName, field::kSlug, field::kDescription}, {field::kSlug}};
  c.kinds[EntityKind::kMembership] =
      KindCapabilities{true, true, true, true, true, {field::kPerson, field::kGroup, field::kRole}, {}};
  // Mobilizon does not show other people's emails: persons are read-only and matched by link.
  c.kinds[EntityKind::kPerson] = KindCapabilities{true, false, false, false, false, {field::kDisplayName}, {}};
  // The directory (groups, their members, persons) is listed whole each time; events and
  // registrations follow a feed.
  c.listed_kinds = {EntityKind::kGroup, EntityKind::kMembership, EntityKind::kPerson};
  return c;
}
}  // namespace

MobilizonConnector::MobilizonConnector(Settings settings, const ConnectorContext& ctx, Clock clock)
    : settings_(std::move(settings)), system_(ctx.name), state_(ctx.state), log_(ctx.logger), clock_(std::move(clock)) {
  http::ClientOptions options;
  options.system = ctx.name;
  options.max_response_bytes = 32u << 20;
  auto http = ctx.make_http ? ctx.make_http(options) : http::make_curl_client(options);
  Session session{settings_.url, settings_.email, settings_.password, settings_.timeout};
  client_ = std::make_unique<GraphqlClient>(std::move(session), std::move(http), state_, log_, clock_);
}

const Capabilities& MobilizonConnector::capabilities() const {
  static const Capabilities caps = make_capabilities();
  return caps;
}

std::chrono::sys_seconds MobilizonConnector::now() const {
  if (clock_) return clock_();
  return std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
}

// Mobilizon checks group permissions against the account's *default* identity, and
// rewrites a group event's organizer to it (PITFALLS.md 10-11): make the configured
// identity the default once, and remember its id for organizerActorId.
Status MobilizonConnector::ensure_identity() {
  if (!actor_id_.empty()) return ok_status();
  auto data = client_->call({"LoggedUser", &documents::logged_user(), nlohmann::json::object()});
  if (!data.ok()) return std::move(data).error();
  const auto& user = (*data)["loggedUser"];
  if (!user.is_object()) return make_error(ErrorKind::kInvalidInput, "mobilizon LoggedUser: no user");
  const auto& def = user.value("defaultActor", nlohmann::json());
  const std::string def_name = def.is_object() ? def.value("preferredUsername", "") : "";
  const std::string wanted = settings_.identity.empty() ? def_name : settings_.identity;
  std::string id;
  for (const auto& a : user.value("actors", nlohmann::json::array())) {
    if (a.is_object() && a.value("preferredUsername", "") == wanted && a.value("id", nlohmann::json()).is_string())
      id = a["id"].get<std::string>();
  }
  if (id.empty()) {
    return make_error(ErrorKind::kAuth, "mobilizon: identity '" + wanted + "' is not one of the account's identities");
  }
  if (wanted != def_name) {
    auto changed = client_->call({"ChangeDefaultActor", &documents::change_default_actor(), {{"preferredUsername", wanted}}});
    if (!changed.ok()) return std::move(changed).error();
    if (log_) log_->info("mobilizon: default identity set to {}", wanted);
  }
  actor_id_ = id;
  return ok_status();
}

Status MobilizonConnector::check() {
  if (auto st = ensure_identity(); !st.ok()) return st;
  for (const auto& g : settings_.groups) {
    auto id = group_id(g);
    if (!id.ok()) return std::move(id).error();
  }
  return ok_status();
}

Result<std::string> MobilizonConnector::group_id(const std::string& handle) {
  if (auto it = group_ids_.find(handle); it != group_ids_.end()) return it->second;
  auto data = client_->call({"Group", &documents::group(), {{"preferredUsername", handle}}});
  if (!data.ok()) return std::move(data).error();
  const auto& g = (*data)["group"];
  if (!g.is_object() || !g.value("id", nlohmann::json()).is_string())
    return make_error(ErrorKind::kInvalidInput, "mobilizon Group " + handle + ": no id");
  group_ids_[handle] = g["id"].get<std::string>();
  return group_ids_[handle];
}

Result<nlohmann::json> MobilizonConnector::fetch_event(const std::string& uuid) {
  auto data = client_->call({"Event", &documents::event(), {{"uuid", uuid}}});
  if (!data.ok()) return std::move(data).error();
  if (!(*data)["event"].is_object()) return make_error(ErrorKind::kNotFound, "mobilizon event " + uuid + ": gone");
  return std::move((*data)["event"]);
}

bool MobilizonConnector::remember_person(const nlohmann::json& actor) {
  if (!persons_loaded_) {
    persons_loaded_ = true;
    if (state_ != nullptr) {
      if (auto saved = state_->get(kPersonsKey)) {
        auto parsed = nlohmann::json::parse(*saved, nullptr, false);
        if (parsed.is_object()) persons_ = std::move(parsed);
      }
    }
  }
  if (!actor.is_object() || !actor.value("id", nlohmann::json()).is_string()) return false;
  const std::string id = actor["id"].get<std::string>();
  if (id == actor_id_) return false;  // the bridge's own identity is nobody of the cooperative
  const std::string name = actor.value("name", nlohmann::json()).is_string() ? actor["name"].get<std::string>() : "";
  nlohmann::json entry = {{"handle", actor_handle(actor)}, {"name", name}};
  const bool fresh = !persons_.contains(id);
  if (fresh || persons_[id] != entry) {
    persons_[id] = entry;
    persons_dirty_ = true;
  }
  return fresh;
}

void MobilizonConnector::save_persons() {
  if (!persons_dirty_ || state_ == nullptr) return;
  if (auto st = state_->put(kPersonsKey, persons_.dump()); !st.ok() && log_) {
    log_->warn("mobilizon: could not save the persons seen: {}", st.error().message);
  }
  persons_dirty_ = false;
}

Result<ChangePage> MobilizonConnector::changes(EntityKind kind, const std::string& cursor,
                                               std::chrono::milliseconds /*wait*/) {
  if (auto st = ensure_identity(); !st.ok()) return std::move(st).error();
  switch (kind) {
    case EntityKind::kEvent: return event_changes(cursor);
    case EntityKind::kRegistration: return registration_changes(cursor);
    case EntityKind::kGroup: return group_changes();
    case EntityKind::kMembership: return membership_changes();
    case EntityKind::kPerson: return person_changes();
  }
  return make_error(ErrorKind::kInternal, "mobilizon: unknown kind");
}

Result<std::vector<ExternalRecord>> MobilizonConnector::find(EntityKind kind, const Fields& keys) {
  if (auto st = ensure_identity(); !st.ok()) return std::move(st).error();
  if (kind == EntityKind::kEvent) return find_event(keys);
  if (kind == EntityKind::kGroup && keys.contains(field::kSlug) && keys[field::kSlug].is_string()) {
    auto page = group_changes();
    if (!page.ok()) return std::move(page).error();
    std::vector<ExternalRecord> out;
    for (auto& r : page->records) {
      if (r.fields.value(field::kSlug, "") == keys[field::kSlug].get<std::string>()) out.push_back(std::move(r));
    }
    return out;
  }
  return std::vector<ExternalRecord>{};
}

std::vector<WriteResult> MobilizonConnector::apply(const std::vector<Write>& writes) {
  std::vector<WriteResult> results;
  if (auto st = ensure_identity(); !st.ok()) {
    for (std::size_t i = 0; i < writes.size(); ++i) results.push_back(WriteResult{st.error(), "", "", false});
    return results;
  }
  for (const auto& w : writes) {
    switch (w.kind) {
      case EntityKind::kEvent: results.push_back(write_event(w)); break;
      case EntityKind::kRegistration: results.push_back(write_registration(w)); break;
      case EntityKind::kGroup: results.push_back(write_group(w)); break;
      case EntityKind::kMembership: results.push_back(write_membership(w)); break;
      case EntityKind::kPerson:
        results.push_back(WriteResult{make_error(ErrorKind::kPermanent, "mobilizon: persons are read-only"), "", "", false});
        break;
    }
  }
  save_persons();
  return results;
}

ConnectorInfo connector_info() {
  ConnectorInfo info;
  info.type = "mobilizon";
  info.summary = "Mobilizon (GraphQL): group events, participants, groups and members";
  info.spec = settings_spec();
  info.capabilities = make_capabilities();
  info.make = [](const ConnectorContext& ctx) -> Result<ConnectorPtr> {
    auto settings = parse_settings(ctx.settings);
    if (!settings.ok()) return std::move(settings).error();
    return ConnectorPtr(std::make_unique<MobilizonConnector>(std::move(*settings), ctx));
  };
  return info;
}

}  // namespace coopsync::mobilizon

COOPSYNC_REGISTER_CONNECTOR(coopsync::mobilizon::connector_info);
