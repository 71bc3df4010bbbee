#include "connectors/odoo/odoo_connector.hpp"
#include "connectors/odoo/domain.hpp"

#include "core/model/normalize.hpp"

#include <algorithm>
#include <chrono>

namespace coopsync::odoo {

namespace {

const std::string kPartner = "res.partner";
const std::string kEvent = "event.event";
const std::string kRegistration = "event.registration";

std::string write_date_of(const Value& row) {
  const Value* w = row.find("write_date");
  return w && w->as_string() ? *w->as_string() : std::string();
}

std::vector<std::string> with_write_date(std::vector<std::string> fields) {
  if (std::find(fields.begin(), fields.end(), "write_date") == fields.end()) fields.push_back("write_date");
  return fields;
}

}  // namespace

Capabilities odoo_capabilities() {
  Capabilities c;
  c.kinds[EntityKind::kPerson] = {true, true, true, true, true,
                                  {field::kGivenName, field::kFamilyName, field::kDisplayName, field::kEmail,
                                   field::kPhone, field::kLocale, field::kActive},
                                  {field::kEmail, field::kPhone, field::kDisplayName}};
  c.kinds[EntityKind::kGroup] = {true, true, true, false, true, {field::kName, field::kSlug, field::kParent},
                                 {field::kName, field::kSlug}};
  c.kinds[EntityKind::kMembership] = {true, true, false, true, true, {field::kPerson, field::kGroup, field::kRole},
                                      {field::kPerson, field::kGroup}};
  c.kinds[EntityKind::kEvent] = {true, true, true, true, true,
                                 {field::kTitle, field::kDescription, field::kStart, field::kEnd, field::kTimezone,
                                  field::kCapacity, field::kStatus, field::kGroup},
                                 {field::kTitle, field::kStart}};
  c.kinds[EntityKind::kRegistration] = {true, true, true, true, true, {field::kPerson, field::kEvent, field::kStatus},
                                        {field::kPerson, field::kEvent}};
  return c;
}

OdooConnector::OdooConnector(Settings settings, http::HttpClientPtr http)
    : s_(std::move(settings)), http_(std::move(http)), session_(s_, *http_), caps_(odoo_capabilities()) {
  if (!s_.member_number_field.empty()) {  // the member's number: held, and a key to adopt by
    caps_.kinds[EntityKind::kPerson].fields.emplace_back(field::kMemberNumber);
    caps_.kinds[EntityKind::kPerson].match_keys.emplace_back(field::kMemberNumber);
  }
}

Status OdooConnector::check() {
  if (auto st = session_.connect(); !st) return st;
  auto f = session_.fields(kPartner);
  if (!f) return std::move(f).error();
  if (meetings_.enabled) {  // meetings need the calendar module (and read access to it)
    auto m = session_.fields(kMeetingModel);
    if (!m) return std::move(m).error();
  }
  return ok_status();
}

const std::string& OdooConnector::model_of(EntityKind kind) const {
  switch (kind) {
    case EntityKind::kGroup: return s_.group_model;
    case EntityKind::kEvent: return kEvent;
    case EntityKind::kRegistration: return kRegistration;
    default: return kPartner;
  }
}

Result<std::optional<std::int64_t>> OdooConnector::member_tag(bool create) {
  if (s_.member_tag.empty()) return std::optional<std::int64_t>{};
  if (member_tag_) return member_tag_;
  auto ids = session_.search("res.partner.category", {leaf("name", "=", Value(s_.member_tag))}, {0, 1, "id asc", false});
  if (!ids) return std::move(ids).error();
  if (!ids->empty()) {
    member_tag_ = ids->front();
  } else if (create) {
    auto made = session_.create("res.partner.category", {Struct{{"name", Value(s_.member_tag)}}});
    if (!made) return std::move(made).error();
    member_tag_ = made->front();
  }
  return member_tag_;
}

Result<Array> OdooConnector::person_scope() {
  Array domain{leaf("is_company", "=", Value(false))};
  if (!s_.member_tag.empty()) {
    auto tag = member_tag(false);
    if (!tag) return std::move(tag).error();
    // No such tag yet: nobody is in scope.
    domain.push_back(*tag ? leaf("category_id", "in", Value(Array{Value(**tag)})) : leaf("id", "=", Value(0)));
  }
  return concat(std::move(domain), s_.person_domain);
}

Array OdooConnector::group_scope() const {
  Array domain;
  if (!s_.group_prefix.empty()) domain.push_back(leaf("name", "=like", Value(s_.group_prefix + "%")));
  if (!s_.group_parent.empty()) domain.push_back(leaf("parent_id.name", "=", Value(s_.group_parent)));
  if (!s_.member_tag.empty() && s_.group_model == "res.partner.category") {
    domain.push_back(leaf("name", "!=", Value(s_.member_tag)));
  }
  return domain;
}

Result<std::set<std::int64_t>> OdooConnector::group_ids() {
  auto ids = session_.search(s_.group_model, group_scope());
  if (!ids) return std::move(ids).error();
  return std::set<std::int64_t>(ids->begin(), ids->end());
}

Result<MapContext> OdooConnector::map_context() {
  MapContext ctx;
  ctx.default_region = s_.default_region;
  ctx.group_prefix = s_.group_prefix;
  return ctx;
}

Result<OdooConnector::Feed> OdooConnector::feed_for(EntityKind kind) {
  Feed f{kind, model_of(kind), {}, {}};
  std::vector<std::string> wanted;
  switch (kind) {
    case EntityKind::kPerson:
    case EntityKind::kMembership: {
      auto scope = person_scope();
      if (!scope) return std::move(scope).error();
      f.scope = std::move(*scope);
      wanted = kind == EntityKind::kPerson ? person_fields()
                                           : std::vector<std::string>{"category_id", "active", "write_date"};
      if (kind == EntityKind::kPerson && !s_.member_number_field.empty()) wanted.push_back(s_.member_number_field);
      break;
    }
    case EntityKind::kGroup: f.scope = group_scope(); wanted = group_fields(); break;
    case EntityKind::kEvent:
      // An archived event is a cancelled one (event_from_odoo), not a deleted one.
      f.scope = concat(s_.event_domain, {leaf("active", "in", Value(Array{Value(true), Value(false)}))});
      wanted = event_fields();
      break;
    case EntityKind::kRegistration: wanted = registration_fields(); break;
  }
  auto fields = session_.existing_fields(f.model, wanted);  // fields_get once per model
  if (!fields) return std::move(fields).error();
  f.fields = with_write_date(std::move(*fields));
  return f;
}

Result<OdooConnector::FeedPage> OdooConnector::feed(const Feed& f, const std::string& cursor_text) {
  // The server's clock at its last answer, before this page's query: a lower bound of the
  // moment the query reads at.
  const std::string before = session_.server_time();
  Cursor c;
  if (cursor_text.empty()) {
    // Where the incremental phase will start: the newest change when the listing begins.
    auto newest = session_.search_read(f.model, {}, {"write_date"}, {0, 1, "write_date desc", false});
    if (!newest) return std::move(newest).error();
    c.full = true;
    c.settled = before;
    c.start = newest->empty() ? kOdooEpoch : write_date_of(newest->front());
    if (c.start.empty()) c.start = kOdooEpoch;
  } else {
    auto decoded = Cursor::decode(cursor_text);
    if (!decoded) return std::move(decoded).error();
    c = std::move(*decoded);
  }
  const int page = s_.page_size;
  // The records of seconds before this one, read now, cannot change again in their second
  // (no transaction begun in it is still open, the overlap being its longest life).
  const std::string closed =
      before.empty() ? std::string() : odoo_seconds_before(before, s_.cursor_overlap_seconds);
  FeedPage out;
  if (c.full) {
    auto rows = session_.search_read(f.model, concat(f.scope, {leaf("id", ">", Value(c.after))}), f.fields,
                                     {0, page, "id asc", true});
    if (!rows) return std::move(rows).error();
    out.rows = std::move(*rows);
    for (const auto& r : out.rows) out.in_scope.insert(*r.find("id")->as_int());
    out.page.full_listing = true;
    out.page.has_more = static_cast<int>(out.rows.size()) == page;
    Cursor next;
    next.settled = c.settled;
    next.read = std::move(c.read);
    for (const auto& r : out.rows) next.remember(*r.find("id")->as_int(), write_date_of(r), closed);
    if (out.page.has_more) {
      next.full = true;
      next.after = *out.rows.back().find("id")->as_int();
      next.start = c.start;
    } else {
      next.since = c.start;
    }
    // Only what the first incremental pass can read again is worth remembering.
    Cursor first_pass;
    first_pass.since = c.start;
    first_pass.settled = c.settled;
    next.tidy(first_pass.window_start(s_.cursor_overlap_seconds));
    out.page.cursor = next.encode();
    return out;
  }
  Array domain;
  if (c.second.empty()) {
    // A new pass: what the last pass may have missed. Without its start time: the overlap
    // before the newest second it read. With it: whatever was written after `since`, and
    // what a transaction still open when it began could have written (from the overlap
    // before its start on) -- nothing older, however many records share `since`.
    const std::string from = c.window_start(s_.cursor_overlap_seconds);
    c.settled = before;
    domain = concat({leaf("write_date", ">=", Value(from))}, c.unread_terms(from));
  } else {
    // The next page of this pass: strictly after what it read, at second precision.
    domain = concat({leaf("write_date", ">=", Value(c.second)), Value("|"),
                     leaf("write_date", ">=", Value(*odoo_next_second(c.second))),
                     leaf("id", "not in", Value(ids_value(c.seen)))},
                    c.unread_terms(c.second));
  }
  auto rows = session_.search_read(f.model, domain, f.fields, {0, page, "write_date asc, id asc", false});
  if (!rows) return std::move(rows).error();
  out.rows = std::move(*rows);
  std::vector<std::int64_t> ids;
  for (const auto& r : out.rows) ids.push_back(*r.find("id")->as_int());
  if (!ids.empty()) {
    auto live = session_.search(f.model, concat(f.scope, {leaf("id", "in", Value(ids_value(ids)))}));
    if (!live) return std::move(live).error();
    out.in_scope.insert(live->begin(), live->end());
  }
  Cursor next = c;
  for (const auto& r : out.rows) {
    const std::string w = write_date_of(r);
    if (w.empty()) continue;
    if (w != next.second) {
      next.second = w;
      next.seen.clear();
    }
    next.seen.push_back(*r.find("id")->as_int());
    next.remember(*r.find("id")->as_int(), w, closed);
  }
  out.page.has_more = static_cast<int>(out.rows.size()) == page;
  if (!out.page.has_more) {
    // The pass is done: the next one starts again from the newest second it read (never
    // earlier than this one did, so idle passes do not drift back).
    next.since = std::max(next.since, next.second);
    next.second.clear();
    next.seen.clear();
    next.tidy(next.window_start(s_.cursor_overlap_seconds));
  } else {
    // This pass's next pages read from `second` on, the next pass from its window.
    Cursor ended = next;
    ended.since = std::max(next.since, next.second);
    next.tidy(std::min(next.second, ended.window_start(s_.cursor_overlap_seconds)));
  }
  out.page.cursor = next.encode();
  return out;
}

ExternalRecord OdooConnector::to_record(EntityKind kind, const Value& row, const MapContext& ctx) const {
  ExternalRecord r;
  r.kind = kind;
  r.external_id = std::to_string(*row.find("id")->as_int());
  r.version = write_date_of(row);
  if (auto iso = odoo_to_iso(r.version)) r.updated_at = *iso;
  switch (kind) {
    case EntityKind::kPerson:
      r.fields = person_from_odoo(row, ctx);
      if (!s_.member_number_field.empty()) {
        const std::string* number = row_text(row, s_.member_number_field.c_str());
        r.fields[field::kMemberNumber] =
            number && !number->empty() ? nlohmann::json(*number) : nlohmann::json(nullptr);
      }
      break;
    case EntityKind::kGroup: r.fields = group_from_odoo(row, ctx); break;
    case EntityKind::kEvent: r.fields = event_from_odoo(row, ctx); break;
    case EntityKind::kRegistration: r.fields = registration_from_odoo(row); break;
    default: break;
  }
  return r;
}

// The feed of one model; changes() (meetings_sync.cpp) adds calendar.event when enabled.
Result<ChangePage> OdooConnector::model_changes(EntityKind kind, const std::string& cursor) {
  if (kind == EntityKind::kMembership) return membership_changes(cursor);
  auto f = feed_for(kind);
  if (!f) return std::move(f).error();
  auto fp = feed(*f, cursor);
  if (!fp) return std::move(fp).error();
  auto ctx = map_context();
  if (!ctx) return std::move(ctx).error();
  if (kind == EntityKind::kGroup) {
    auto groups = group_ids();
    if (!groups) return std::move(groups).error();
    ctx->group_ids = std::move(*groups);
  }
  if (kind == EntityKind::kEvent) {
    event_tags_.group_of_tag.reset();  // tags may have been renamed since the last page
    auto tags = event_tag_groups();
    if (!tags) return std::move(tags).error();
    ctx->event_tag_groups = **tags;
  }
  ChangePage page = std::move(fp->page);
  for (const auto& row : fp->rows) {
    ExternalRecord r = to_record(kind, row, *ctx);
    // Out of scope (tag removed, archived, outside the domain): gone for coopsync.
    r.deleted = !fp->in_scope.count(*row.find("id")->as_int());
    page.records.push_back(std::move(r));
  }
  return page;
}

Result<ChangePage> OdooConnector::membership_changes(const std::string& cursor) {
  auto f = feed_for(EntityKind::kMembership);
  if (!f) return std::move(f).error();
  auto fp = feed(*f, cursor);
  if (!fp) return std::move(fp).error();
  auto groups = group_ids();
  if (!groups) return std::move(groups).error();
  ChangePage page = std::move(fp->page);
  for (const auto& row : fp->rows) {
    const std::int64_t pid = *row.find("id")->as_int();
    const auto cats = row.find("category_id") ? id_list(*row.find("category_id")) : std::vector<std::int64_t>{};
    const bool in_scope = fp->in_scope.count(pid) > 0;
    for (const auto g : *groups) {
      const bool member = in_scope && std::find(cats.begin(), cats.end(), g) != cats.end();
      if (!member && page.full_listing) continue;  // a full listing lists what exists
      ExternalRecord r;
      r.kind = EntityKind::kMembership;
      r.external_id = std::to_string(pid) + ":" + std::to_string(g);
      r.version = write_date_of(row);
      r.fields = {{field::kPerson, std::to_string(pid)}, {field::kGroup, std::to_string(g)}, {field::kRole, "member"}};
      r.deleted = !member;
      page.records.push_back(std::move(r));
    }
  }
  return page;
}

Result<std::vector<ExternalRecord>> OdooConnector::find(EntityKind kind, const Fields& keys) {
  auto text = [&](const char* k) -> std::string {
    return keys.contains(k) && keys[k].is_string() ? keys[k].get<std::string>() : std::string();
  };
  Array domain;
  switch (kind) {
    case EntityKind::kPerson: {
      domain.push_back(leaf("is_company", "=", Value(false)));
      // The first of the configured keys (person_match) given, else the phone, else the name.
      auto key = std::find_if(s_.person_match.begin(), s_.person_match.end(),
                              [&](const std::string& k) { return !text(k.c_str()).empty(); });
      if (key != s_.person_match.end()) {
        domain.push_back(*key == field::kEmail
                             ? leaf("email", "=ilike", Value(text(field::kEmail)))
                             : leaf(s_.member_number_field.c_str(), "=", Value(text(field::kMemberNumber))));
      } else if (!text(field::kPhone).empty()) {
        domain.push_back(leaf("phone", "=", Value(text(field::kPhone))));
      } else if (!text(field::kDisplayName).empty()) {
        domain.push_back(leaf("name", "=ilike", Value(text(field::kDisplayName))));
      } else {
        return std::vector<ExternalRecord>{};
      }
      break;
    }
    case EntityKind::kGroup:
      domain = group_scope();
      break;
    case EntityKind::kEvent:
      if (text(field::kTitle).empty()) return std::vector<ExternalRecord>{};
      domain.push_back(leaf("name", "=", Value(text(field::kTitle))));
      if (auto start = iso_to_odoo(text(field::kStart))) domain.push_back(leaf("date_begin", "=", Value(*start)));
      break;
    case EntityKind::kRegistration:
    case EntityKind::kMembership: {
      auto person = parse_id(text(field::kPerson));
      auto other = parse_id(text(kind == EntityKind::kMembership ? field::kGroup : field::kEvent));
      if (!person || !other) return std::vector<ExternalRecord>{};
      if (kind == EntityKind::kMembership) {
        domain = {leaf("id", "=", Value(*person)), leaf("category_id", "in", Value(Array{Value(*other)}))};
        auto hit = session_.search(kPartner, domain, {0, 1, "", false});
        if (!hit) return std::move(hit).error();
        std::vector<ExternalRecord> out;
        if (!hit->empty()) {
          ExternalRecord r;
          r.kind = kind;
          r.external_id = text(field::kPerson) + ":" + text(field::kGroup);
          r.fields = {{field::kPerson, text(field::kPerson)}, {field::kGroup, text(field::kGroup)}, {field::kRole, "member"}};
          out.push_back(std::move(r));
        }
        return out;
      }
      domain = {leaf("partner_id", "=", Value(*person)), leaf("event_id", "=", Value(*other))};
      break;
    }
  }
  auto f = feed_for(kind);
  if (!f) return std::move(f).error();
  auto rows = session_.search_read(model_of(kind), domain, f->fields, {0, 20, "id asc", false});
  if (!rows) return std::move(rows).error();
  auto ctx = map_context();
  if (!ctx) return std::move(ctx).error();
  if (kind == EntityKind::kEvent) {
    auto tags = event_tag_groups();
    if (!tags) return std::move(tags).error();
    ctx->event_tag_groups = **tags;
  }
  std::vector<ExternalRecord> out;
  for (const auto& row : *rows) {
    ExternalRecord r = to_record(kind, row, *ctx);
    if (kind == EntityKind::kGroup) {
      const bool same_name = !text(field::kName).empty() && r.fields[field::kName] == text(field::kName);
      const bool same_slug = !text(field::kSlug).empty() && r.fields[field::kSlug] == text(field::kSlug);
      if (!same_name && !same_slug) continue;
    }
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace coopsync::odoo
