#include "core/model/entity.hpp"

namespace coopsync {

const char* to_string(EntityKind kind) {
  switch (kind) {
    case EntityKind::kPerson: return "person";
    case EntityKind::kGroup: return "group";
    case EntityKind::kMembership: return "membership";
    case EntityKind::kEvent: return "event";
    case EntityKind::kRegistration: return "registration";
  }
  return "unknown";
}

std::optional<EntityKind> parse_entity_kind(std::string_view name) {
  for (EntityKind k : kAllKinds) {
    if (name == to_string(k)) return k;
  }
  return std::nullopt;
}

namespace {
constexpr RefField kGroupRefs[] = {{field::kParent, EntityKind::kGroup}};
constexpr RefField kMembershipRefs[] = {{field::kPerson, EntityKind::kPerson},
                                        {field::kGroup, EntityKind::kGroup}};
constexpr RefField kEventRefs[] = {{field::kGroup, EntityKind::kGroup}};
constexpr RefField kRegistrationRefs[] = {{field::kPerson, EntityKind::kPerson},
                                          {field::kEvent, EntityKind::kEvent}};

constexpr const char* kPersonFields[] = {field::kGivenName, field::kFamilyName,
                                         field::kDisplayName, field::kEmail, field::kPhone,
                                         field::kLocale, field::kActive, field::kMemberNumber};
constexpr const char* kGroupFields[] = {field::kName, field::kSlug, field::kDescription,
                                        field::kParent};
constexpr const char* kMembershipFields[] = {field::kPerson, field::kGroup, field::kRole};
constexpr const char* kEventFields[] = {
    field::kTitle,    field::kDescription, field::kStart,     field::kEnd,
    field::kTimezone, field::kAllDay,      field::kLocation,  field::kOnlineUrl,
    field::kCapacity, field::kStatus,      field::kVisibility, field::kGroup};
constexpr const char* kRegistrationFields[] = {field::kPerson, field::kEvent, field::kStatus};
}  // namespace

std::span<const RefField> ref_fields(EntityKind kind) {
  switch (kind) {
    case EntityKind::kPerson: return {};
    case EntityKind::kGroup: return kGroupRefs;
    case EntityKind::kMembership: return kMembershipRefs;
    case EntityKind::kEvent: return kEventRefs;
    case EntityKind::kRegistration: return kRegistrationRefs;
  }
  return {};
}

std::span<const char* const> canonical_fields(EntityKind kind) {
  switch (kind) {
    case EntityKind::kPerson: return kPersonFields;
    case EntityKind::kGroup: return kGroupFields;
    case EntityKind::kMembership: return kMembershipFields;
    case EntityKind::kEvent: return kEventFields;
    case EntityKind::kRegistration: return kRegistrationFields;
  }
  return {};
}

std::string field_text(const Fields& fields, const char* key) {
  auto it = fields.find(key);
  return (it != fields.end() && it->is_string()) ? it->get<std::string>() : std::string();
}

}  // namespace coopsync
