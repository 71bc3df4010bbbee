#pragma once
// The canonical model of DESIGN.md. Each kind has a flat set of canonical fields; records
// travel as a JSON object of those fields so that the engine can merge field by field
// without knowing a connector, and a connector can translate without knowing the engine.
#include <nlohmann/json.hpp>

#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace coopsync {

enum class EntityKind { kPerson, kGroup, kMembership, kEvent, kRegistration };

inline constexpr EntityKind kAllKinds[] = {EntityKind::kPerson, EntityKind::kGroup,
                                           EntityKind::kMembership, EntityKind::kEvent,
                                           EntityKind::kRegistration};

const char* to_string(EntityKind kind);                        // "person", "group", ...
std::optional<EntityKind> parse_entity_kind(std::string_view name);

// Canonical fields: a JSON object. Absent key = this system does not hold the field;
// null = the system holds it and it is empty.
using Fields = nlohmann::json;

// The string held at `key`, or "" when the key is absent, null or not a string (the
// lenient read every connector makes of canonical fields it is about to write).
std::string field_text(const Fields& fields, const char* key);

// Canonical field names. Instants are ISO-8601 UTC strings ("2026-03-29T08:00:00Z"); the
// IANA zone travels beside them so wall-clock time survives daylight-saving changes.
namespace field {
// Person
inline constexpr const char* kGivenName = "given_name";
inline constexpr const char* kFamilyName = "family_name";
inline constexpr const char* kDisplayName = "display_name";
inline constexpr const char* kEmail = "email";        // normalised: trimmed, lower-case
inline constexpr const char* kPhone = "phone";        // normalised: E.164
inline constexpr const char* kLocale = "locale";      // "fr_FR"
inline constexpr const char* kActive = "active";      // bool
// The member's number in the cooperative's register (Odoo: the partner's `ref`, or the
// field `member_number_field` names); an identity key when identity.match.person lists it.
inline constexpr const char* kMemberNumber = "member_number";
// Group
inline constexpr const char* kName = "name";
inline constexpr const char* kSlug = "slug";
inline constexpr const char* kDescription = "description";  // plain text / Markdown
inline constexpr const char* kParent = "parent";            // ref -> group
// Membership
inline constexpr const char* kPerson = "person";  // ref -> person
inline constexpr const char* kGroup = "group";    // ref -> group
inline constexpr const char* kRole = "role";      // "member" | "admin"
// Event
inline constexpr const char* kTitle = "title";
inline constexpr const char* kStart = "start";        // UTC instant
inline constexpr const char* kEnd = "end";            // UTC instant
inline constexpr const char* kTimezone = "timezone";  // IANA, "Europe/Paris"
inline constexpr const char* kAllDay = "all_day";     // bool; start/end are then dates "2026-03-29"
inline constexpr const char* kLocation = "location";
inline constexpr const char* kOnlineUrl = "online_url";
inline constexpr const char* kCapacity = "capacity";  // int, null = unlimited
inline constexpr const char* kStatus = "status";      // event: tentative|confirmed|cancelled
inline constexpr const char* kVisibility = "visibility";  // public|unlisted|private
// (kGroup is also the organising group of an event)
// Registration
inline constexpr const char* kEvent = "event";  // ref -> event
// (kPerson; kStatus: registered|waitlisted|cancelled|attended)
}  // namespace field

// A field whose value is a reference to another entity. In an ExternalRecord it holds the
// *external id in the same system*; in the canonical snapshot it holds the canonical id.
// The engine translates between the two through the links.
struct RefField {
  const char* name;
  EntityKind target;
};
std::span<const RefField> ref_fields(EntityKind kind);

// The canonical fields of a kind (refs included), for validation and for `describe`.
std::span<const char* const> canonical_fields(EntityKind kind);

}  // namespace coopsync
