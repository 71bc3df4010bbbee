#include "connectors/odoo/settings.hpp"
#include "core/model/entity.hpp"

#include <algorithm>

namespace coopsync::odoo {

namespace fs = config::field_spec;

config::ObjectSpec settings_spec() {
  config::ObjectSpec s("Odoo 14-19: partners, partner tags, events and registrations over "
                       "XML-RPC or JSON-2");
  s.add(fs::string("url").require().describe("Odoo base URL, e.g. https://erp.example.coop"));
  s.add(fs::string("database").require().describe("Database name (X-Odoo-Database, execute_kw db)"));
  s.add(fs::string("username").fallback("admin").describe("Login for XML-RPC authenticate"));
  s.add(fs::secret("password").fallback("").describe(
      "XML-RPC password of that login (an API key works too)"));
  s.add(fs::secret("api_key").fallback("").describe(
      "API key (Preferences > Account Security); required for JSON-2, Odoo 19+"));
  s.add(fs::one_of("protocol", {"auto", "xmlrpc", "json2"}).fallback("auto").describe(
      "auto: JSON-2 on Odoo 19+ when an api_key is set, XML-RPC otherwise"));
  s.add(fs::duration("timeout").fallback("60s").describe("Per-request timeout"));
  // 1000: what Odoo's ORM reads in one go anyway (PREFETCH_MAX, odoo/models.py), so a page
  // is one batch of its queries; 500 paid each request's cost twice as often.
  s.add(fs::integer("page_size").fallback(1000).range(1, 10000).describe(
      "Records per search_read page (always with an explicit field list)"));
  s.add(fs::integer("cursor_overlap_seconds").fallback(2).range(0, 3600).describe(
      "Each pass reads again from this many seconds before the newest write_date the last "
      "pass saw, besides that second itself: write_date has second precision and is the start "
      "of the writing transaction, so an edit made in the second of a read, or committed by a "
      "transaction that began before it, is still seen. Unchanged re-read records write nothing"));
  s.add(fs::string("member_tag").fallback("").describe(
      "Partner tag that puts a partner in scope as a person (e.g. Membre); empty: every "
      "individual partner. Partners created by coopsync get it"));
  s.add(fs::string("person_domain").fallback("[]").describe(
      "Extra Odoo domain on res.partner, as JSON, e.g. [[\"country_id.code\", \"=\", \"FR\"]]"));
  s.add(fs::string("member_number_field").fallback("").describe(
      "res.partner field holding the member's number (canonical member_number), read and "
      "written like the other person fields: ref (Odoo's Reference) or a custom x_ field; "
      "empty: not synced"));
  s.add(fs::string_list("person_match").fallback(nlohmann::json::array({"email"})).describe(
      "Before creating a partner, the partners searched for one to adopt, by these canonical "
      "fields in this order (email, member_number): the first that finds partners decides; "
      "several found refuse the create (a duplicate to resolve), never a guess. "
      "member_number needs member_number_field"));
  s.add(fs::string("group_model").fallback("res.partner.category").describe(
      "Model holding groups (tags by default); partners join them through category_id"));
  s.add(fs::string("group_prefix").fallback("").describe(
      "Only tags whose name starts with this are groups (e.g. \"Région \")"));
  s.add(fs::string("group_parent").fallback("").describe(
      "Only children of the tag with this name are groups"));
  s.add(fs::string("event_domain").fallback("[]").describe("Extra Odoo domain on event.event"));
  s.add(fs::boolean("unlink_on_delete").fallback(true).describe(
      "A delete unlinks the record; false archives it (active = False) instead"));
  return s;
}

namespace {
Result<Array> parse_domain(const nlohmann::json& section, const char* key) {
  if (!section.contains(key) || !section[key].is_string()) return Array{};
  auto j = nlohmann::json::parse(section[key].get<std::string>(), nullptr, false);
  if (j.is_discarded() || !j.is_array()) {
    return make_error(ErrorKind::kInvalidInput,
                      std::string("odoo settings: ") + key + " must be a JSON array (an Odoo domain)");
  }
  return *from_json(j).as_array();
}
}  // namespace

Result<Settings> parse_settings(const nlohmann::json& section, const std::string& default_region) {
  if (!section.is_object()) return make_error(ErrorKind::kInvalidInput, "odoo settings: not an object");
  Settings s;
  auto str = [&](const char* key, std::string& out) {
    if (section.contains(key) && section[key].is_string()) out = section[key].get<std::string>();
  };
  str("url", s.url);
  str("database", s.database);
  str("username", s.username);
  str("password", s.password);
  str("api_key", s.api_key);
  str("member_tag", s.member_tag);
  str("group_model", s.group_model);
  str("member_number_field", s.member_number_field);
  if (section.contains("person_match") && section["person_match"].is_array()) {
    s.person_match.clear();
    for (const auto& key : section["person_match"]) {
      const std::string k = key.is_string() ? key.get<std::string>() : std::string();
      if (k != field::kEmail && k != field::kMemberNumber) {
        return make_error(ErrorKind::kInvalidInput, "odoo settings: person_match: '" + k +
                                                        "' is not a key partners are searched by "
                                                        "(email, member_number)");
      }
      if (k == field::kMemberNumber && s.member_number_field.empty()) {
        return make_error(ErrorKind::kInvalidInput,
                          "odoo settings: person_match lists member_number: set "
                          "member_number_field (e.g. ref)");
      }
      if (std::find(s.person_match.begin(), s.person_match.end(), k) == s.person_match.end()) {
        s.person_match.push_back(k);
      }
    }
  }
  str("group_prefix", s.group_prefix);
  str("group_parent", s.group_parent);
  while (!s.url.empty() && s.url.back() == '/') s.url.pop_back();
  if (s.url.empty() || s.database.empty()) {
    return make_error(ErrorKind::kInvalidInput, "odoo settings: url and database are required");
  }
  if (s.password.empty() && s.api_key.empty()) {
    return make_error(ErrorKind::kInvalidInput, "odoo settings: set password or api_key");
  }
  const std::string protocol = section.value("protocol", std::string("auto"));
  s.protocol = protocol == "xmlrpc" ? Protocol::kXmlRpc
               : protocol == "json2" ? Protocol::kJson2 : Protocol::kAuto;
  if (s.protocol == Protocol::kJson2 && s.api_key.empty()) {
    return make_error(ErrorKind::kInvalidInput, "odoo settings: protocol json2 needs api_key");
  }
  if (section.contains("timeout") && section["timeout"].is_number_integer()) {
    s.timeout = std::chrono::milliseconds(section["timeout"].get<long long>());
  }
  if (section.contains("page_size") && section["page_size"].is_number_integer()) {
    s.page_size = section["page_size"].get<int>();
  }
  if (section.contains("cursor_overlap_seconds") && section["cursor_overlap_seconds"].is_number_integer()) {
    s.cursor_overlap_seconds = section["cursor_overlap_seconds"].get<int>();
  }
  if (section.contains("batch_size") && section["batch_size"].is_number_integer()) {
    s.batch_size = section["batch_size"].get<int>();
  }
  if (section.contains("unlink_on_delete") && section["unlink_on_delete"].is_boolean()) {
    s.unlink_on_delete = section["unlink_on_delete"].get<bool>();
  }
  auto person = parse_domain(section, "person_domain");
  if (!person) return std::move(person).error();
  s.person_domain = std::move(*person);
  auto event = parse_domain(section, "event_domain");
  if (!event) return std::move(event).error();
  s.event_domain = std::move(*event);
  s.default_region = default_region;
  return s;
}

}  // namespace coopsync::odoo
