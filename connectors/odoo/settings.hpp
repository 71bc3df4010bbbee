#pragma once
// The odoo connector's configuration keys (declared as data for `config validate` and
// `connectors describe`) and their parsed form.
#include "connectors/odoo/value.hpp"
#include "core/config/spec.hpp"
#include "core/result.hpp"

#include <chrono>
#include <string>
#include <vector>

namespace coopsync::odoo {

enum class Protocol { kXmlRpc, kJson2, kAuto };

struct Settings {
  std::string url;       // no trailing slash
  std::string database;
  std::string username = "admin";
  std::string password;  // XML-RPC password (or an API key: Odoo accepts both)
  std::string api_key;   // JSON-2 bearer key (Odoo 19+); also used for XML-RPC if no password
  Protocol protocol = Protocol::kAuto;
  std::chrono::milliseconds timeout{60000};
  int page_size = 1000;
  // A pass reads again from this many seconds before the newest write_date the previous
  // pass saw (same-second edits, transactions that committed after the read).
  int cursor_overlap_seconds = 2;
  int batch_size = 100;
  std::string member_tag;    // persons in scope carry this res.partner.category name ("" = all)
  Array person_domain;       // extra domain on res.partner
  // res.partner field holding the canonical member_number (e.g. "ref"); "" = not synced.
  std::string member_number_field;
  // Canonical fields a partner is searched by, in this order, before one is created:
  // "email", "member_number". The first key that finds partners decides.
  std::vector<std::string> person_match{"email"};
  std::string group_model = "res.partner.category";
  std::string group_prefix;  // only tags named "<prefix>..." are groups ("" = all)
  std::string group_parent;  // only children of the tag with this name are groups ("" = any)
  Array event_domain;
  bool unlink_on_delete = true;  // a delete unlinks; false: it archives instead
  std::string default_region = "FR";
};

config::ObjectSpec settings_spec();
// From the validated section (defaults applied, secrets resolved). kInvalidInput when a
// key is missing or a domain is not a JSON array.
Result<Settings> parse_settings(const nlohmann::json& section, const std::string& default_region);

}  // namespace coopsync::odoo
