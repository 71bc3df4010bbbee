#pragma once
// An event's announcement in its collective's room: the message content, the edit
// (m.replace) that follows a change or a cancellation, and the txnId derived from the
// outbox entry's key so that a retry never posts twice.
#include "connectors/matrix/json_util.hpp"
#include "connectors/matrix/settings.hpp"
#include "core/model/entity.hpp"

#include <string>

namespace coopsync::matrix {

// Marker in every announcement's content: the canonical id, so that a create can find an
// announcement made before a crash (or under another token) and adopt it.
inline constexpr const char* kEntityKey = "org.coop.sync.entity";

// Default templates. Placeholders: {title} {when} {location} {online_url} {description}.
inline constexpr const char* kDefaultAnnouncement = "{title}\n{when}\n{location}\n{online_url}\n{description}";
inline constexpr const char* kDefaultCancelled = "Cancelled: {title} ({when})";

// "2026-03-29 10:00 - 12:00 (Europe/Paris)", in the event's own zone.
std::string format_when(const Fields& event);

// The text of the announcement, per template (cancelled one when status is cancelled or
// `cancelled` is set); empty lines left by absent fields are dropped.
std::string announcement_text(const Settings& settings, const Fields& event, bool cancelled);

// {msgtype, body, format, formatted_body, org.coop.sync.entity}.
json announcement_content(const std::string& text, const std::string& entity_id);

// An edit replacing `original_event_id`'s content with `content` (m.new_content).
json edit_content(const std::string& original_event_id, const json& content);

// Transaction id from an idempotency key: "coop-" + safe characters, with a hash suffix
// when the key had others (so distinct keys never collide).
std::string txn_id_for(const std::string& key);

}  // namespace coopsync::matrix
