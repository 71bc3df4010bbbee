// Group <-> Nextcloud group, with its shared folder and calendar; Membership <-> member.
#include "connectors/nextcloud/naming.hpp"
#include "connectors/nextcloud/nextcloud_connector.hpp"

namespace coopsync::nextcloud {
namespace {

Fields group_projection(const std::string& gid, const std::string& name) {
  return Fields{{field::kName, name}, {field::kSlug, gid}};
}

}  // namespace

Result<std::vector<std::string>> NextcloudConnector::group_ids() {
  auto data = ocs_.call_ok("GET", "/cloud/groups");
  if (!data) return std::move(data).error();
  std::vector<std::string> out;
  const auto groups = data->is_object() ? data->value("groups", nlohmann::json()) : nlohmann::json();
  if (!groups.is_array()) return make_error(ErrorKind::kInvalidInput, "GET /cloud/groups: no groups list");
  for (const auto& g : groups) {
    if (g.is_string() && !excluded_group(g.get<std::string>())) out.push_back(g.get<std::string>());
  }
  return out;
}

Result<ChangePage> NextcloudConnector::group_changes() {
  ChangePage page;
  page.full_listing = true;
  for (int offset = 0;; offset += s_.page_size) {
    auto data = ocs_.call_ok("GET", "/cloud/groups/details",
                             {{"search", ""}, {"limit", std::to_string(s_.page_size)},
                              {"offset", std::to_string(offset)}});
    if (!data) return std::move(data).error();
    const auto groups = data->is_object() ? data->value("groups", nlohmann::json()) : nlohmann::json();
    if (!groups.is_array()) {
      return make_error(ErrorKind::kInvalidInput, "GET /cloud/groups/details: no groups list");
    }
    for (const auto& g : groups) {
      if (!g.is_object() || !g.contains("id") || !g["id"].is_string()) continue;
      const std::string gid = g["id"];
      if (excluded_group(gid)) continue;
      ExternalRecord r;
      r.kind = EntityKind::kGroup;
      r.external_id = gid;
      r.fields = group_projection(gid, g.value("displayname", gid));
      r.version = fields_version(r.fields);
      page.records.push_back(std::move(r));
    }
    if (groups.size() < static_cast<std::size_t>(s_.page_size)) break;
  }
  return page;
}

Result<ChangePage> NextcloudConnector::membership_changes() {
  auto gids = group_ids();
  if (!gids) return std::move(gids).error();
  ChangePage page;
  page.full_listing = true;
  for (const auto& gid : *gids) {
    auto data = ocs_.call_ok("GET", "/cloud/groups/" + group_path(gid) + "/users");
    if (!data) return std::move(data).error();
    const auto users = data->is_object() ? data->value("users", nlohmann::json()) : nlohmann::json();
    if (!users.is_array()) continue;
    for (const auto& u : users) {
      if (!u.is_string() || excluded_user(u.get<std::string>())) continue;
      ExternalRecord r;
      r.kind = EntityKind::kMembership;
      r.external_id = u.get<std::string>() + ":" + gid;
      r.fields = Fields{{field::kPerson, u.get<std::string>()}, {field::kGroup, gid}};
      r.version = "1";
      page.records.push_back(std::move(r));
    }
  }
  return page;
}

Result<std::vector<ExternalRecord>> NextcloudConnector::find_groups(const Fields& keys) {
  std::vector<ExternalRecord> out;
  const std::string gid = group_id_for(keys);
  const std::string name = field_text(keys, field::kName);
  if (gid.empty() && name.empty()) return out;
  // The search matches ids and display names by substring, ordered by id: the exact one
  // may be past the first page ("lyon" after fifty "a-lyon-..."). Bounded at 20 pages.
  constexpr int kPage = 50;
  for (int offset = 0; offset < 20 * kPage; offset += kPage) {
    auto data = ocs_.call_ok("GET", "/cloud/groups/details",
                             {{"search", gid.empty() ? name : gid},
                              {"limit", std::to_string(kPage)},
                              {"offset", std::to_string(offset)}});
    if (!data) return std::move(data).error();
    const auto groups =
        data->is_object() ? data->value("groups", nlohmann::json()) : nlohmann::json();
    if (!groups.is_array()) return out;
    for (const auto& g : groups) {
      if (!g.is_object() || !g.contains("id") || !g["id"].is_string()) continue;
      const std::string id = g["id"];
      const std::string display = g.value("displayname", id);
      if (excluded_group(id) || (id != gid && display != name)) continue;
      ExternalRecord r;
      r.kind = EntityKind::kGroup;
      r.external_id = id;
      r.fields = group_projection(id, display);
      r.version = fields_version(r.fields);
      out.push_back(std::move(r));
    }
    if (groups.size() < static_cast<std::size_t>(kPage)) break;
  }
  return out;
}

Status NextcloudConnector::ensure_share(const std::string& folder, const std::string& gid) {
  const std::string path = "/" + folder;
  auto shares = ocs_.call_ok("GET", "/apps/files_sharing/api/v1/shares",
                             {{"path", path}, {"reshares", "true"}});
  if (!shares) return std::move(shares).error();
  if (shares->is_array()) {
    for (const auto& sh : *shares) {
      if (!sh.is_object() || sh.value("share_type", -1) != 1 || sh.value("share_with", "") != gid) {
        continue;
      }
      if (sh.value("permissions", 0) == s_.share_permissions) return ok_status();
      // 49: the share id is a string.
      const std::string id = sh["id"].is_string() ? sh["id"].get<std::string>()
                                                  : std::to_string(sh["id"].get<long long>());
      auto upd = ocs_.call_ok("PUT", "/apps/files_sharing/api/v1/shares/" + http::url_encode(id), {},
                              {{"permissions", std::to_string(s_.share_permissions)}});
      if (!upd) return std::move(upd).error();
      return ok_status();
    }
  }
  auto created = ocs_.call_ok("POST", "/apps/files_sharing/api/v1/shares", {},
                              {{"path", path}, {"shareType", "1"}, {"shareWith", gid},
                               {"permissions", std::to_string(s_.share_permissions)}});
  if (!created) return std::move(created).error();
  return ok_status();
}

Status NextcloudConnector::ensure_group_resources(const std::string& gid, const std::string& name) {
  if (!s_.folder_template.empty()) {
    const std::string folder = apply_template(s_.folder_template, gid, name);
    // MKCOL makes one level (409 when the parent is missing): make "Groups", then "Groups/Lyon".
    for (std::size_t slash = folder.find('/'); ; slash = folder.find('/', slash + 1)) {
      auto made = files_.mkcol(files_path(folder.substr(0, slash)));
      if (!made) return std::move(made).error();
      if (slash == std::string::npos) break;
    }
    auto shared = ensure_share(folder, gid);
    if (!shared) return shared;
  }
  if (!s_.calendar_template.empty()) return ensure_calendar(gid, name);
  return ok_status();
}

WriteResult NextcloudConnector::apply_group(const Write& w) {
  std::string gid = w.external_id.empty() ? group_id_for(w.fields) : w.external_id;
  std::string name = field_text(w.fields, field::kName);
  if (gid.empty()) return WriteResult::failed(make_error(ErrorKind::kPermanent, "group without name or slug"), "");
  if (name.empty()) name = gid;
  if (excluded_group(gid)) {
    return WriteResult::failed(make_error(ErrorKind::kPermanent, "group " + gid + " is excluded from sync"), gid);
  }
  const std::string path = "/cloud/groups/" + group_path(gid);
  WriteResult out;
  out.external_id = gid;
  if (w.op == WriteOp::kDelete || w.op == WriteOp::kDisable) {
    if (s_.group_delete == "delete") {
      auto reply = ocs_.call("DELETE", path);
      if (!reply) return WriteResult::failed(std::move(reply).error(), gid);
      if (!reply->ok() && reply->ocs_status != 101) {  // 101: already gone
        http::Response none;
        return WriteResult::failed(ocs_error(*reply, none, "delete group " + gid), gid);
      }
    }
    return out;
  }
  if (w.op == WriteOp::kCreate) {
    Params form{{"groupid", gid}};
    if (name != gid) form.emplace_back("displayname", name);  // 04 vs 05
    auto reply = ocs_.call("POST", "/cloud/groups", {}, form);
    if (!reply) return WriteResult::failed(std::move(reply).error(), gid);
    if (reply->ocs_status == 102) {
      out.adopted = true;  // 06: it exists; make it ours
      out.matched_key = "id";  // its group id (from slug or name) was taken
      out.matched_value = gid;
    } else if (!reply->ok()) {
      http::Response none;
      return WriteResult::failed(ocs_error(*reply, none, "create group " + gid), gid);
    }
  }
  if (w.op != WriteOp::kCreate || out.adopted) {
    auto found = find_groups(Fields{{field::kSlug, gid}});
    if (!found) return WriteResult::failed(std::move(found).error(), gid);
    bool exists = false;
    for (const auto& g : *found) {
      if (g.external_id != gid) continue;
      exists = true;
      if (g.fields[field::kName] != name) {
        auto upd = ocs_.call_ok("PUT", path, {}, {{"key", "displayname"}, {"value", name}});
        if (!upd) return WriteResult::failed(std::move(upd).error(), gid);
      }
    }
    if (!exists) return WriteResult::failed(make_error(ErrorKind::kNotFound, "group " + gid + " does not exist"), gid);
  }
  auto res = ensure_group_resources(gid, name);
  if (!res) return WriteResult::failed(std::move(res).error(), gid);
  out.version = fields_version(group_projection(gid, name));
  return out;
}

WriteResult NextcloudConnector::apply_membership(const Write& w) {
  std::string user = field_text(w.fields, field::kPerson);
  std::string group = field_text(w.fields, field::kGroup);
  if ((user.empty() || group.empty()) && !w.external_id.empty()) {
    // "<user>:<group>": user ids never hold a ':', group ids may ("Conseil: bureau").
    const auto colon = w.external_id.find(':');
    if (colon != std::string::npos) {
      user = w.external_id.substr(0, colon);
      group = w.external_id.substr(colon + 1);
    }
  }
  const std::string id = user + ":" + group;
  if (user.empty() || group.empty()) {
    return WriteResult::failed(make_error(ErrorKind::kPermanent, "membership without person or group"), w.external_id);
  }
  WriteResult out;
  out.external_id = id;
  out.version = "1";
  if (w.op == WriteOp::kUpdate) return out;  // Nextcloud holds nothing besides the pair
  const std::string path = "/cloud/users/" + http::url_encode(user) + "/groups";
  if (w.op == WriteOp::kCreate || w.op == WriteOp::kEnable) {
    auto reply = ocs_.call("POST", path, {}, {{"groupid", group}});
    if (!reply) return WriteResult::failed(std::move(reply).error(), id);
    if (reply->ocs_status == 102 || reply->ocs_status == 103) {
      // 28: the group (102) or the user (103) is not there (yet): re-plan, do not guess.
      return WriteResult::failed(make_error(ErrorKind::kConflict, "add " + user + " to " + group + ": " +
                                                         (reply->ocs_status == 102 ? "no such group"
                                                                                   : "no such user"),
                               reply->http_status),
                    id);
    }
    if (!reply->ok()) {
      http::Response none;
      return WriteResult::failed(ocs_error(*reply, none, "add " + user + " to " + group), id);
    }
    return out;
  }
  // 33: remove with the group id in the query string.
  auto reply = ocs_.call("DELETE", path, {{"groupid", group}});
  if (!reply) return WriteResult::failed(std::move(reply).error(), id);
  if (!reply->ok() && reply->ocs_status != 102 && reply->ocs_status != 103) {
    http::Response none;
    return WriteResult::failed(ocs_error(*reply, none, "remove " + user + " from " + group), id);
  }
  return out;
}

}  // namespace coopsync::nextcloud
