#include "connectors/nextcloud/nextcloud_connector.hpp"

#include "core/connector/registry.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>

namespace coopsync::nextcloud {
namespace {

std::string path_of(const std::string& url) {
  const auto scheme = url.find("://");
  const auto slash = url.find('/', scheme == std::string::npos ? 0 : scheme + 3);
  return slash == std::string::npos ? std::string() : url.substr(slash);
}

}  // namespace

Capabilities full_capabilities() {
  Capabilities c;
  c.kinds[EntityKind::kPerson] = {true, true, true, true, true,
                                  {field::kEmail, field::kDisplayName, field::kActive},
                                  {field::kEmail}};
  c.kinds[EntityKind::kGroup] = {true, true, true, false, true, {field::kName, field::kSlug},
                                 {field::kSlug, field::kName}};
  c.kinds[EntityKind::kMembership] = {true, true, false, true, true,
                                      {field::kPerson, field::kGroup}, {}};
  c.kinds[EntityKind::kEvent] = {true, true, true, true, true,
                                 {field::kTitle, field::kDescription, field::kStart, field::kEnd,
                                  field::kTimezone, field::kAllDay, field::kLocation,
                                  field::kOnlineUrl, field::kStatus, field::kGroup},
                                 {}};
  // OCS has no change feed: users, groups and their members are listed whole each time
  // (events follow their calendars' sync-tokens, RFC 6578).
  c.listed_kinds = {EntityKind::kPerson, EntityKind::kGroup, EntityKind::kMembership};
  // addUser takes groups[]: a new account's memberships ride in its creation.
  c.fold_memberships_into = EntityKind::kPerson;
  return c;
}

NextcloudConnector::NextcloudConnector(Settings settings, http::HttpClientPtr http,
                                       std::shared_ptr<spdlog::logger> logger)
    : s_(std::move(settings)),
      http_(std::move(http)),
      logger_(std::move(logger)),
      nc_session_(http_.get(), s_.username, s_.app_password, "nextcloud"),
      cal_session_owned_(s_.caldav_username != s_.username || s_.caldav_password != s_.app_password
                             ? std::make_unique<Session>(http_.get(), s_.caldav_username,
                                                         s_.caldav_password, "caldav")
                             : nullptr),
      ocs_(&nc_session_, s_.url),
      files_(&nc_session_, s_.url + "/remote.php/dav/"),
      cal_(cal_session_owned_ ? cal_session_owned_.get() : &nc_session_, s_.caldav_url),
      url_path_(path_of(s_.url)),
      caps_(full_capabilities()) {
  nc_session_.set_timeout(s_.timeout);
  if (cal_session_owned_) cal_session_owned_->set_timeout(s_.timeout);
  auto& person = caps_.kinds[EntityKind::kPerson];
  person.remove = s_.person_delete == "delete";
  caps_.kinds[EntityKind::kGroup].remove = s_.group_delete == "delete";
  if (s_.calendar_template.empty()) caps_.kinds.erase(EntityKind::kEvent);
}

std::size_t NextcloudConnector::requests_made() const {
  return nc_session_.requests() + (cal_session_owned_ ? cal_session_owned_->requests() : 0);
}

bool NextcloudConnector::excluded_user(const std::string& uid) const {
  return uid == s_.username ||
         std::find(s_.exclude_users.begin(), s_.exclude_users.end(), uid) != s_.exclude_users.end();
}

bool NextcloudConnector::excluded_group(const std::string& gid) const {
  return std::find(s_.exclude_groups.begin(), s_.exclude_groups.end(), gid) != s_.exclude_groups.end();
}

std::string NextcloudConnector::files_path(const std::string& folder) const {
  std::string path = url_path_ + "/remote.php/dav/files/" + http::url_encode(s_.username);
  std::string segment;
  for (char c : folder + "/") {
    if (c == '/') {
      if (!segment.empty()) path += "/" + http::url_encode(segment);
      segment.clear();
    } else {
      segment.push_back(c);
    }
  }
  return path;
}

void NextcloudConnector::warn(const std::string& text) const {
  if (logger_) logger_->warn("nextcloud: {}", text);
}

Status NextcloudConnector::check() {
  // Listing users needs (sub)admin rights: a plain account gets 403 here (40), not later.
  auto users = ocs_.call_ok("GET", "/cloud/users", {{"limit", "1"}});
  if (!users) return std::move(users).error();
  if (!s_.calendar_template.empty()) {
    auto home = cal_.calendar_home();
    if (!home) return std::move(home).error();
  }
  return ok_status();
}

Result<ChangePage> NextcloudConnector::changes(EntityKind kind, const std::string& cursor,
                                               std::chrono::milliseconds /*wait*/) {
  switch (kind) {
    case EntityKind::kPerson: return person_changes(cursor);
    case EntityKind::kGroup: return group_changes();
    case EntityKind::kMembership: return membership_changes();
    case EntityKind::kEvent:
      if (s_.calendar_template.empty()) break;
      return event_changes(cursor);
    default: break;
  }
  ChangePage empty;
  empty.full_listing = false;
  return empty;
}

Result<std::vector<ExternalRecord>> NextcloudConnector::find(EntityKind kind, const Fields& keys) {
  if (kind == EntityKind::kPerson) return find_people(keys);
  if (kind == EntityKind::kGroup) return find_groups(keys);
  return std::vector<ExternalRecord>{};
}

std::vector<WriteResult> NextcloudConnector::apply(const std::vector<Write>& writes) {
  std::vector<WriteResult> out;
  out.reserve(writes.size());
  for (const auto& w : writes) {
    switch (w.kind) {
      case EntityKind::kPerson: out.push_back(apply_person(w)); break;
      case EntityKind::kGroup: out.push_back(apply_group(w)); break;
      case EntityKind::kMembership: out.push_back(apply_membership(w)); break;
      case EntityKind::kEvent:
        if (!s_.calendar_template.empty()) {
          out.push_back(apply_event(w));
          break;
        }
        [[fallthrough]];
      default: {
        WriteResult r;
        r.error = make_error(ErrorKind::kPermanent, std::string("nextcloud does not hold ") +
                                                        to_string(w.kind) + " records");
        out.push_back(std::move(r));
      }
    }
  }
  return out;
}

namespace {

ConnectorInfo nextcloud_info() {
  ConnectorInfo info;
  info.type = "nextcloud";
  info.summary = "Nextcloud: accounts, groups, shared group folders and group calendars";
  info.spec = settings_spec();
  info.capabilities = full_capabilities();
  info.make = [](const ConnectorContext& ctx) -> Result<ConnectorPtr> {
    auto settings = parse_settings(ctx.settings);
    if (!settings) return std::move(settings).error();
    http::ClientOptions options;
    options.system = ctx.name;
    auto http = ctx.make_http ? ctx.make_http(options) : http::make_curl_client(options);
    if (!http) return make_error(ErrorKind::kInternal, "nextcloud: no HTTP client");
    auto connector = std::make_unique<NextcloudConnector>(std::move(*settings), std::move(http), ctx.logger);
    connector->set_linked_version(ctx.linked_version);
    return ConnectorPtr(std::move(connector));
  };
  return info;
}

}  // namespace

COOPSYNC_REGISTER_CONNECTOR(nextcloud_info);

}  // namespace coopsync::nextcloud
