#pragma once
// Names coopsync makes up in Nextcloud: user ids from a rule, group ids, folder and
// calendar names from templates, and the version marker of records without one.
#include "core/model/entity.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace coopsync::nextcloud {

// Lower-case ASCII slug: Latin letters lose their accents, runs of anything else become
// one `sep`; "" when nothing is left. At most 64 characters (Nextcloud's id limit).
std::string slugify(std::string_view text, char sep);

// "email_localpart": "Ana.Lopez+coop@x.org" -> "ana.lopez-coop";
// "slug_of_name":   "Ana López" -> "ana.lopez". "" when the rule has nothing to work on.
std::string user_id_for(const std::string& rule, const Fields& person);

// Group id: the slug field when present, else a slug of the name.
std::string group_id_for(const Fields& group);

// A group id as the path segment(s) of an OCS group route: percent-encoded, but a '/' is
// sent as is. Nextcloud's group routes take `groupId => '.+'`, and Apache refuses an
// encoded slash (%2F) with 404 before Nextcloud sees the request.
std::string group_path(const std::string& gid);

// "{id}" and "{name}" replaced.
std::string apply_template(std::string_view tpl, const std::string& id, const std::string& name);

// The group id a calendar name belongs to under `tpl` (which contains "{id}"), if any.
std::optional<std::string> group_of_calendar(const std::string& tpl, const std::string& name);

// Object name of an event in its calendar: the UID made URL-safe, plus ".ics".
std::string object_name_for(const std::string& uid);

// FNV-1a 64 of the canonical JSON, hex: the version of records Nextcloud gives none.
std::string fields_version(const Fields& fields);

}  // namespace coopsync::nextcloud
