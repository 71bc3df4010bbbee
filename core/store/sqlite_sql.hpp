#pragma once
// The hot queries of the SQLite store, shared with the tests that prove (EXPLAIN QUERY
// PLAN) each is answered from an index rather than a table scan.
namespace coopsync::store::sqlite::sql {

inline constexpr const char* kLinkColumns =
    "system, kind, external_id, entity_id, version, hash, rule, matched_value, created_at";

inline constexpr const char* kFindLink =
    "SELECT system, kind, external_id, entity_id, version, hash, rule, matched_value, created_at"
    " FROM links WHERE system = ?1 AND kind = ?2 AND external_id = ?3";

inline constexpr const char* kLinkOf =
    "SELECT system, kind, external_id, entity_id, version, hash, rule, matched_value, created_at"
    " FROM links WHERE entity_id = ?1 AND system = ?2";

// Merged-away entities are not candidates: their keys belong to the entity they became.
inline constexpr const char* kMatchIdentity =
    "SELECT k.entity_id FROM identity_keys AS k JOIN entities AS e ON e.id = k.entity_id"
    " WHERE k.kind = ?1 AND k.key = ?2 AND k.value = ?3 AND e.merged_into IS NULL"
    " ORDER BY k.entity_id";

inline constexpr const char* kOutboxColumns =
    "id, key, system, payload, reason, attempts, next_attempt_at, last_error, state, created_at";

inline constexpr const char* kDue =
    "SELECT id, key, system, payload, reason, attempts, next_attempt_at, last_error, state,"
    " created_at FROM outbox WHERE system = ?1 AND state = 'pending' AND next_attempt_at <= ?2"
    " ORDER BY next_attempt_at, id LIMIT ?3";

}  // namespace coopsync::store::sqlite::sql
