#include "connectors/odoo/mapping.hpp"
#include "connectors/odoo/domain.hpp"

#include "core/model/normalize.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstring>

namespace coopsync::odoo {

namespace {

nlohmann::json str_or_null(const Value& row, const char* name) {
  const std::string* s = row_text(row, name);
  return s != nullptr && !s->empty() ? nlohmann::json(*s) : nlohmann::json(nullptr);
}

Value text_or_false(const Fields& f, const char* name) {
  if (!f.contains(name) || !f[name].is_string() || f[name].get<std::string>().empty()) return Value(false);
  return Value(f[name].get<std::string>());
}

Value instant_or_false(const Fields& f, const char* name) {
  if (!f.contains(name) || !f[name].is_string()) return Value(false);
  auto odoo = iso_to_odoo(f[name].get<std::string>());
  return odoo ? Value(*odoo) : Value(false);
}

Value ref_or_false(const Fields& f, const char* name) {
  if (!f.contains(name) || !f[name].is_string()) return Value(false);
  auto id = parse_id(f[name].get<std::string>());
  return id ? Value(*id) : Value(false);
}

std::string m2o_text(const Value& row, const char* name) {
  auto id = row.find(name) ? many2one_id(*row.find(name)) : std::nullopt;
  return id ? std::to_string(*id) : std::string();
}

}  // namespace

std::optional<std::string> odoo_to_iso(const std::string& odoo) {
  auto t = parse_instant(odoo);
  if (!t) return std::nullopt;
  return format_instant(*t);
}

std::optional<std::string> iso_to_odoo(const std::string& iso) {
  auto t = parse_instant(iso);
  if (!t) return std::nullopt;
  return format_odoo_datetime(*t);
}

std::optional<std::string> odoo_next_second(const std::string& odoo) {
  auto t = parse_instant(odoo);
  if (!t) return std::nullopt;
  return format_odoo_datetime(*t + std::chrono::seconds(1));
}

std::optional<std::int64_t> parse_id(const std::string& external_id) {
  std::int64_t id = 0;
  const auto [ptr, ec] = std::from_chars(external_id.data(), external_id.data() + external_id.size(), id);
  if (ec != std::errc() || ptr != external_id.data() + external_id.size() || id <= 0) return std::nullopt;
  return id;
}

std::pair<std::string, std::string> split_name(const std::string& name) {
  std::string trimmed = name;
  while (!trimmed.empty() && std::isspace(static_cast<unsigned char>(trimmed.back()))) trimmed.pop_back();
  const auto start = trimmed.find_first_not_of(" \t");
  trimmed = start == std::string::npos ? "" : trimmed.substr(start);
  const auto space = trimmed.rfind(' ');
  if (space == std::string::npos) return {trimmed, ""};
  std::string given = trimmed.substr(0, space);
  while (!given.empty() && given.back() == ' ') given.pop_back();
  return {given, trimmed.substr(space + 1)};
}

std::string slugify(const std::string& name) {
  std::string out;
  bool dash = false;
  for (unsigned char c : name) {
    if (std::isalnum(c)) {
      out += static_cast<char>(std::tolower(c));
      dash = false;
    } else if (c >= 0x80) {
      out += static_cast<char>(c);  // keep UTF-8 letters (é) as they are
      dash = false;
    } else if (!out.empty() && !dash) {
      out += '-';
      dash = true;
    }
  }
  while (!out.empty() && out.back() == '-') out.pop_back();
  return out;
}

std::string html_to_text(const std::string& html) {
  std::string out;
  bool in_tag = false;
  for (std::size_t i = 0; i < html.size(); ++i) {
    const char c = html[i];
    if (c == '<') {
      in_tag = true;
      const std::string rest = html.substr(i, 5);
      if ((rest.rfind("<br", 0) == 0 || rest.rfind("</p", 0) == 0) && !out.empty() && out.back() != '\n') out += '\n';
    } else if (c == '>') {
      in_tag = false;
    } else if (!in_tag) {
      // HTML text: a run of white space (source line breaks and indentation included) is
      // one space; lines break at <br> and </p> only.
      if (std::isspace(static_cast<unsigned char>(c))) {
        if (!out.empty() && out.back() != '\n' && out.back() != ' ') out += ' ';
      } else {
        out += c;
      }
    }
    if (c == '<' && !out.empty() && out.back() == '\n' && out.size() >= 2 && out[out.size() - 2] == ' ') {
      out.erase(out.size() - 2, 1);  // no space before a line break
    }
  }
  const std::pair<const char*, const char*> entities[] = {{"&lt;", "<"}, {"&gt;", ">"}, {"&quot;", "\""}, {"&#39;", "'"}, {"&nbsp;", " "}, {"&amp;", "&"}};
  for (const auto& [from, to] : entities) {
    for (auto p = out.find(from); p != std::string::npos; p = out.find(from, p + 1)) out.replace(p, std::strlen(from), to);
  }
  while (!out.empty() && std::isspace(static_cast<unsigned char>(out.back()))) out.pop_back();
  return out;
}

std::string text_to_html(const std::string& text) {
  std::string out = "<p>";
  for (char c : text) {
    switch (c) {
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '&': out += "&amp;"; break;
      case '\n': out += "<br>"; break;
      default: out += c;
    }
  }
  return out + "</p>";
}

std::vector<std::string> person_fields() {
  return {"name", "email", "phone", "mobile", "lang", "active", "category_id", "write_date"};
}
std::vector<std::string> group_fields() { return {"name", "parent_id", "active", "write_date"}; }
std::vector<std::string> event_fields() {
  return {"name", "date_begin", "date_end", "date_tz", "seats_limited", "seats_max", "active",
          "description", "tag_ids", "write_date"};
}
std::vector<std::string> registration_fields() {
  return {"event_id", "partner_id", "state", "active", "write_date"};
}

Fields person_from_odoo(const Value& row, const MapContext& ctx) {
  Fields f = Fields::object();
  const std::string* name = row_text(row, "name");
  f[field::kDisplayName] = name ? nlohmann::json(*name) : nlohmann::json(nullptr);
  auto [given, family] = split_name(name ? *name : "");
  f[field::kGivenName] = given.empty() ? nlohmann::json(nullptr) : nlohmann::json(given);
  f[field::kFamilyName] = family.empty() ? nlohmann::json(nullptr) : nlohmann::json(family);
  if (const std::string* email = row_text(row, "email"); email && !email->empty()) {
    auto normal = normalize_email(*email);
    f[field::kEmail] = normal ? *normal : *email;
  } else {
    f[field::kEmail] = nullptr;
  }
  const std::string* phone = row_text(row, "phone");
  if (phone == nullptr || phone->empty()) phone = row_text(row, "mobile");  // mobile: Odoo < 18
  if (phone && !phone->empty()) {
    auto e164 = normalize_phone(*phone, ctx.default_region);
    f[field::kPhone] = e164 ? *e164 : *phone;
  } else {
    f[field::kPhone] = nullptr;
  }
  f[field::kLocale] = str_or_null(row, "lang");
  const Value* active = row.find("active");
  f[field::kActive] = active == nullptr || active->as_bool().value_or(true);
  return f;
}

Fields group_from_odoo(const Value& row, const MapContext& ctx) {
  Fields f = Fields::object();
  const std::string name = row_text(row, "name") ? *row_text(row, "name") : "";
  f[field::kName] = name;
  std::string base = name;
  if (!ctx.group_prefix.empty() && base.rfind(ctx.group_prefix, 0) == 0) base = base.substr(ctx.group_prefix.size());
  f[field::kSlug] = slugify(base);
  auto parent = row.find("parent_id") ? many2one_id(*row.find("parent_id")) : std::nullopt;
  f[field::kParent] = parent && ctx.group_ids.count(*parent) ? nlohmann::json(std::to_string(*parent))
                                                             : nlohmann::json(nullptr);
  return f;
}

Fields event_from_odoo(const Value& row, const MapContext& ctx) {
  Fields f = Fields::object();
  if (const Value* tags = row.find("tag_ids")) {
    // The organising group: the one group whose event tag the event carries (none, or
    // several, is no group).
    std::set<std::int64_t> groups;
    for (auto id : id_list(*tags)) {
      if (auto it = ctx.event_tag_groups.find(id); it != ctx.event_tag_groups.end()) groups.insert(it->second);
    }
    f[field::kGroup] = groups.size() == 1 ? nlohmann::json(std::to_string(*groups.begin())) : nlohmann::json(nullptr);
  }
  f[field::kTitle] = row_text(row, "name") ? *row_text(row, "name") : "";
  for (auto [from, to] : {std::pair{"date_begin", field::kStart}, std::pair{"date_end", field::kEnd}}) {
    const std::string* t = row_text(row, from);
    auto iso = t ? odoo_to_iso(*t) : std::nullopt;
    f[to] = iso ? nlohmann::json(*iso) : nlohmann::json(nullptr);
  }
  f[field::kTimezone] = str_or_null(row, "date_tz");
  const Value* limited = row.find("seats_limited");
  const Value* seats = row.find("seats_max");
  if (limited && limited->as_bool().value_or(false) && seats && seats->as_int()) {
    f[field::kCapacity] = *seats->as_int();
  } else {
    f[field::kCapacity] = nullptr;
  }
  const std::string* html = row_text(row, "description");
  f[field::kDescription] = html && !html_to_text(*html).empty() ? nlohmann::json(html_to_text(*html))
                                                                : nlohmann::json(nullptr);
  const Value* active = row.find("active");
  f[field::kStatus] = active && !active->as_bool().value_or(true) ? "cancelled" : "confirmed";
  return f;
}

Fields registration_from_odoo(const Value& row) {
  Fields f = Fields::object();
  const std::string person = m2o_text(row, "partner_id");
  const std::string event = m2o_text(row, "event_id");
  f[field::kPerson] = person.empty() ? nlohmann::json(nullptr) : nlohmann::json(person);
  f[field::kEvent] = event.empty() ? nlohmann::json(nullptr) : nlohmann::json(event);
  const std::string state = row_text(row, "state") ? *row_text(row, "state") : "";
  f[field::kStatus] = state == "open" ? "registered" : state == "done" ? "attended"
                      : state == "cancel" ? "cancelled" : "waitlisted";
  return f;
}

std::string registration_state(const std::string& status) {
  if (status == "attended") return "done";
  if (status == "cancelled") return "cancel";
  if (status == "waitlisted") return "draft";
  return "open";
}

Struct person_to_odoo(const Fields& f, const std::vector<std::string>& changed, const FieldMap& fields) {
  Value out{Struct{}};
  if (wants(changed, {field::kDisplayName, field::kGivenName, field::kFamilyName})) {
    std::string name;
    // On an update that changed the name parts but not the display name, the display
    // name in the projection is the old one: compose from the parts instead.
    const bool parts_only = !changed.empty() && !wants(changed, {field::kDisplayName});
    if (!parts_only && f.contains(field::kDisplayName) && f[field::kDisplayName].is_string()) {
      name = f[field::kDisplayName].get<std::string>();
    }
    if (name.empty()) {
      for (const char* part : {field::kGivenName, field::kFamilyName}) {
        if (f.contains(part) && f[part].is_string() && !f[part].get<std::string>().empty()) {
          name += (name.empty() ? "" : " ") + f[part].get<std::string>();
        }
      }
    }
    if (!name.empty()) out.set("name", Value(name));
  }
  if (f.contains(field::kEmail) && wants(changed, {field::kEmail})) out.set("email", text_or_false(f, field::kEmail));
  if (f.contains(field::kPhone) && wants(changed, {field::kPhone})) out.set("phone", text_or_false(f, field::kPhone));
  if (f.contains(field::kLocale) && wants(changed, {field::kLocale}) && fields.count("lang")) {
    const Value lang = text_or_false(f, field::kLocale);
    const auto& allowed = fields.at("lang").selection;
    // A language this Odoo has not installed would fail the whole batch: leave it out.
    if (lang.is_false() || std::find(allowed.begin(), allowed.end(), *lang.as_string()) != allowed.end()) {
      out.set("lang", lang);
    }
  }
  if (f.contains(field::kActive) && f[field::kActive].is_boolean() && wants(changed, {field::kActive})) {
    out.set("active", Value(f[field::kActive].get<bool>()));
  }
  return std::move(*out.as_struct());
}

Struct group_to_odoo(const Fields& f, const std::vector<std::string>& changed, const MapContext& ctx) {
  Value out{Struct{}};
  if (wants(changed, {field::kName}) && f.contains(field::kName) && f[field::kName].is_string()) {
    std::string name = f[field::kName].get<std::string>();
    if (!ctx.group_prefix.empty() && name.rfind(ctx.group_prefix, 0) != 0) name = ctx.group_prefix + name;
    out.set("name", Value(name));
  }
  if (f.contains(field::kParent) && wants(changed, {field::kParent})) out.set("parent_id", ref_or_false(f, field::kParent));
  return std::move(*out.as_struct());
}

Struct event_to_odoo(const Fields& f, const std::vector<std::string>& changed, const FieldMap& fields) {
  Value out{Struct{}};
  if (wants(changed, {field::kTitle}) && f.contains(field::kTitle)) out.set("name", text_or_false(f, field::kTitle));
  if (wants(changed, {field::kStart}) && f.contains(field::kStart)) out.set("date_begin", instant_or_false(f, field::kStart));
  if (wants(changed, {field::kEnd}) && f.contains(field::kEnd)) out.set("date_end", instant_or_false(f, field::kEnd));
  if (wants(changed, {field::kTimezone}) && f.contains(field::kTimezone) && fields.count("date_tz")) {
    out.set("date_tz", text_or_false(f, field::kTimezone));
  }
  if (wants(changed, {field::kCapacity}) && f.contains(field::kCapacity)) {
    const bool limited = f[field::kCapacity].is_number_integer();
    out.set("seats_limited", Value(limited));
    out.set("seats_max", Value(limited ? f[field::kCapacity].get<std::int64_t>() : std::int64_t{0}));
  }
  if (wants(changed, {field::kDescription}) && f.contains(field::kDescription)) {
    const bool has = f[field::kDescription].is_string() && !f[field::kDescription].get<std::string>().empty();
    out.set("description", has ? Value(text_to_html(f[field::kDescription].get<std::string>())) : Value(false));
  }
  if (wants(changed, {field::kStatus}) && f.contains(field::kStatus) && f[field::kStatus].is_string()) {
    out.set("active", Value(f[field::kStatus].get<std::string>() != "cancelled"));
  }
  return std::move(*out.as_struct());
}

Struct registration_to_odoo(const Fields& f, const std::vector<std::string>& changed) {
  Value out{Struct{}};
  if (changed.empty()) {
    out.set("event_id", ref_or_false(f, field::kEvent));
    out.set("partner_id", ref_or_false(f, field::kPerson));
  }
  if (wants(changed, {field::kStatus}) && f.contains(field::kStatus) && f[field::kStatus].is_string()) {
    out.set("state", Value(registration_state(f[field::kStatus].get<std::string>())));
  }
  return std::move(*out.as_struct());
}

}  // namespace coopsync::odoo
