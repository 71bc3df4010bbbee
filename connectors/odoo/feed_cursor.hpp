#pragma once
// The cursor of the Odoo change feed (OdooConnector::feed, whose header tells the paging
// and the overlap), and what it remembers of the records already read.
//
// Records read once their write_date second was closed. A pass re-reads the overlap window
// (what a transaction still open at the last read may have committed since), and a bulk
// import just before a pass puts thousands of records in it: each was read already, and
// re-reading them all costs the server thousands of full rows on the next pass. A record
// read after its second was closed (the page's server time minus the overlap is later than
// its write_date: every transaction that began in that second had committed before the
// page was read) showed the last version that second can hold: any later write of it begins
// after the read and has a later write_date. So the cursor remembers those (id, write_date)
// pairs, grouped by second, and later passes ask Odoo for the window *except* them: a
// record written again (new write_date), committed late (an id not read in that second) or
// read before its second closed (not remembered) is read again. Remembered pairs are
// dropped once their second is older than the window, and beyond kMaxRemembered ids (the
// request carries them) the oldest are dropped: the fallback is the full re-read.
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "connectors/odoo/value.hpp"
#include "core/result.hpp"

namespace coopsync::odoo {

inline constexpr const char* kOdooEpoch = "1970-01-01 00:00:00";
// At most this many remembered ids per cursor (each page request of a pass carries those
// of the seconds it can still read).
inline constexpr std::size_t kMaxRemembered = 50000;

// `seconds` before an Odoo datetime, not before the epoch; the text itself if unparsable.
std::string odoo_seconds_before(const std::string& odoo, int seconds);

struct Cursor {
  bool full = false;               // in the full listing phase
  std::int64_t after = 0;          // full listing: last id listed
  std::string start;               // full listing: newest write_date when it began
  std::string since;               // incremental: newest write_date second read by earlier passes
  std::string second;              // within a pass: newest second read so far ("" = pass not begun)
  std::vector<std::int64_t> seen;  // within a pass: ids already listed in that second
  std::string settled;             // server time before the pass's first query ("" = unknown)
  // Records read after their second was closed: write_date second -> ids (sorted, unique).
  std::map<std::string, std::vector<std::int64_t>> read;

  // Where a pass that begins from this cursor starts reading (the overlap window): after
  // `since`, or the overlap before `settled` when that is earlier; without `settled`, the
  // overlap before `since`.
  std::string window_start(int overlap) const;
  // Remember `id` read at `write_date` (second precision), read when `closed` was the first
  // second not yet closed; ignored unless write_date < closed.
  void remember(std::int64_t id, const std::string& write_date, const std::string& closed);
  // Sort and deduplicate, drop seconds before `from`, then the oldest ids beyond
  // kMaxRemembered (whole seconds first).
  void tidy(const std::string& from);
  std::size_t remembered() const;
  // Domain terms (to AND with the rest) leaving out the remembered pairs of seconds >= from.
  Array unread_terms(const std::string& from) const;

  // {"full", "after", "start"} or {"since"[, "write_date", "ids"]}, each with "settled"
  // when known and "read" ({second: "1-5,9"}) when something is remembered. The form
  // stored before the overlap, {"write_date", "ids"} alone, decodes as since = write_date:
  // read again from that second. An unreadable "read" decodes as nothing remembered.
  std::string encode() const;
  static Result<Cursor> decode(const std::string& text);
};

// Sorted ids as runs: {1, 2, 3, 7} -> "1-3,7"; and back (nullopt when malformed or longer
// than `limit` ids).
std::string encode_id_runs(const std::vector<std::int64_t>& sorted_ids);
std::optional<std::vector<std::int64_t>> decode_id_runs(const std::string& text, std::size_t limit);

}  // namespace coopsync::odoo
