#pragma once
// Odoo records <-> canonical fields, per kind. Pure functions: no I/O, so they are unit
// tested table-driven. Odoo datetimes are "YYYY-MM-DD HH:MM:SS" UTC; canonical instants are
// ISO-8601 UTC; Odoo's False is canonical null.
#include "connectors/odoo/session.hpp"
#include "connectors/odoo/value.hpp"
#include "core/connector/connector.hpp"

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace coopsync::odoo {

// "YYYY-MM-DD HH:MM:SS" <-> "YYYY-MM-DDTHH:MM:SSZ"; nullopt when unparsable.
std::optional<std::string> odoo_to_iso(const std::string& odoo);
std::optional<std::string> iso_to_odoo(const std::string& iso);
// The next second, in Odoo's form (for "written after second S" domains).
std::optional<std::string> odoo_next_second(const std::string& odoo);

// "Jean-Pierre de La Tour" -> given "Jean-Pierre de La", family "Tour": Odoo holds one
// name; the last word is the best guess at a family name.
std::pair<std::string, std::string> split_name(const std::string& name);
std::string slugify(const std::string& name);
std::string html_to_text(const std::string& html);
std::string text_to_html(const std::string& text);

// Fields requested from Odoo per kind (filtered by fields_get before use).
std::vector<std::string> person_fields();
std::vector<std::string> group_fields();
std::vector<std::string> event_fields();
std::vector<std::string> registration_fields();

struct MapContext {
  std::string default_region = "FR";
  std::string group_prefix;
  std::set<std::int64_t> group_ids;  // groups in scope (for parent refs)
  // An event's organising group: its event tag (event.tag) named like a group in scope
  // ("Communauté Lyon"). event.tag id -> that group's id.
  std::map<std::int64_t, std::int64_t> event_tag_groups;
};

Fields person_from_odoo(const Value& row, const MapContext& ctx);
Fields group_from_odoo(const Value& row, const MapContext& ctx);
Fields event_from_odoo(const Value& row, const MapContext& ctx);
Fields registration_from_odoo(const Value& row);

// Values to write. `changed` empty = every field the record carries (create).
// `fields` is the model's fields_get, so that fields absent from this Odoo version
// (mobile from 18 on) or selection values it lacks (an uninstalled lang) are left out.
Struct person_to_odoo(const Fields& f, const std::vector<std::string>& changed, const FieldMap& fields);
Struct group_to_odoo(const Fields& f, const std::vector<std::string>& changed, const MapContext& ctx);
Struct event_to_odoo(const Fields& f, const std::vector<std::string>& changed, const FieldMap& fields);
Struct registration_to_odoo(const Fields& f, const std::vector<std::string>& changed);

std::string registration_state(const std::string& status);  // canonical -> Odoo state
std::optional<std::int64_t> parse_id(const std::string& external_id);

}  // namespace coopsync::odoo
