#include "connectors/odoo/feed_cursor.hpp"

#include <algorithm>
#include <charconv>
#include <chrono>

#include "connectors/odoo/domain.hpp"
#include "connectors/odoo/mapping.hpp"
#include "core/model/normalize.hpp"

namespace coopsync::odoo {

std::string odoo_seconds_before(const std::string& odoo, int seconds) {
  auto t = parse_instant(odoo);
  if (!t) return odoo;
  const auto earlier = *t - std::chrono::seconds(seconds);
  return earlier.time_since_epoch().count() <= 0 ? kOdooEpoch : format_odoo_datetime(earlier);
}

std::string encode_id_runs(const std::vector<std::int64_t>& ids) {
  std::string out;
  for (std::size_t i = 0; i < ids.size();) {
    std::size_t j = i;
    while (j + 1 < ids.size() && ids[j + 1] == ids[j] + 1) ++j;
    if (!out.empty()) out += ',';
    out += std::to_string(ids[i]);
    if (j > i) out += '-' + std::to_string(ids[j]);
    i = j + 1;
  }
  return out;
}

std::optional<std::vector<std::int64_t>> decode_id_runs(const std::string& text,
                                                        std::size_t limit) {
  std::vector<std::int64_t> ids;
  const char* p = text.data();
  const char* end = p + text.size();
  auto number = [&](std::int64_t& v) {
    auto [q, ec] = std::from_chars(p, end, v);
    if (ec != std::errc() || v <= 0) return false;
    p = q;
    return true;
  };
  while (p < end) {
    std::int64_t first = 0;
    std::int64_t last = 0;
    if (!number(first)) return std::nullopt;
    last = first;
    if (p < end && *p == '-') {
      ++p;
      if (!number(last) || last < first) return std::nullopt;
    }
    if (!ids.empty() && first <= ids.back()) return std::nullopt;  // sorted, unique
    if (static_cast<std::uint64_t>(last - first) >= limit - std::min(limit, ids.size()))
      return std::nullopt;
    for (std::int64_t id = first; id <= last; ++id) ids.push_back(id);
    if (p < end && *p++ != ',') return std::nullopt;
    if (p == end && text.back() == ',') return std::nullopt;
  }
  return ids;
}

std::string Cursor::window_start(int overlap) const {
  if (settled.empty()) return odoo_seconds_before(since, overlap);
  return std::min(odoo_next_second(since).value_or(since), odoo_seconds_before(settled, overlap));
}

void Cursor::remember(std::int64_t id, const std::string& write_date, const std::string& closed) {
  if (write_date.empty() || closed.empty() || !(write_date < closed)) return;
  read[write_date].push_back(id);
}

void Cursor::tidy(const std::string& from) {
  read.erase(read.begin(), read.lower_bound(from));
  for (auto& [s, ids] : read) {
    std::sort(ids.begin(), ids.end());
    ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  }
  // Over the cap: forget from the oldest seconds on (any part of the memory is sound to
  // forget: those records are read again), a whole second or, last, part of one.
  std::size_t excess = remembered() - std::min(remembered(), kMaxRemembered);
  while (excess > 0) {
    auto& ids = read.begin()->second;
    if (ids.size() > excess) {
      ids.resize(ids.size() - excess);
      break;
    }
    excess -= ids.size();
    read.erase(read.begin());
  }
}

std::size_t Cursor::remembered() const {
  std::size_t n = 0;
  for (const auto& [s, ids] : read) n += ids.size();
  return n;
}

Array Cursor::unread_terms(const std::string& from) const {
  Array terms;
  for (auto it = read.lower_bound(from); it != read.end(); ++it) {
    const auto next = odoo_next_second(it->first);
    if (!next || it->second.empty()) continue;
    // Not (written in that second and one of its ids): write_date is stored with
    // microseconds, so "in that second" is [S, S+1).
    terms.emplace_back("|");
    terms.emplace_back("|");
    terms.push_back(leaf("write_date", "<", Value(it->first)));
    terms.push_back(leaf("write_date", ">=", Value(*next)));
    terms.push_back(leaf("id", "not in", Value(ids_value(it->second))));
  }
  return terms;
}

std::string Cursor::encode() const {
  nlohmann::json j;
  if (full) {
    j = {{"full", true}, {"after", after}, {"start", start}};
  } else {
    j = {{"since", since}};
    if (!second.empty()) {
      j["write_date"] = second;
      j["ids"] = seen;
    }
  }
  if (!settled.empty()) j["settled"] = settled;
  if (!read.empty()) {
    nlohmann::json r = nlohmann::json::object();
    for (const auto& [s, ids] : read) r[s] = encode_id_runs(ids);
    j["read"] = std::move(r);
  }
  return j.dump();
}

namespace {

// What the cursor remembers, or nothing if any of it is unreadable (nothing remembered
// only costs reading the window again).
std::map<std::string, std::vector<std::int64_t>> decode_read(const nlohmann::json& j) {
  std::map<std::string, std::vector<std::int64_t>> read;
  if (!j.is_object()) return {};
  std::size_t total = 0;
  for (const auto& [second, runs] : j.items()) {
    if (!odoo_next_second(second) || !runs.is_string()) return {};
    auto ids = decode_id_runs(runs.get<std::string>(), kMaxRemembered - total);
    if (!ids) return {};
    total += ids->size();
    read[second] = std::move(*ids);
  }
  return read;
}

}  // namespace

Result<Cursor> Cursor::decode(const std::string& text) {
  auto j = nlohmann::json::parse(text, nullptr, false);
  Cursor c;
  try {
    if (j.is_object() && j.contains("settled")) {
      c.settled = j.at("settled").get<std::string>();
      if (!odoo_next_second(c.settled)) c.settled.clear();  // unreadable: as if unknown
    }
    if (j.is_object() && j.contains("read")) c.read = decode_read(j.at("read"));
    if (j.is_object() && j.value("full", false)) {
      c.full = true;
      c.after = j.at("after").get<std::int64_t>();
      c.start = j.at("start").get<std::string>();
      return c;
    }
    if (j.is_object() && j.contains("since")) {
      c.since = j.at("since").get<std::string>();
      if (j.contains("write_date")) {
        c.second = j.at("write_date").get<std::string>();
        c.seen = j.at("ids").get<std::vector<std::int64_t>>();
      }
      if (odoo_next_second(c.since) && (c.second.empty() || odoo_next_second(c.second))) return c;
    } else if (j.is_object() && j.contains("write_date")) {
      // Stored before the overlap: the newest second read and its ids. Read that second
      // again (and the overlap before it) rather than trust the ids.
      c.since = j.at("write_date").get<std::string>();
      j.at("ids").get<std::vector<std::int64_t>>();
      if (odoo_next_second(c.since)) return c;
    }
  } catch (const nlohmann::json::exception&) {
  }
  return make_error(ErrorKind::kInvalidInput,
                    "odoo: unreadable cursor '" + text.substr(0, 80) + "'");
}

}  // namespace coopsync::odoo
