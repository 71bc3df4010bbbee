#pragma once
// Meetings (opt-in, `meetings: {enabled: true}`): Odoo calendar.event records read and
// written as canonical Events beside event.event, and their attendees (partner_ids) as
// canonical Registrations beside event.registration.
//
// External ids: event.event and calendar.event number their records independently, so a
// meeting is "calendar.event:<id>" and an attendee "calendar.event:<id>:partner:<partner>";
// plain numbers stay event.event / event.registration ids.
//
// Odoo's own rewrites are read back as what was written, so that nothing echoes:
//  - an all-day meeting is stored with start/stop 08:00-18:00 UTC and duration 10.0 while
//    start_date/stop_date hold the real (inclusive) dates: canonical start/end are those dates;
//  - Odoo 19 appends an "Organized by / Contact Details" block to the description of a new
//    meeting: it is cut off before the text is compared.
//
// The Event and Registration feeds of the connector list two models each: a SplitCursor
// reads the usual model to its end, then calendar.event, and round again.
#include "connectors/odoo/mapping.hpp"
#include "connectors/odoo/session.hpp"
#include "core/config/spec.hpp"
#include "core/connector/connector.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace coopsync::odoo {

inline constexpr const char* kMeetingModel = "calendar.event";
inline constexpr const char* kMeetingTagModel = "calendar.event.type";

struct MeetingSettings {
  bool enabled = false;
  Array domain;              // extra domain on calendar.event
  bool group_by_tag = true;  // organising group = the meeting tag (categ_ids) named like it
  bool create = false;       // new events from other systems are made as meetings, not event.event
};

// The `meetings:` key of the odoo section, and its parsed form (defaults when absent).
config::FieldSpec meeting_settings_field();
Result<MeetingSettings> parse_meeting_settings(const nlohmann::json& section);

std::string meeting_external_id(std::int64_t meeting);
std::string attendee_external_id(std::int64_t meeting, std::int64_t partner);
std::optional<std::int64_t> parse_meeting_id(const std::string& external_id);
std::optional<std::pair<std::int64_t, std::int64_t>> parse_attendee_id(
    const std::string& external_id);
// A write for a meeting or one of its attendees (by its external id, or for a new
// registration, by the event it refers to).
bool is_meeting_write(const Write& w);

// calendar.event fields read (filtered by fields_get before use).
std::vector<std::string> meeting_fields();
// Odoo 19's appended organizer/contact block removed ("<div>X<br><strong>Organized by
// </strong>...</div>" -> "X"); other HTML unchanged.
std::string strip_organizer_block(const std::string& html);
// ctx.event_tag_groups maps meeting tag (calendar.event.type) ids to group ids here.
Fields meeting_from_odoo(const Value& row, const MapContext& ctx);
// Values to write. `changed` empty = create: empty fields are left out then (Odoo's
// defaults), as the captured create calls do.
Struct meeting_to_odoo(const Fields& f, const std::vector<std::string>& changed,
                       const FieldMap& fields);

// The position in a feed made of the usual model and calendar.event.
struct SplitCursor {
  std::string model;         // cursor of event.event / event.registration
  std::string meetings;      // cursor of calendar.event
  bool on_meetings = false;  // reading calendar.event in this round
  bool model_full = false;   // this round's model part was a full listing
  std::string encode() const;
  // "" = both from the beginning; a plain model cursor (stored before meetings were
  // enabled) = that model cursor, meetings from the beginning.
  static SplitCursor decode(const std::string& text);
  static bool is_split(const std::string& text);
};

}  // namespace coopsync::odoo
