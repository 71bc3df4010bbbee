// Groups, memberships and persons: small sets, listed in full on every pass (the final
// cursor is empty again, so each pass is a full listing and the engine sees removals).
#include "connectors/mobilizon/documents.hpp"
#include "connectors/mobilizon/html_text.hpp"
#include "connectors/mobilizon/mapper.hpp"
#include "connectors/mobilizon/mobilizon_connector.hpp"

#include <spdlog/logger.h>

namespace coopsync::mobilizon {

namespace {
constexpr int kMembersPageSize = 100;
constexpr int kMaxPages = 1000;

}  // namespace

Result<ChangePage> MobilizonConnector::group_changes() {
  ChangePage page;
  page.full_listing = true;
  for (const auto& handle : settings_.groups) {
    auto data = client_->call({"Group", &documents::group(), {{"preferredUsername", handle}}});
    if (!data.ok()) return std::move(data).error();
    const auto& g = (*data)["group"];
    if (!g.is_object()) continue;
    if (g.contains("id") && g["id"].is_string()) group_ids_[handle] = g["id"].get<std::string>();
    ExternalRecord r;
    r.kind = EntityKind::kGroup;
    r.external_id = actor_handle(g);
    r.fields = {{field::kName, field_text(g, "name").empty() ? field_text(g, "preferredUsername") : field_text(g, "name")},
                {field::kSlug, field_text(g, "preferredUsername")},
                {field::kDescription, html_to_text(field_text(g, "summary"))}};
    page.records.push_back(std::move(r));
  }
  return page;
}

Result<std::vector<nlohmann::json>> MobilizonConnector::group_members(const std::string& group) {
  std::vector<nlohmann::json> out;
  for (int p = 1; p <= kMaxPages; ++p) {
    auto data = client_->call({"GroupMembers", &documents::group_members(),
                               {{"preferredUsername", group}, {"page", p}, {"limit", kMembersPageSize}}});
    if (!data.ok()) return std::move(data).error();
    const auto& members = (*data)["group"].value("members", nlohmann::json());
    if (!members.is_object() || !members.contains("elements") || !members["elements"].is_array()) break;
    const auto& els = members["elements"];
    for (const auto& m : els) out.push_back(m);
    const long long total = members.value("total", 0LL);
    if (els.empty() || static_cast<long long>(p) * kMembersPageSize >= total) break;
  }
  return out;
}

Result<ChangePage> MobilizonConnector::membership_changes() {
  ChangePage page;
  page.full_listing = true;
  for (const auto& handle : settings_.groups) {
    if (handle.find('@') != std::string::npos) continue;  // remote group: its members are not ours
    auto members = group_members(handle);
    if (!members.ok()) return std::move(members).error();
    for (const auto& m : *members) {
      const auto& actor = m.value("actor", nlohmann::json());
      const std::string actor_id = field_text(actor, "id");
      auto role = membership_role(field_text(m, "role"));
      if (actor_id.empty() || !role || actor_id == actor_id_) continue;  // not the bridge itself
      remember_person(actor);
      ExternalRecord r;
      r.kind = EntityKind::kMembership;
      r.external_id = handle + "/" + actor_id;
      r.version = field_text(m, "updatedAt");
      r.fields = {{field::kGroup, handle}, {field::kPerson, actor_id}, {field::kRole, *role}};
      page.records.push_back(std::move(r));
    }
  }
  save_persons();
  return page;
}

Result<ChangePage> MobilizonConnector::person_changes() {
  // Members are read now; participants were remembered while reading registrations.
  for (const auto& handle : settings_.groups) {
    if (handle.find('@') != std::string::npos) continue;
    auto members = group_members(handle);
    if (!members.ok()) return std::move(members).error();
    for (const auto& m : *members) remember_person(m.value("actor", nlohmann::json()));
  }
  if (!persons_loaded_) remember_person(nlohmann::json());  // loads the saved ones
  save_persons();
  ChangePage page;
  page.full_listing = true;
  for (auto it = persons_.begin(); it != persons_.end(); ++it) {
    if (it.key() == actor_id_) continue;  // remembered by an older version
    ExternalRecord r;
    r.kind = EntityKind::kPerson;
    r.external_id = it.key();
    const std::string name = field_text(it.value(), "name");
    r.fields = {{field::kDisplayName, name.empty() ? field_text(it.value(), "handle") : name}};
    page.records.push_back(std::move(r));
  }
  return page;
}

// Adopt-before-create for events: same title and start in the target group.
Result<std::vector<ExternalRecord>> MobilizonConnector::find_event(const Fields& keys) {
  std::vector<ExternalRecord> out;
  if (!keys.contains(field::kTitle) || !keys.contains(field::kStart)) return out;
  std::vector<std::string> groups = settings_.groups;
  if (keys.contains(field::kGroup) && keys[field::kGroup].is_string()) groups = {keys[field::kGroup].get<std::string>()};
  for (const auto& handle : groups) {
    for (int p = 1; p <= kMaxPages; ++p) {
      auto data = client_->call({"GroupEvents", &documents::group_events(),
                                 {{"preferredUsername", handle}, {"page", p}, {"limit", settings_.page_size}}});
      if (!data.ok()) return std::move(data).error();
      const auto& list = (*data)["group"].value("organizedEvents", nlohmann::json());
      if (!list.is_object() || !list.contains("elements") || !list["elements"].is_array()) break;
      for (const auto& e : list["elements"]) {
        auto r = event_to_record(e, settings_);
        if (!r.ok()) continue;
        if (r->fields[field::kTitle] == keys[field::kTitle] && r->fields[field::kStart] == keys[field::kStart])
          out.push_back(std::move(*r));
      }
      if (list["elements"].empty() || static_cast<long long>(p) * settings_.page_size >= list.value("total", 0LL)) break;
    }
  }
  return out;
}

}  // namespace coopsync::mobilizon
