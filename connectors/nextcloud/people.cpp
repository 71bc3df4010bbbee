// Person <-> Nextcloud user (OCS Provisioning API).
#include "connectors/nextcloud/naming.hpp"
#include "connectors/nextcloud/nextcloud_connector.hpp"
#include "core/model/normalize.hpp"

#include <sys/random.h>

#include <random>

namespace coopsync::nextcloud {
namespace {

// The fields coopsync holds for a user, in one fixed shape so that the version computed
// after a write equals the one the next listing computes.
Fields person_projection(const std::string& email, const std::string& display, bool active) {
  Fields f = Fields::object();
  auto norm = normalize_email(email);
  f[field::kEmail] = norm ? Fields(*norm) : (email.empty() ? Fields(nullptr) : Fields(email));
  f[field::kDisplayName] = display;
  f[field::kActive] = active;
  return f;
}

// Nextcloud needs a password (or an email to mail a link); nobody will ever type this one.
// 29 characters from the kernel's CSPRNG: one getrandom() for the lot (a std::random_device
// per password opened the source and read it 29 times: 2% of a 10,000-account first sync).
std::string random_password() {
  static const char* alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
  std::string out = "Cs-";
  unsigned char buf[64];
  while (out.size() < 3 + 29) {
    ssize_t got = getrandom(buf, sizeof buf, 0);
    if (got <= 0) {  // not expected on Linux >= 3.17; the slow path rather than no password
      std::random_device rd;
      for (auto& b : buf) b = static_cast<unsigned char>(rd());
      got = sizeof buf;
    }
    for (ssize_t i = 0; i < got && out.size() < 3 + 29; ++i) {
      if (buf[i] < 228) out.push_back(alphabet[buf[i] % 57]);  // 228 = 4 * 57: no bias
    }
  }
  return out + "-9a";
}

bool bool_of(const nlohmann::json& v, bool fallback) {
  if (v.is_boolean()) return v.get<bool>();
  if (v.is_string()) return v.get<std::string>() == "1" || v.get<std::string>() == "true";
  if (v.is_number_integer()) return v.get<int>() != 0;
  return fallback;
}

}  // namespace

std::optional<ExternalRecord> NextcloudConnector::user_record(const std::string& uid,
                                                              const nlohmann::json& d) const {
  if (!d.is_object() || excluded_user(uid)) return std::nullopt;
  ExternalRecord r;
  r.kind = EntityKind::kPerson;
  r.external_id = uid;
  std::string display = field_text(d, "displayname");
  if (display.empty()) display = field_text(d, "display-name");
  r.fields = person_projection(field_text(d, "email"), display,
                               bool_of(d.value("enabled", nlohmann::json(true)), true));
  r.version = fields_version(r.fields);
  return r;
}

Result<ChangePage> NextcloudConnector::person_changes(const std::string& cursor) {
  long offset = 0;
  if (!cursor.empty()) {
    char* end = nullptr;
    offset = std::strtol(cursor.c_str(), &end, 10);
    if (end == cursor.c_str() || *end != '\0' || offset < 0) offset = 0;  // stale cursor: restart
  }
  auto data = ocs_.call_ok("GET", "/cloud/users/details",
                           {{"limit", std::to_string(s_.page_size)}, {"offset", std::to_string(offset)}});
  if (!data) return std::move(data).error();
  ChangePage page;
  page.full_listing = true;
  std::size_t seen = 0;
  const auto users = data->is_object() ? data->value("users", nlohmann::json()) : nlohmann::json();
  if (users.is_object()) {  // an empty listing is `[]`, not `{}`
    for (const auto& [uid, details] : users.items()) {
      ++seen;
      if (auto rec = user_record(uid, details)) page.records.push_back(std::move(*rec));
    }
  } else if (!users.is_array()) {
    return make_error(ErrorKind::kInvalidInput, "GET /cloud/users/details: no users object");
  }
  page.has_more = seen >= static_cast<std::size_t>(s_.page_size);
  page.cursor = page.has_more ? std::to_string(offset + static_cast<long>(seen)) : "";
  return page;
}

Result<std::optional<ExternalRecord>> NextcloudConnector::read_user(const std::string& uid) {
  auto reply = ocs_.call("GET", "/cloud/users/" + http::url_encode(uid));
  if (!reply) return std::move(reply).error();
  if (reply->ocs_status == 404 || reply->ocs_status == 998) return std::optional<ExternalRecord>{};
  if (!reply->ok()) {
    http::Response none;
    return ocs_error(*reply, none, "GET /cloud/users/" + uid);
  }
  if (auto rec = user_record(uid, reply->data)) return std::optional<ExternalRecord>(std::move(*rec));
  return make_error(ErrorKind::kPermanent, "user " + uid + " is excluded from sync");
}

Result<std::vector<ExternalRecord>> NextcloudConnector::find_people(const Fields& keys) {
  std::vector<ExternalRecord> out;
  auto email = normalize_email(field_text(keys, field::kEmail));
  if (!email) return out;
  auto data = ocs_.call_ok("GET", "/cloud/users/details",
                           {{"search", *email}, {"limit", "20"}, {"offset", "0"}});
  if (!data) return std::move(data).error();
  const auto users = data->is_object() ? data->value("users", nlohmann::json()) : nlohmann::json();
  if (!users.is_object()) return out;
  for (const auto& [uid, details] : users.items()) {
    auto rec = user_record(uid, details);
    if (rec && rec->fields[field::kEmail] == *email) out.push_back(std::move(*rec));
  }
  return out;
}

WriteResult NextcloudConnector::apply_person(const Write& w) {
  Result<WriteResult> r = WriteResult{};
  switch (w.op) {
    case WriteOp::kCreate: r = create_person(w); break;
    case WriteOp::kUpdate: r = update_person(w); break;
    case WriteOp::kDisable:
    case WriteOp::kEnable:
    case WriteOp::kDelete: {
      std::string action = w.op == WriteOp::kEnable ? "enable" : "disable";
      if (w.op == WriteOp::kDelete) {
        if (s_.person_delete == "ignore") return WriteResult{std::nullopt, w.external_id, w.version, false};
        if (s_.person_delete == "delete") action = "delete";
      }
      if (excluded_user(w.external_id)) {
        r = make_error(ErrorKind::kPermanent, "user " + w.external_id + " is excluded from sync");
        break;
      }
      const std::string path = "/cloud/users/" + http::url_encode(w.external_id);
      auto reply = action == "delete" ? ocs_.call("DELETE", path) : ocs_.call("PUT", path + "/" + action);
      if (!reply) {
        r = std::move(reply).error();
      } else if (action == "delete" && (reply->ocs_status == 998 || reply->ocs_status == 404)) {
        r = WriteResult{std::nullopt, w.external_id, "", false};  // already gone
      } else if (!reply->ok()) {
        http::Response none;
        r = ocs_error(*reply, none, action + " user " + w.external_id);
      } else {
        WriteResult ok{std::nullopt, w.external_id, "", false};
        if (action != "delete") {
          auto cur = read_user(w.external_id);
          if (cur && *cur) ok.version = (*cur)->version;
        }
        r = ok;
      }
      break;
    }
  }
  if (!r) {
    WriteResult failed;
    failed.error = std::move(r).error();
    failed.external_id = w.external_id;
    return failed;
  }
  return std::move(*r);
}

Result<WriteResult> NextcloudConnector::create_person(const Write& w) {
  // Adopt before create: an account with this email is this person. Not looked up when
  // the engine read every account in this pass and none matched (an id taken since still
  // adopts on the 102 answer below).
  if (!w.listed) {
    auto found = find_people(w.fields);
    if (!found) return std::move(found).error();
    if (!found->empty()) {
      return WriteResult{std::nullopt, found->front().external_id, found->front().version, true};
    }
  }
  const std::string base = user_id_for(s_.user_id_rule, w.fields);
  if (base.empty()) {
    return make_error(ErrorKind::kPermanent, "cannot make a user id (" + s_.user_id_rule +
                                                 ") for entity " + w.entity_id);
  }
  const std::string email = field_text(w.fields, field::kEmail);
  std::string display = field_text(w.fields, field::kDisplayName);
  const bool active = !w.fields.contains(field::kActive) || bool_of(w.fields[field::kActive], true);
  // The memberships planned with it go in the creation as groups[] (07, 08). A group
  // refused there (104: gone since; 105: not ours to fill) refuses the whole creation
  // before the account is made (11): then it is made without them, and they go on their own.
  bool with_groups = !w.memberships.empty();
  for (int n = 1; n <= 20; ++n) {
    const std::string uid = n == 1 ? base : base + std::to_string(n);
    if (excluded_user(uid)) continue;
    Params form{{"userid", uid}};
    if (!(s_.welcome_email && !email.empty())) form.emplace_back("password", random_password());
    if (!display.empty()) form.emplace_back("displayName", display);
    if (!email.empty()) form.emplace_back("email", email);
    if (with_groups) {
      for (const auto& m : w.memberships) form.emplace_back("groups[]", m.other);
    }
    auto reply = ocs_.call("POST", "/cloud/users", {}, form);
    if (!reply) return std::move(reply).error();
    if (with_groups && (reply->ocs_status == 104 || reply->ocs_status == 105)) {
      with_groups = false;
      --n;  // the same id again, without the groups
      continue;
    }
    if (reply->ocs_status == 102) {  // 09: the id is taken; the same person, or someone else?
      auto existing = read_user(uid);
      if (!existing) return std::move(existing).error();
      auto mine = normalize_email(email);
      if (*existing && mine && (*existing)->fields[field::kEmail] == *mine) {
        return WriteResult{std::nullopt, uid, (*existing)->version, true};
      }
      if (s_.user_id_collision == "fail") {
        return make_error(ErrorKind::kConflict, "user id " + uid + " is taken by another account");
      }
      continue;
    }
    if (!reply->ok()) {
      http::Response none;
      return ocs_error(*reply, none, "create user " + uid);
    }
    if (display.empty()) display = uid;  // Nextcloud shows the id when no name is given
    if (!active) {
      auto off = ocs_.call_ok("PUT", "/cloud/users/" + http::url_encode(uid) + "/disable");
      if (!off) return std::move(off).error();
    }
    WriteResult made{std::nullopt, uid, fields_version(person_projection(email, display, active)),
                     false};
    for (const auto& m : w.memberships) {
      WriteResult joined;
      if (with_groups) {
        joined.external_id = uid + ":" + m.other;  // as membership_changes() names it
        joined.version = "1";
      }
      made.memberships.push_back(std::move(joined));
    }
    return made;
  }
  return make_error(ErrorKind::kConflict, "no free user id from " + base + " to " + base + "20");
}

Result<WriteResult> NextcloudConnector::update_person(const Write& w) {
  auto cur = read_user(w.external_id);
  if (!cur) return std::move(cur).error();
  if (!*cur) return make_error(ErrorKind::kNotFound, "user " + w.external_id + " does not exist");
  Fields now = (*cur)->fields;
  const std::string path = "/cloud/users/" + http::url_encode(w.external_id);
  if (w.fields.contains(field::kEmail)) {
    const std::string email = field_text(w.fields, field::kEmail);
    auto norm = normalize_email(email);
    if (Fields(norm ? Fields(*norm) : Fields(email)) != now[field::kEmail]) {
      auto r = ocs_.call_ok("PUT", path, {}, {{"key", "email"}, {"value", email}});
      if (!r) return std::move(r).error();
      now[field::kEmail] = norm ? Fields(*norm) : Fields(email);
    }
  }
  if (w.fields.contains(field::kDisplayName)) {
    const std::string display = field_text(w.fields, field::kDisplayName);
    if (!display.empty() && display != now[field::kDisplayName]) {
      auto r = ocs_.call_ok("PUT", path, {}, {{"key", "displayname"}, {"value", display}});
      if (!r) return std::move(r).error();
      now[field::kDisplayName] = display;
    }
  }
  if (w.fields.contains(field::kActive) && w.fields[field::kActive].is_boolean()) {
    const bool active = w.fields[field::kActive].get<bool>();
    if (active != now[field::kActive].get<bool>()) {
      auto r = ocs_.call_ok("PUT", path + (active ? "/enable" : "/disable"));
      if (!r) return std::move(r).error();
      now[field::kActive] = active;
    }
  }
  return WriteResult{std::nullopt, w.external_id, fields_version(now), false};
}

}  // namespace coopsync::nextcloud
