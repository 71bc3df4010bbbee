#pragma once
// The Odoo connector: persons (res.partner, scoped by a tag and/or a domain), groups
// (partner tags or a configured model), memberships (partner.category_id), events
// (event.event) and registrations (event.registration), over XML-RPC or JSON-2.
//
// changes() pages by (write_date, id). Odoo shows write_date to the second (the start of
// the writing transaction) while it orders by the real timestamp, so records written in the
// same second are not in id order: within a pass, the cursor keeps the newest second read
// and the ids already listed in it, and the next page asks for "written in that second and
// not listed yet, or later" (keyset paging that is exact at second precision). When a pass
// has read everything, the cursor keeps only the newest second seen (`since`), and the next
// pass starts cursor_overlap_seconds before it: a record edited again in the second it was
// read (write_date unchanged), or written by a transaction that began before that second
// and committed after the read, is read again. Re-read records that did not change are no
// news to the engine (it merges against the snapshot and what the link says the system
// holds). A cursor of "" lists everything in scope (full_listing) and then continues from
// the newest write_date seen when the listing started.
// Both risks last only as long as a transaction: the cursor also keeps the server's time
// (HTTP Date) before the pass's first query (`settled`). A second older than that by more
// than the overlap was already closed when the pass read it, so the next pass starts after
// `since` rather than before it when `since` is that old: an idle database (or a bulk import
// that wrote thousands of records in the same second) is not read again and again.
// Within the window, records already read after their second was closed are left out of
// the query (Cursor::read, feed_cursor.hpp): a bulk import just before a pass is not read
// again in full by the next one.
#include "connectors/odoo/feed_cursor.hpp"
#include "connectors/odoo/mapping.hpp"
#include "connectors/odoo/meetings.hpp"
#include "connectors/odoo/session.hpp"
#include "connectors/odoo/settings.hpp"
#include "core/connector/connector.hpp"

#include <map>
#include <memory>
#include <optional>
#include <set>

namespace coopsync::odoo {

Capabilities odoo_capabilities();

class OdooConnector final : public Connector {
 public:
  OdooConnector(Settings settings, http::HttpClientPtr http);

  const Capabilities& capabilities() const override { return caps_; }
  Status check() override;
  Result<ChangePage> changes(EntityKind kind, const std::string& cursor,
                             std::chrono::milliseconds wait) override;
  Result<std::vector<ExternalRecord>> find(EntityKind kind, const Fields& keys) override;
  std::vector<WriteResult> apply(const std::vector<Write>& writes) override;

  Session& session() { return session_; }
  // Meetings (meetings.hpp): calendar.event as events and registrations too. `state` keeps
  // the attendees last listed (removals are seen by difference); null = kept in memory.
  void enable_meetings(MeetingSettings meetings, StateStore* state);

 private:
  struct Feed {
    EntityKind kind;
    std::string model;
    std::vector<std::string> fields;
    Array scope;
  };
  struct FeedPage {
    std::vector<Value> rows;
    std::set<std::int64_t> in_scope;
    ChangePage page;  // cursor, has_more, full_listing (records left to the caller)
  };

  Result<FeedPage> feed(const Feed& f, const std::string& cursor);
  Result<Feed> feed_for(EntityKind kind);
  Result<ChangePage> membership_changes(const std::string& cursor);
  ExternalRecord to_record(EntityKind kind, const Value& row, const MapContext& ctx) const;

  Result<std::optional<std::int64_t>> member_tag(bool create);
  Result<Array> person_scope();
  Array group_scope() const;
  Result<std::set<std::int64_t>> group_ids();
  Result<MapContext> map_context();
  // Events and meetings find their group by a tag named like it (group_tags.cpp).
  struct GroupTags {
    const char* owner_model;  // the tagged records: event.event, calendar.event
    const char* tag_field;    // their tag field: tag_ids, categ_ids
    const char* tag_model;    // the tags: event.tag, calendar.event.type
    const char* noun;         // for errors: "an event tag"
    std::optional<std::map<std::int64_t, std::int64_t>> group_of_tag;  // cached until reset
  };
  // Tag id -> group id, for tags named like a group in scope.
  Result<const std::map<std::int64_t, std::int64_t>*> tag_groups(GroupTags& tags);
  // x2many commands giving a record the target group's tag (found or made) and taking off
  // other groups' tags (on update).
  Result<Value> tag_commands(GroupTags& tags, const Write& w, bool create);
  Result<const std::map<std::int64_t, std::int64_t>*> event_tag_groups() { return tag_groups(event_tags_); }
  Result<Value> event_tag_commands(const Write& w, bool create) {
    return tag_commands(event_tags_, w, create);
  }

  // writes (writes.cpp)
  void apply_kind(EntityKind kind, const std::vector<const Write*>& writes,
                  std::vector<WriteResult*>& results);
  void create_records(EntityKind kind, const std::vector<const Write*>& writes,
                      std::vector<WriteResult*>& results);
  // A record found for a create: its id (negative: that many matched, ambiguous) and the
  // key and value that found it (recorded in the link).
  struct Adopted {
    std::int64_t id = 0;
    std::string key;
    std::string value;
  };
  Result<std::map<std::size_t, Adopted>> adopt(EntityKind kind, const std::vector<const Write*>& writes);
  // Persons: one search_read by the person_match keys, then the first key that finds wins.
  Result<std::map<std::size_t, Adopted>> adopt_persons(const std::vector<const Write*>& writes);
  void update_records(EntityKind kind, const std::vector<const Write*>& writes,
                      std::vector<WriteResult*>& results);
  void lifecycle(EntityKind kind, WriteOp op, const std::vector<const Write*>& writes,
                 std::vector<WriteResult*>& results);
  void memberships(const std::vector<const Write*>& writes, std::vector<WriteResult*>& results);
  Result<Struct> values_for(EntityKind kind, const Write& w, bool create);
  const std::string& model_of(EntityKind kind) const;

  // meetings (meetings_sync.cpp)
  Result<ChangePage> model_changes(EntityKind kind, const std::string& cursor);
  Result<ChangePage> split_changes(EntityKind kind, const std::string& cursor);
  Result<ChangePage> meeting_changes(EntityKind kind, const std::string& cursor);
  Result<ChangePage> attendee_records(FeedPage& fp, const std::string& cursor);
  Result<const std::map<std::int64_t, std::int64_t>*> meeting_tag_groups() {
    return tag_groups(meeting_tags_);
  }
  Result<Value> meeting_tag_commands(const Write& w, bool create) {
    return tag_commands(meeting_tags_, w, create);
  }
  bool to_meetings(const Write& w) const;  // a write for calendar.event
  void apply_meetings(const std::vector<Write>& writes, std::vector<WriteResult>& results);
  void meeting_creates(const std::vector<const Write*>& writes, std::vector<WriteResult*>& results);
  void meeting_writes(const std::vector<const Write*>& writes, std::vector<WriteResult*>& results);
  void attendee_writes(const std::vector<const Write*>& writes, std::vector<WriteResult*>& results);
  std::string state_get(const std::string& key);
  void state_put(const std::string& key, const std::string& value);

  Settings s_;
  http::HttpClientPtr http_;
  Session session_;
  Capabilities caps_;
  std::optional<std::int64_t> member_tag_;
  GroupTags event_tags_{"event.event", "tag_ids", "event.tag", "an event tag", {}};
  MeetingSettings meetings_;
  StateStore* state_ = nullptr;
  std::map<std::string, std::string> memory_state_;
  GroupTags meeting_tags_{"calendar.event", "categ_ids", "calendar.event.type", "a meeting tag", {}};
};

}  // namespace coopsync::odoo
