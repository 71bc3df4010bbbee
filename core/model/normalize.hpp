#pragma once
// Normalisation of identity-bearing values, so that "Ana@Coop.example " in Odoo and
// "ana@coop.example" in Nextcloud are recognised as the same person, and times survive
// the trip between systems that store UTC (Odoo, Mobilizon) and wall-clock (CalDAV).
#include "core/model/entity.hpp"
#include "core/result.hpp"

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace coopsync {

// Trimmed and lower-cased; nullopt when it is not an address (no '@', spaces inside...).
std::optional<std::string> normalize_email(std::string_view text);

// E.164 ("+33612345678"), parsing national numbers with `default_region` (ISO 3166 alpha-2);
// nullopt when libphonenumber finds no valid number.
std::optional<std::string> normalize_phone(std::string_view text, const std::string& default_region);

// Applies the normalisations above to the fields of a record in place (invalid email or
// phone values are kept as they are: losing data is worse than not matching on it).
void normalize_fields(EntityKind kind, Fields& fields, const std::string& default_region);

// Fields that follow from others when a system does not state them: an event's all_day
// from the form of its start (a date, or an instant).
void derive_fields(EntityKind kind, Fields& fields);

// --- time ---------------------------------------------------------------------------
using Instant = std::chrono::sys_seconds;

// "2026-03-29T08:00:00Z", "2026-03-29T10:00:00+02:00", "2026-03-29 08:00:00" (UTC, Odoo)
// or "2026-03-29T08:00:00.123Z". kInvalidInput naming the text when unparsable.
Result<Instant> parse_instant(std::string_view text);
// Canonical form: "2026-03-29T08:00:00Z".
std::string format_instant(Instant instant);
// Odoo's form: "2026-03-29 08:00:00" (UTC).
std::string format_odoo_datetime(Instant instant);

// Wall-clock <-> UTC in an IANA zone. Local times are "YYYY-MM-DDTHH:MM:SS". A local time
// that does not exist (spring-forward gap) maps to the instant after the gap; an ambiguous
// one (fall-back) to the earlier instant, as RFC 5545 prescribes.
Result<Instant> local_to_utc(std::string_view local, const std::string& zone);
Result<std::string> utc_to_local(Instant instant, const std::string& zone);
bool is_known_zone(const std::string& zone);

}  // namespace coopsync
