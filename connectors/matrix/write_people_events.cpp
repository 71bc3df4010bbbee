// Writes of persons (Matrix accounts) and events (announcements, edited not repeated).
#include "connectors/matrix/announce.hpp"
#include "connectors/matrix/identity.hpp"
#include "connectors/matrix/matrix_connector.hpp"

#include "core/model/normalize.hpp"

#include <algorithm>
#include <random>

namespace coopsync::matrix {

namespace {

WriteResult done(std::string external_id, bool adopted = false, std::string version = {}) {
  WriteResult r;
  r.external_id = std::move(external_id);
  r.adopted = adopted;
  r.version = std::move(version);
  return r;
}

constexpr int kAnnouncementScan = 100;  // recent messages searched for our marker

// Nobody will ever type it: the member sets their own through a reset or SSO.
std::string unusable_password() {
  static const char* alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
  std::random_device rd;
  std::string out;
  for (int i = 0; i < 40; ++i) out.push_back(alphabet[rd() % 57]);
  return out;
}
}  // namespace

Result<std::optional<std::string>> MatrixConnector::find_person(const Fields& fields) {
  const auto email = normalize_email(field_text(fields, field::kEmail));
  if (settings_.admin && email && !threepid_lookup_unsupported_) {
    auto by_email = client_.admin_user_by_email(*email);
    if (by_email.ok() && by_email->has_value()) return by_email;
    if (!by_email.ok()) {
      // Synapse 1.67 has no lookup by email (M_UNRECOGNIZED): fall back to the rule.
      if (by_email.error().kind != ErrorKind::kPermanent) return std::move(by_email).error();
      threepid_lookup_unsupported_ = true;
    }
  }
  auto user_id = person_user_id(settings_, fields);
  if (!user_id.ok()) return std::move(user_id).error();
  if (settings_.admin) {
    auto user = client_.admin_get_user(*user_id);
    if (!user.ok()) return std::move(user).error();
    if (!user->has_value()) return std::optional<std::string>();
    return std::optional<std::string>(*user_id);
  }
  auto profile = client_.profile_displayname(*user_id);
  if (!profile.ok()) return std::move(profile).error();
  if (!profile->has_value()) return std::optional<std::string>();
  return std::optional<std::string>(*user_id);
}

WriteResult MatrixConnector::write_person(const Write& w) {
  if (w.op == WriteOp::kCreate) {
    // Adopt before create, unless the engine read every account in this pass and none
    // matched (admin: the upsert below then keeps an account made since, by its id).
    auto found = w.listed && settings_.admin ? Result<std::optional<std::string>>(std::nullopt)
                                             : find_person(w.fields);
    if (!found.ok()) return WriteResult::failed(found.error());
    if (found->has_value()) {
      // What found it, for `links show`: the id the naming rule gives, or else the email.
      WriteResult r = done(**found, true);
      auto rule_id = person_user_id(settings_, w.fields);
      const auto email = normalize_email(field_text(w.fields, field::kEmail));
      if (rule_id.ok() && *rule_id == **found) {
        r.matched_key = "user_id";
        r.matched_value = **found;
      } else if (email) {
        r.matched_key = "email";
        r.matched_value = *email;
      }
      return r;
    }
    if (!settings_.admin) {
      auto id = person_user_id(settings_, w.fields);
      return WriteResult::failed(make_error(ErrorKind::kNotFound,
                             "matrix: no account " + (id.ok() ? *id : std::string("?")) +
                                 " yet, and creating accounts needs admin: true"));
    }
    auto user_id = person_user_id(settings_, w.fields);
    if (!user_id.ok()) return WriteResult::failed(user_id.error());
    json body = {{"displayname", field_text(w.fields, field::kDisplayName)}};
    if (auto email = normalize_email(field_text(w.fields, field::kEmail))) {
      body["threepids"] = {{{"medium", "email"}, {"address", *email}}};
    }
    auto user = client_.admin_put_user(*user_id, body);
    if (!user.ok()) return WriteResult::failed(user.error());
    if (user->deactivated && w.fields.value(field::kActive, true) == true) {
      // The upsert met a deactivated account of that id (the admin listing omits them):
      // reactivate it, or the next listing drops the link again every pass.
      user = client_.admin_put_user(*user_id,
                                    {{"deactivated", false}, {"password", unusable_password()}});
      if (!user.ok()) return WriteResult::failed(user.error());
    }
    return done(*user_id, false, listing_version(*user));
  }
  if (!settings_.admin) {
    return WriteResult::failed(make_error(ErrorKind::kPermanent, "matrix: changing accounts needs admin: true"));
  }
  if (w.op == WriteOp::kDisable || w.op == WriteOp::kDelete) {
    auto st = client_.admin_deactivate(w.external_id);
    if (!st.ok() && st.error().kind != ErrorKind::kNotFound) return WriteResult::failed(st.error());
    return done(w.external_id);
  }
  json body = json::object();
  if (w.fields.contains(field::kDisplayName)) body["displayname"] = field_text(w.fields, field::kDisplayName);
  if (w.fields.contains(field::kEmail)) {
    body["threepids"] = json::array();
    if (auto email = normalize_email(field_text(w.fields, field::kEmail))) {
      body["threepids"].push_back({{"medium", "email"}, {"address", *email}});
    }
  }
  // An update that makes the account inactive (the anonymised projection of an erasure)
  // deactivates it in the same request, as the admin API allows.
  const bool deactivate = w.op == WriteOp::kUpdate && w.fields.value(field::kActive, true) == false &&
                          std::find(w.changed.begin(), w.changed.end(), field::kActive) != w.changed.end();
  if (deactivate) body["deactivated"] = true;
  const bool active_changed =
      std::find(w.changed.begin(), w.changed.end(), field::kActive) != w.changed.end();
  const bool reactivate = w.fields.value(field::kActive, false) == true &&
                          (w.op == WriteOp::kEnable || active_changed);
  if (reactivate) {
    // A member back after leaving: Synapse 1.67 reactivates only with deactivated: false
    // and a password. A password sent to an active account would reset it and log its
    // devices out, so the account is read first (a read costs no rate limit).
    auto current = client_.admin_get_user(w.external_id);
    if (!current.ok()) return WriteResult::failed(current.error());
    if (current->has_value() && (*current)->deactivated) {
      body["deactivated"] = false;
      body["password"] = unusable_password();
    }
  }
  if (body.empty()) return done(w.external_id);
  auto user = client_.admin_put_user(w.external_id, body);
  if (!user.ok()) return WriteResult::failed(user.error());
  return done(w.external_id, false, listing_version(*user));
}

Result<std::optional<std::string>> MatrixConnector::find_announcement(const std::string& room_id,
                                                                      const std::string& entity_id) {
  auto page = client_.messages(room_id, "", kAnnouncementScan);
  if (!page.ok()) return std::move(page).error();
  for (const auto& ev : page->chunk) {
    if (ev.type != "m.room.message" || ev.sender != me_) continue;
    if (ev.content.contains("m.relates_to")) continue;  // an edit, not the announcement
    if (string_or(ev.content, kEntityKey) == entity_id) return std::optional<std::string>(ev.event_id);
  }
  return std::optional<std::string>();
}

WriteResult MatrixConnector::write_event(const Write& w) {
  std::string room_id;
  std::string event_id;
  if (const auto bar = w.external_id.find('|'); bar != std::string::npos) {
    room_id = w.external_id.substr(0, bar);
    event_id = w.external_id.substr(bar + 1);
  } else {
    room_id = field_text(w.fields, field::kGroup);
  }
  if (room_id.empty()) {
    return WriteResult::failed(make_error(ErrorKind::kPermanent,
                           "matrix: event " + w.entity_id + " has no organising group with a room"));
  }
  const bool cancel = w.op == WriteOp::kDisable || w.op == WriteOp::kDelete;
  const json content = announcement_content(announcement_text(settings_, w.fields, cancel), w.entity_id);
  // The txnId comes from the outbox key: a retry after a lost answer is the same
  // transaction, and the homeserver answers the first event id without posting again.
  const std::string txn = txn_id_for(w.key.empty() ? w.entity_id + "-" + to_string(w.op) : w.key);
  if (w.op == WriteOp::kCreate && event_id.empty()) {
    auto found = find_announcement(room_id, w.entity_id);
    if (!found.ok()) return WriteResult::failed(found.error());
    if (found->has_value()) return done(room_id + "|" + **found, true);
    auto sent = client_.send(room_id, "m.room.message", txn, content);
    if (!sent.ok()) return WriteResult::failed(sent.error());
    return done(room_id + "|" + *sent, false, *sent);
  }
  if (event_id.empty()) {
    return WriteResult::failed(make_error(ErrorKind::kInvalidInput, "matrix: event " + w.entity_id + " has no announcement id"));
  }
  auto sent = client_.send(room_id, "m.room.message", txn, edit_content(event_id, content));
  if (!sent.ok()) return WriteResult::failed(sent.error());
  return done(room_id + "|" + event_id, false, *sent);
}

}  // namespace coopsync::matrix
