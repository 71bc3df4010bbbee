#pragma once
// Mobilizon objects <-> canonical records (core/model/entity.hpp).
//   event        external id = uuid; version = updatedAt
//   registration external id = "<event uuid>/<actor id>" (one participation per actor and
//                event; survives leave + re-join, unlike the participant id)
//   membership   external id = "<group>/<actor id>"
//   person       external id = actor id; group external id = preferredUsername[@domain]
#include "connectors/mobilizon/settings.hpp"
#include "core/connector/connector.hpp"

#include <nlohmann/json.hpp>

#include <optional>
#include <string>

namespace coopsync::mobilizon {

// "name" for a local actor, "name@domain" for a remote one.
std::string actor_handle(const nlohmann::json& actor);

// A Mobilizon Event (EventFields) -> canonical event. `group_handle` is the organising group.
// Remote events (local == false) keep their fields; the connector refuses to write them.
Result<ExternalRecord> event_to_record(const nlohmann::json& event, const Settings& settings);
bool is_remote_event(const nlohmann::json& event);

// Canonical fields over the event as it is now (`current`, EventFields; null for a create):
// the complete variables of createEvent/updateEvent, since updateEvent resets what it is not
// given. Keeps everything Mobilizon holds that the canonical model does not (tags,
// category, join options, address details, contacts...).
Result<nlohmann::json> event_variables(const Fields& fields, const nlohmann::json& current,
                                       const Settings& settings);

// Participant role <-> canonical registration status.
std::string registration_status(const std::string& role);
std::optional<std::string> participant_role(const std::string& status);
std::string registration_id(const std::string& event_uuid, const std::string& actor_id);
// Splits a registration id; nullopt when malformed.
std::optional<std::pair<std::string, std::string>> split_pair_id(const std::string& id);

// Group member role <-> canonical membership role ("member" | "admin").
std::optional<std::string> membership_role(const std::string& member_role);

// The physical address as one line ("Maison des associations, 12 rue des Lilas, 69003 Lyon, France").
std::string format_address(const nlohmann::json& address);

}  // namespace coopsync::mobilizon
