#include "core/model/normalize.hpp"

#include <phonenumbers/phonenumberutil.h>

#include <algorithm>
#include <cctype>
#include <mutex>
#include <unordered_set>

namespace coopsync {

namespace {
std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}
}  // namespace

std::optional<std::string> normalize_email(std::string_view text) {
  std::string_view t = trim(text);
  if (t.size() < 3 || t.size() > 254) return std::nullopt;
  const auto at = t.find('@');
  if (at == std::string_view::npos || at == 0 || at + 1 == t.size() || t.find('@', at + 1) != std::string_view::npos) {
    return std::nullopt;
  }
  std::string out;
  out.reserve(t.size());
  for (unsigned char c : t) {
    if (std::isspace(c) || c < 0x20) return std::nullopt;
    out.push_back(static_cast<char>(std::tolower(c)));
  }
  return out;
}

namespace {
// Numbers this process has written in E.164. Parsing one again, whatever the region, gives
// itself: a connector that normalised a record's phone and the engine that normalises it
// once more then pay libphonenumber (ICU regexes, a few microseconds) once, not twice.
// Bounded: emptied when full.
class KnownE164 {
 public:
  bool contains(std::string_view number) {
    std::lock_guard lock(mutex_);
    return numbers_.count(std::string(number)) > 0;
  }
  void add(const std::string& number) {
    std::lock_guard lock(mutex_);
    if (numbers_.size() >= kMax) numbers_.clear();
    numbers_.insert(number);
  }

 private:
  static constexpr std::size_t kMax = 16384;
  std::mutex mutex_;
  std::unordered_set<std::string> numbers_;
};

KnownE164& known_e164() {
  static KnownE164 known;
  return known;
}
}  // namespace

std::optional<std::string> normalize_phone(std::string_view text, const std::string& default_region) {
  using i18n::phonenumbers::PhoneNumber;
  using i18n::phonenumbers::PhoneNumberUtil;
  std::string_view t = trim(text);
  if (t.empty() || t.size() > 64) return std::nullopt;
  if (t.front() == '+' && known_e164().contains(t)) return std::string(t);
  const PhoneNumberUtil& util = *PhoneNumberUtil::GetInstance();
  PhoneNumber number;
  if (util.Parse(std::string(t), default_region, &number) != PhoneNumberUtil::NO_PARSING_ERROR) {
    return std::nullopt;
  }
  if (!util.IsValidNumber(number)) return std::nullopt;
  std::string out;
  util.Format(number, PhoneNumberUtil::E164, &out);
  known_e164().add(out);
  return out;
}

void derive_fields(EntityKind kind, Fields& fields) {
  if (kind != EntityKind::kEvent || !fields.is_object()) return;
  // A system without an all-day notion (Mobilizon, Odoo Events) still says it by the form
  // of its start: stating it at once keeps a calendar's read-back ("all_day": false) from
  // looking like news a pass later.
  auto start = fields.find(field::kStart);
  if (!fields.contains(field::kAllDay) && start != fields.end() && start->is_string()) {
    fields[field::kAllDay] = start->get<std::string>().size() == 10;  // "2026-03-29"
  }
}

void normalize_fields(EntityKind kind, Fields& fields, const std::string& default_region) {
  if (kind != EntityKind::kPerson || !fields.is_object()) return;
  if (auto it = fields.find(field::kEmail); it != fields.end() && it->is_string()) {
    if (auto e = normalize_email(it->get<std::string>())) *it = *e;
  }
  if (auto it = fields.find(field::kPhone); it != fields.end() && it->is_string()) {
    if (it->get<std::string>().empty()) {
      *it = nullptr;
    } else if (auto p = normalize_phone(it->get<std::string>(), default_region)) {
      *it = *p;
    }
  }
}

}  // namespace coopsync
