// Writes. Events: updateEvent resets every omitted field (PITFALLS.md 9), so an update
// first reads the event and resends all of it with the canonical fields laid over; remote
// events are never written (PITFALLS.md 23). Registrations: only the role of an existing
// participation can change (approve / wait-list / reject). Groups: create. Memberships:
// invite, change role, remove.
#include "connectors/mobilizon/documents.hpp"
#include "connectors/mobilizon/html_text.hpp"
#include "connectors/mobilizon/mapper.hpp"
#include "connectors/mobilizon/mobilizon_connector.hpp"
#include "core/model/normalize.hpp"

#include <spdlog/logger.h>

namespace coopsync::mobilizon {

namespace {
WriteResult done(std::string id, std::string version = "", bool adopted = false) {
  return WriteResult{std::nullopt, std::move(id), std::move(version), adopted};
}

}  // namespace

WriteResult MobilizonConnector::write_event(const Write& w) {
  if (w.op == WriteOp::kCreate) {
    Fields keys = {{field::kTitle, w.fields.value(field::kTitle, nlohmann::json())}};
    if (w.fields.contains(field::kStart) && w.fields[field::kStart].is_string()) {
      auto t = parse_instant(w.fields[field::kStart].get<std::string>());
      if (t.ok()) keys[field::kStart] = format_instant(*t);
    }
    std::string group = field_text(w.fields, field::kGroup);
    if (group.empty()) group = settings_.groups.front();
    keys[field::kGroup] = group;
    auto existing = find_event(keys);
    if (!existing.ok()) return WriteResult::failed(std::move(existing).error());
    if (!existing->empty()) return done(existing->front().external_id, existing->front().version, true);
    auto gid = group_id(group);
    if (!gid.ok()) return WriteResult::failed(std::move(gid).error());
    auto vars = event_variables(w.fields, nlohmann::json(), settings_);
    if (!vars.ok()) return WriteResult::failed(std::move(vars).error());
    (*vars)["organizerActorId"] = actor_id_;
    (*vars)["attributedToId"] = *gid;
    auto data = client_->call({"CreateEvent", &documents::create_event(), *vars});
    if (!data.ok()) return WriteResult::failed(std::move(data).error());
    const auto& e = (*data)["createEvent"];
    if (field_text(e, "uuid").empty()) return WriteResult::failed(make_error(ErrorKind::kInvalidInput, "mobilizon CreateEvent: no uuid"));
    return done(field_text(e, "uuid"), field_text(e, "updatedAt"));
  }

  auto current = fetch_event(w.external_id);
  if (!current.ok()) {
    if (current.error().kind == ErrorKind::kNotFound && w.op == WriteOp::kDelete) return done(w.external_id);
    return WriteResult::failed(std::move(current).error());
  }
  if (is_remote_event(*current)) {
    return WriteResult::failed(make_error(ErrorKind::kPermanent, "mobilizon event " + w.external_id +
                                                        " is a remote (federated) copy: read-only here"));
  }
  const std::string id = field_text(*current, "id");
  if (w.op == WriteOp::kDelete) {
    auto data = client_->call({"DeleteEvent", &documents::delete_event(), {{"eventId", id}}});
    if (!data.ok() && data.error().kind != ErrorKind::kNotFound) return WriteResult::failed(std::move(data).error());
    return done(w.external_id);
  }
  Fields fields = w.fields;
  // Disabling an event cancels it (it stays, with its participants); enabling confirms it.
  if (w.op == WriteOp::kDisable) fields = {{field::kStatus, "cancelled"}};
  if (w.op == WriteOp::kEnable) fields = {{field::kStatus, "confirmed"}};
  auto vars = event_variables(fields, *current, settings_);
  if (!vars.ok()) return WriteResult::failed(std::move(vars).error());
  (*vars)["eventId"] = id;
  const auto& group = current->value("attributedTo", nlohmann::json());
  if (group.is_object() && group.contains("id")) (*vars)["attributedToId"] = group["id"];
  auto data = client_->call({"UpdateEvent", &documents::update_event(), *vars});
  if (!data.ok()) return WriteResult::failed(std::move(data).error());
  const auto& e = (*data)["updateEvent"];
  return done(w.external_id, field_text(e, "updatedAt"));
}

WriteResult MobilizonConnector::write_registration(const Write& w) {
  if (w.op == WriteOp::kCreate) {
    return WriteResult::failed(make_error(ErrorKind::kPermanent,
                             "mobilizon: a registration cannot be created for another person (joinEvent only "
                             "acts for the account's own identities)"));
  }
  auto ids = split_pair_id(w.external_id);
  if (!ids) return WriteResult::failed(make_error(ErrorKind::kInvalidInput, "mobilizon: bad registration id " + w.external_id));
  std::optional<std::string> role;
  if (w.op == WriteOp::kDisable || w.op == WriteOp::kDelete) role = "REJECTED";
  else if (w.op == WriteOp::kEnable) role = "PARTICIPANT";
  else role = participant_role(field_text(w.fields, field::kStatus));
  if (!role) return WriteResult::failed(make_error(ErrorKind::kPermanent, "mobilizon: unknown registration status"));
  // Find the participation (participant ids are what updateParticipation takes).
  for (int p = 1; p <= 1000; ++p) {
    auto data = client_->call({"EventParticipants", &documents::event_participants(),
                               {{"uuid", ids->first}, {"page", p}, {"limit", settings_.participants_page_size}}});
    if (!data.ok()) return WriteResult::failed(std::move(data).error());
    const auto& list = (*data)["event"].value("participants", nlohmann::json());
    if (!list.is_object() || !list.contains("elements") || !list["elements"].is_array() || list["elements"].empty()) break;
    for (const auto& person : list["elements"]) {
      if (field_text(person.value("actor", nlohmann::json()), "id") != ids->second) continue;
      const std::string held = field_text(person, "role");
      // The event's own staff keep their role; setting the same role is an error there.
      if (held == *role || (*role == "PARTICIPANT" && (held == "CREATOR" || held == "MODERATOR" || held == "ADMINISTRATOR")))
        return done(w.external_id, held);
      auto r = client_->call({"UpdateParticipation", &documents::update_participation(),
                              {{"id", field_text(person, "id")}, {"role", *role}}});
      if (!r.ok()) return WriteResult::failed(std::move(r).error());
      return done(w.external_id, field_text((*r)["updateParticipation"], "role"));
    }
    if (static_cast<long long>(p) * settings_.participants_page_size >= list.value("total", 0LL)) break;
  }
  if (w.op == WriteOp::kDelete || w.op == WriteOp::kDisable) return done(w.external_id);
  return WriteResult::failed(make_error(ErrorKind::kNotFound, "mobilizon: no participation " + w.external_id));
}

WriteResult MobilizonConnector::write_group(const Write& w) {
  if (w.op != WriteOp::kCreate) return WriteResult::failed(make_error(ErrorKind::kPermanent, "mobilizon: groups are only created"));
  std::string slug;
  for (char ch : field_text(w.fields, field::kSlug)) {
    const auto c = static_cast<unsigned char>(ch);
    if (std::isalnum(c)) slug.push_back(static_cast<char>(std::tolower(c)));
    else if (!slug.empty() && slug.back() != '_') slug.push_back('_');
  }
  if (slug.empty()) return WriteResult::failed(make_error(ErrorKind::kPermanent, "mobilizon: a group needs a slug"));
  auto data = client_->call({"CreateGroup", &documents::create_group(),
                             {{"preferredUsername", slug}, {"name", field_text(w.fields, field::kName)},
                              {"summary", text_to_html(field_text(w.fields, field::kDescription))}}});
  if (!data.ok()) {
    if (data.error().message.find("already exists") != std::string::npos) return done(slug, "", true);
    return WriteResult::failed(std::move(data).error());
  }
  return done(actor_handle((*data)["createGroup"]));
}

WriteResult MobilizonConnector::write_membership(const Write& w) {
  std::string group = field_text(w.fields, field::kGroup);
  std::string actor = field_text(w.fields, field::kPerson);
  if (auto ids = split_pair_id(w.external_id)) {
    group = ids->first;
    actor = ids->second;
  }
  if (group.empty() || actor.empty()) return WriteResult::failed(make_error(ErrorKind::kPermanent, "mobilizon: membership needs group and person"));
  auto members = group_members(group);
  if (!members.ok()) return WriteResult::failed(std::move(members).error());
  const nlohmann::json* row = nullptr;
  for (const auto& m : *members) {
    if (field_text(m.value("actor", nlohmann::json()), "id") == actor) row = &m;
  }
  const std::string id = group + "/" + actor;
  const std::string wanted = field_text(w.fields, field::kRole) == "admin" ? "ADMINISTRATOR" : "MEMBER";
  if (w.op == WriteOp::kDelete || w.op == WriteOp::kDisable) {
    if (row == nullptr) return done(id);
    auto r = client_->call({"RemoveMember", &documents::remove_member(), {{"memberId", field_text(*row, "id")}}});
    if (!r.ok() && r.error().kind != ErrorKind::kNotFound) return WriteResult::failed(std::move(r).error());
    return done(id);
  }
  if (row == nullptr) {
    if (w.op != WriteOp::kCreate && w.op != WriteOp::kEnable)
      return WriteResult::failed(make_error(ErrorKind::kNotFound, "mobilizon: no membership " + id));
    if (!persons_loaded_) remember_person(nlohmann::json());
    const std::string handle = persons_.contains(actor) ? field_text(persons_[actor], "handle") : "";
    if (handle.empty()) return WriteResult::failed(make_error(ErrorKind::kNotFound, "mobilizon: person " + actor + " is unknown here"));
    auto gid = group_id(group);
    if (!gid.ok()) return WriteResult::failed(std::move(gid).error());
    auto r = client_->call({"InviteMember", &documents::invite_member(), {{"groupId", *gid}, {"targetActorUsername", handle}}});
    if (!r.ok()) return WriteResult::failed(std::move(r).error());
    return done(id, "INVITED");
  }
  const std::string held = field_text(*row, "role");
  const bool is_admin = held == "ADMINISTRATOR" || held == "MODERATOR" || held == "CREATOR";
  if (held == "INVITED" || (wanted == "ADMINISTRATOR") == is_admin) return done(id, held, w.op == WriteOp::kCreate);
  auto r = client_->call({"UpdateMember", &documents::update_member(), {{"memberId", field_text(*row, "id")}, {"role", wanted}}});
  if (!r.ok()) return WriteResult::failed(std::move(r).error());
  return done(id, wanted, w.op == WriteOp::kCreate);
}

}  // namespace coopsync::mobilizon
