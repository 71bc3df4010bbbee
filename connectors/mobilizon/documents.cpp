// The documents are kept small (Mobilizon's complexity limit is 300, PITFALLS.md 30): only
// the fields the connector maps, plus every field updateEvent must resend (it resets what
// it is not given, PITFALLS.md 9).
#include "connectors/mobilizon/documents.hpp"

namespace coopsync::mobilizon::documents {

namespace {
// Everything the connector reads of an event, and everything updateEvent must resend.
const std::string& event_fields() {
  static const std::string text = R"(
fragment EventFields on Event {
  id
  uuid
  url
  local
  title
  description
  beginsOn
  endsOn
  status
  visibility
  joinOptions
  draft
  category
  language
  onlineAddress
  phoneAddress
  externalParticipationUrl
  updatedAt
  insertedAt
  physicalAddress { id description street locality postalCode region country geom timezone originId type url }
  options { maximumAttendeeCapacity remainingAttendeeCapacity showRemainingAttendeeCapacity anonymousParticipation showStartTime showEndTime timezone hideOrganizerWhenGroupEvent isOnline }
  participantStats { participant notApproved }
  organizerActor { id preferredUsername domain }
  attributedTo { id preferredUsername domain }
  tags { title }
  contacts { id }
}
)";
  return text;
}

std::string with_event_fields(const std::string& operation) { return operation + event_fields(); }

// Variables shared by createEvent and updateEvent.
constexpr const char* kEventVariables =
    "$endsOn: DateTime, "
    "$status: EventStatus, $visibility: EventVisibility, $joinOptions: EventJoinOptions, "
    "$externalParticipationUrl: String, $draft: Boolean, $tags: [String], "
    "$onlineAddress: String, $phoneAddress: String, $attributedToId: ID, "
    "$category: EventCategory, $physicalAddress: AddressInput, $options: EventOptionsInput, "
    "$contacts: [Contact], $language: String";
constexpr const char* kEventArguments =
    "endsOn: $endsOn, status: $status, visibility: $visibility, joinOptions: $joinOptions, "
    "externalParticipationUrl: $externalParticipationUrl, draft: $draft, tags: $tags, "
    "onlineAddress: $onlineAddress, phoneAddress: $phoneAddress, attributedToId: $attributedToId, "
    "category: $category, physicalAddress: $physicalAddress, options: $options, "
    "contacts: $contacts, language: $language";
}  // namespace

const std::string& login() {
  static const std::string text =
      "mutation Login($email: String!, $password: String!) {\n"
      "  login(email: $email, password: $password) { accessToken refreshToken user { id defaultActor { id preferredUsername } } }\n"
      "}\n";
  return text;
}

const std::string& refresh_token() {
  static const std::string text =
      "mutation RefreshToken($refreshToken: String!) {\n"
      "  refreshToken(refreshToken: $refreshToken) { accessToken refreshToken }\n"
      "}\n";
  return text;
}

const std::string& logged_user() {
  static const std::string text =
      "query LoggedUser {\n"
      "  loggedUser { id email role defaultActor { id preferredUsername name } actors { id preferredUsername name domain } }\n"
      "}\n";
  return text;
}

const std::string& change_default_actor() {
  static const std::string text =
      "mutation ChangeDefaultActor($preferredUsername: String!) {\n"
      "  changeDefaultActor(preferredUsername: $preferredUsername) { id defaultActor { id preferredUsername } }\n"
      "}\n";
  return text;
}

const std::string& group() {
  static const std::string text =
      "query Group($preferredUsername: String!) {\n"
      "  group(preferredUsername: $preferredUsername) { id preferredUsername name summary domain visibility openness }\n"
      "}\n";
  return text;
}

const std::string& group_events() {
  static const std::string text = with_event_fields(
      "query GroupEvents($preferredUsername: String!, $page: Int, $limit: Int) {\n"
      "  group(preferredUsername: $preferredUsername) {\n"
      "    id\n"
      "    organizedEvents(page: $page, limit: $limit) { total elements { ...EventFields } }\n"
      "  }\n"
      "}\n");
  return text;
}

const std::string& group_event_index() {
  static const std::string text =
      "query GroupEventIndex($preferredUsername: String!, $page: Int, $limit: Int) {\n"
      "  group(preferredUsername: $preferredUsername) {\n"
      "    id\n"
      "    organizedEvents(page: $page, limit: $limit) { total elements { id uuid local updatedAt } }\n"
      "  }\n"
      "}\n";
  return text;
}

const std::string& group_activity() {
  static const std::string text =
      "query GroupEventActivity($preferredUsername: String!, $page: Int, $limit: Int) {\n"
      "  group(preferredUsername: $preferredUsername) {\n"
      "    id\n"
      "    activity(type: EVENT, page: $page, limit: $limit) {\n"
      "      total\n"
      "      elements { id insertedAt subject subjectParams { key value } object { __typename ... on Event { id uuid } } }\n"
      "    }\n"
      "  }\n"
      "}\n";
  return text;
}

const std::string& event() {
  static const std::string text =
      with_event_fields("query Event($uuid: UUID!) {\n  event(uuid: $uuid) { ...EventFields }\n}\n");
  return text;
}

const std::string& event_participants() {
  static const std::string text =
      "query EventParticipants($uuid: UUID!, $page: Int, $limit: Int) {\n"
      "  event(uuid: $uuid) {\n"
      "    id\n"
      "    uuid\n"
      "    updatedAt\n"
      "    participants(page: $page, limit: $limit, roles: \"\") {\n"
      "      total\n"
      "      elements { id role insertedAt actor { id preferredUsername name domain } }\n"
      "    }\n"
      "  }\n"
      "}\n";
  return text;
}

const std::string& create_event() {
  static const std::string text = with_event_fields(
      std::string("mutation CreateEvent($organizerActorId: ID!, $title: String!, $description: String!, "
                  "$beginsOn: DateTime!, ") + kEventVariables +
       ") {\n  createEvent(organizerActorId: $organizerActorId, title: $title, description: $description, "
       "beginsOn: $beginsOn, " + kEventArguments + ") { ...EventFields }\n}\n");
  return text;
}

const std::string& update_event() {
  static const std::string text = with_event_fields(
      std::string("mutation UpdateEvent($eventId: ID!, $title: String, $description: String, "
                  "$beginsOn: DateTime, ") + kEventVariables +
       ") {\n  updateEvent(eventId: $eventId, title: $title, description: $description, "
       "beginsOn: $beginsOn, " + kEventArguments + ") { ...EventFields }\n}\n");
  return text;
}

const std::string& delete_event() {
  static const std::string text =
      "mutation DeleteEvent($eventId: ID!) {\n  deleteEvent(eventId: $eventId) { id }\n}\n";
  return text;
}

const std::string& update_participation() {
  static const std::string text =
      "mutation UpdateParticipation($id: ID!, $role: ParticipantRoleEnum!) {\n"
      "  updateParticipation(id: $id, role: $role) { id role actor { id } }\n"
      "}\n";
  return text;
}

const std::string& group_members() {
  static const std::string text =
      "query GroupMembers($preferredUsername: String!, $page: Int, $limit: Int) {\n"
      "  group(preferredUsername: $preferredUsername) {\n"
      "    id\n"
      "    members(page: $page, limit: $limit, roles: \"\") {\n"
      "      total\n"
      "      elements { id role updatedAt actor { id preferredUsername name domain } }\n"
      "    }\n"
      "  }\n"
      "}\n";
  return text;
}

const std::string& create_group() {
  static const std::string text =
      "mutation CreateGroup($preferredUsername: String!, $name: String, $summary: String) {\n"
      "  createGroup(preferredUsername: $preferredUsername, name: $name, summary: $summary) { id preferredUsername name summary domain }\n"
      "}\n";
  return text;
}

const std::string& invite_member() {
  static const std::string text =
      "mutation InviteMember($groupId: ID!, $targetActorUsername: String!) {\n"
      "  inviteMember(groupId: $groupId, targetActorUsername: $targetActorUsername) { id role actor { id preferredUsername domain } }\n"
      "}\n";
  return text;
}

const std::string& update_member() {
  static const std::string text =
      "mutation UpdateMember($memberId: ID!, $role: MemberRoleEnum!) {\n"
      "  updateMember(memberId: $memberId, role: $role) { id role }\n"
      "}\n";
  return text;
}

const std::string& remove_member() {
  static const std::string text =
      "mutation RemoveMember($memberId: ID!) {\n  removeMember(memberId: $memberId) { id role }\n}\n";
  return text;
}

const std::string& fetch_person() {
  static const std::string text =
      "query FetchPerson($username: String!) {\n"
      "  fetchPerson(preferredUsername: $username) { id preferredUsername name domain }\n"
      "}\n";
  return text;
}

std::vector<Document> all() {
  return {
      {"Login", &login()},
      {"RefreshToken", &refresh_token()},
      {"LoggedUser", &logged_user()},
      {"ChangeDefaultActor", &change_default_actor()},
      {"Group", &group()},
      {"GroupEvents", &group_events()},
      {"GroupEventIndex", &group_event_index()},
      {"GroupEventActivity", &group_activity()},
      {"Event", &event()},
      {"EventParticipants", &event_participants()},
      {"CreateEvent", &create_event()},
      {"UpdateEvent", &update_event()},
      {"DeleteEvent", &delete_event()},
      {"UpdateParticipation", &update_participation()},
      {"GroupMembers", &group_members()},
      {"CreateGroup", &create_group()},
      {"InviteMember", &invite_member()},
      {"UpdateMember", &update_member()},
      {"RemoveMember", &remove_member()},
      {"FetchPerson", &fetch_person()},
  };
}

}  // namespace coopsync::mobilizon::documents
