// Contract: meetings (calendar.event) as the connector reads and writes them, against the
// captured traffic (../shared/fixtures/odoo 52-57, odoo19 61-62), over both transports.
// A fake Odoo answers the connector's calls, calendar.event reads with the captured
// answers (54 on 16, 62 on 19); what the connector sends for calendar.event is compared
// with the captured requests:
//  - a meeting made from a canonical event sends the captured create values (52, 53; 61
//    on JSON-2), its attendees following as partner_ids commands, which end in the same
//    set as the captured create's;
//  - an attendee removed sends exactly the captured write (56): [[3, 9]] on meeting 1;
//  - the captured answers read as the right canonical events and registrations.
#include "connectors/odoo/odoo_connector.hpp"
#include "connectors/odoo/xmlrpc.hpp"
#include "tests/contract/odoo/odoo_fixtures.hpp"
#include "tests/support/fake_http.hpp"
#include "tests/support/fixtures.hpp"
#include "tests/support/result_text.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <map>

using coopsync::testing::error_text;

namespace coopsync::odoo {
namespace {

using coopsync::testing::read_file;
using coopsync::testing::respond;
using coopsync::testing::skip_without_fixtures;
using namespace coopsync::odoo::testing;

constexpr const char* kApiKey = "0123456789abcdef0123456789abcdef01234567";

// One ORM call as the fake server saw it: XML-RPC execute_kw positional args and kwargs,
// or the JSON-2 body (named arguments).
struct Seen {
  std::string model, method;
  Value args;       // XML-RPC: the args array; JSON-2: null
  Value kwargs;     // XML-RPC: kwargs struct (may be nil); JSON-2: the body
  std::string raw;  // the request body as sent
};

Value J(const nlohmann::json& j) { return from_json(j); }

nlohmann::json fields_get_calendar() {
  nlohmann::json f;
  for (const char* n : {"name", "location"}) f[n] = {{"type", "char"}};
  for (const char* n : {"start", "stop", "write_date"}) f[n] = {{"type", "datetime"}};
  for (const char* n : {"start_date", "stop_date"}) f[n] = {{"type", "date"}};
  for (const char* n : {"allday", "active"}) f[n] = {{"type", "boolean"}};
  f["description"] = {{"type", "html"}};
  f["duration"] = {{"type", "float"}};
  f["event_tz"] = {{"type", "selection"},
                   {"selection", {{"Europe/Paris", "Europe/Paris"}, {"UTC", "UTC"}}}};
  f["partner_ids"] = {{"type", "many2many"}, {"relation", "res.partner"}};
  f["attendee_ids"] = {{"type", "one2many"}, {"relation", "calendar.attendee"}};
  return f;  // no categ_ids: the meeting tags are not asked for then
}

class FakeOdoo {
 public:
  explicit FakeOdoo(int version) : version_(version) {}
  std::vector<Seen> calls;
  Value meeting_rows = Value(Array{});  // what calendar.event.search_read answers (feed reads)
  std::vector<std::int64_t> persons;    // res.partner.search answers (persons in scope)
  bool no_calendar = false;             // an Odoo without the calendar module

  Result<http::Response> handle(const http::Request& r) {
    const http::Headers xml{{"Content-Type", "text/xml; charset=utf-8"}};
    const http::Headers json{{"Content-Type", "application/json; charset=utf-8"}};
    if (r.url.ends_with("/web/version")) {
      if (version_ < 17)
        return respond(404, "<html>Not Found</html>", {{"Content-Type", "text/html"}});
      return load_exchange("01-web-version-get").response();
    }
    if (r.url.ends_with("/xmlrpc/2/common")) {
      auto call = xmlrpc::parse_call(r.body);
      REQUIRE(call.ok());
      if (call->method == "version")
        return respond(200, read_file(odoo16_dir() / "01-common-version.response.xml"), xml);
      return respond(200, read_file(odoo16_dir() / "02-common-authenticate-ok.response.xml"), xml);
    }
    Seen s;
    s.raw = r.body;
    if (r.url.find("/xmlrpc/2/object") != std::string::npos) {
      auto call = xmlrpc::parse_call(r.body);
      REQUIRE(call.ok());
      REQUIRE(call->params.size() >= 6);
      s.model = *call->params[3].as_string();
      s.method = *call->params[4].as_string();
      s.args = call->params[5];
      if (call->params.size() > 6) s.kwargs = call->params[6];
    } else {
      const std::string rest = r.url.substr(r.url.find("/json/2/") + 8);
      s.model = rest.substr(0, rest.find('/'));
      s.method = rest.substr(rest.find('/') + 1);
      s.kwargs = J(nlohmann::json::parse(r.body));
    }
    if (no_calendar && s.model == "calendar.event" && r.url.find("/xmlrpc/") != std::string::npos) {
      // As captured for an unknown model (29): fault 2.
      return respond(200, xmlrpc::encode_fault({2, "Object calendar.event doesn't exist"}), xml);
    }
    Value answer = answer_for(s);
    calls.push_back(std::move(s));
    if (r.url.find("/json/2/") != std::string::npos)
      return respond(200, to_json(answer).dump(), json);
    return respond(200, xmlrpc::encode_response(answer), xml);
  }

  std::vector<const Seen*> of(const std::string& model, const std::string& method) const {
    std::vector<const Seen*> out;
    for (const auto& c : calls) {
      if (c.model == model && c.method == method) out.push_back(&c);
    }
    return out;
  }

 private:
  Value answer_for(const Seen& s) {
    if (s.model == "res.users" && s.method == "context_get")
      return J({{"lang", "en_US"}, {"tz", false}, {"uid", 2}});
    if (s.method == "fields_get")
      return s.model == "calendar.event" ? J(fields_get_calendar()) : Value(Struct{});
    if (s.method == "search") {
      Array ids;
      if (s.model == "res.partner") {
        for (auto p : persons) ids.emplace_back(p);
      }
      return Value(std::move(ids));
    }
    if (s.method == "search_read") {
      // Adoption lookups (by name) find nothing; feed reads get the captured rows.
      const Value* fields = s.kwargs.find("fields");
      const bool feed = fields && fields->as_array() &&
                        std::any_of(fields->as_array()->begin(), fields->as_array()->end(),
                                    [](const Value& v) { return v == Value("write_date"); });
      return s.model == "calendar.event" && feed ? meeting_rows : Value(Array{});
    }
    if (s.method == "create") {
      const Value* vals = version_ >= 19 ? s.kwargs.find("vals_list") : &(*s.args.as_array())[0];
      if (vals && vals->is_struct()) return Value(next_id_++);  // one dict: one id, as 52 answered
      Array ids;
      for (std::size_t i = 0; vals && vals->as_array() && i < vals->as_array()->size(); ++i)
        ids.emplace_back(next_id_++);
      return Value(std::move(ids));
    }
    return Value(true);  // write
  }
  int version_;
  std::int64_t next_id_ = 1;
};

Settings settings_for(int version) {
  Settings s;
  s.url = "http://odoo.test";
  s.database = version >= 19 ? "coop19" : "coop";
  s.username = "admin";
  s.password = version >= 19 ? "" : "admin";
  s.api_key = version >= 19 ? kApiKey : "";
  s.protocol = version >= 19 ? Protocol::kJson2 : Protocol::kXmlRpc;
  s.page_size = 50;
  return s;
}

Write write_of(EntityKind kind, WriteOp op, Fields fields, std::string external_id = "") {
  Write w;
  w.kind = kind;
  w.op = op;
  w.fields = std::move(fields);
  w.external_id = std::move(external_id);
  return w;
}

// The captured create values: the dict of 52/53 (XML-RPC) or 61 (JSON-2), partner_ids aside.
Value captured_create(int version, const char* fixture16, Value* partner_ids) {
  Value vals;
  if (version >= 19) {
    vals = J(
        nlohmann::json::parse(load_exchange("61-calendar-event-create").request_body)["vals_list"]);
  } else {
    auto call =
        xmlrpc::parse_call(read_file(odoo16_dir() / (std::string(fixture16) + ".request.xml")));
    REQUIRE(call.ok());
    vals = (*call->params[5].as_array())[0];
  }
  Struct rest;
  for (const auto& m : *vals.as_struct()) {
    if (m.name == "partner_ids") {
      *partner_ids = m.value;
    } else {
      rest.push_back(m);
    }
  }
  return Value(std::move(rest));
}

// Structs compare as maps.
bool same(const Value& a, const Value& b) { return to_json(a) == to_json(b); }

// The partner set a list of x2many commands leaves on an empty relation.
std::vector<std::int64_t> applied(const Value& commands) {
  std::vector<std::int64_t> out;
  for (const auto& c : *commands.as_array()) {
    const Array& cmd = *c.as_array();
    const auto code = *cmd[0].as_int();
    if (code == 6) {
      out = id_list(cmd[2]);
    } else if (code == 4 && std::find(out.begin(), out.end(), *cmd[1].as_int()) == out.end()) {
      out.push_back(*cmd[1].as_int());
    } else if (code == 3) {
      out.erase(std::remove(out.begin(), out.end(), *cmd[1].as_int()), out.end());
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

// The vals of a create call and the (ids, vals) of a write call, whatever the transport.
Value create_vals(const Seen& s) {
  const Value* list = s.args.is_array() ? &(*s.args.as_array())[0] : s.kwargs.find("vals_list");
  REQUIRE(list != nullptr);
  if (list->is_struct())
    return *list;  // one record: the dict alone, as the captured clients send it
  REQUIRE(list->as_array());
  REQUIRE(list->as_array()->size() == 1);
  return (*list->as_array())[0];
}
std::pair<std::vector<std::int64_t>, Value> write_args(const Seen& s) {
  if (s.args.is_array()) return {id_list((*s.args.as_array())[0]), (*s.args.as_array())[1]};
  return {id_list(*s.kwargs.find("ids")), *s.kwargs.find("vals")};
}

TEST_CASE("a meeting made from a canonical event sends the captured create, attendees after") {
  for (int version : {16, 19}) {
    CAPTURE(version);
    skip_without_fixtures(version >= 19 ? "odoo19" : "odoo");
    FakeOdoo odoo(version);
    OdooConnector c(settings_for(version),
                    std::make_unique<coopsync::testing::FakeHttpClient>(
                        [&](const http::Request& r) { return odoo.handle(r); }));
    c.enable_meetings({true, {}, false, true}, nullptr);

    // 52 / 61: a timed meeting, canonical instants in UTC, no time zone set.
    auto made = c.apply({write_of(EntityKind::kEvent, WriteOp::kCreate,
                                  {{"title", "Conseil d'administration"},
                                   {"start", "2027-03-27T17:00:00Z"},
                                   {"end", "2027-03-27T19:00:00Z"},
                                   {"all_day", false},
                                   {"timezone", nullptr},
                                   {"location", "Salle commune"},
                                   {"description", "Ordre du jour"},
                                   {"status", "confirmed"},
                                   {"capacity", nullptr}})});
    REQUIRE_MESSAGE(!made[0].error, error_text(made[0].error));
    CHECK(made[0].external_id == "calendar.event:1");
    Value captured_partners;
    const Value captured = captured_create(version, "52-calendar-event-create", &captured_partners);
    auto creates = odoo.of("calendar.event", "create");
    REQUIRE(creates.size() == 1);
    // Outside the message: create_vals asserts, and a message is evaluated under -s (an
    // assertion inside a message's evaluation deadlocks doctest's reporter).
    const Value made_vals = create_vals(*creates[0]);
    CHECK_MESSAGE(same(made_vals, captured),
                  to_json(made_vals).dump() << "\nvs\n" << to_json(captured).dump());
    // Its attendees as registrations: one write with [4, p] each, same set as captured.
    auto regs = c.apply(
        {write_of(EntityKind::kRegistration, WriteOp::kCreate,
                  {{"person", "7"}, {"event", "calendar.event:1"}, {"status", "registered"}}),
         write_of(EntityKind::kRegistration, WriteOp::kCreate,
                  {{"person", "9"}, {"event", "calendar.event:1"}, {"status", "registered"}})});
    REQUIRE_FALSE(regs[0].error);
    CHECK(regs[1].external_id == "calendar.event:1:partner:9");
    auto writes = odoo.of("calendar.event", "write");
    REQUIRE(writes.size() == 1);
    auto [ids, vals] = write_args(*writes[0]);
    CHECK(ids == std::vector<std::int64_t>{1});
    CHECK(applied(*vals.find("partner_ids")) == applied(captured_partners));
    CHECK(vals.as_struct()->size() == 1);

    if (version < 19) {
      // 53: all-day, as dates with midnight bounds; its attendee as the captured [[4, 7]].
      odoo.calls.clear();
      auto day = c.apply({write_of(EntityKind::kEvent, WriteOp::kCreate,
                                   {{"title", "Journée portes ouvertes"},
                                    {"start", "2027-03-28"},
                                    {"end", "2027-03-28"},
                                    {"all_day", true},
                                    {"timezone", nullptr},
                                    {"location", nullptr},
                                    {"description", nullptr},
                                    {"status", "confirmed"}})});
      REQUIRE_MESSAGE(!day[0].error, error_text(day[0].error));
      Value partners53;
      const Value captured53 = captured_create(16, "53-calendar-event-create-allday", &partners53);
      REQUIRE(odoo.of("calendar.event", "create").size() == 1);
      const Value vals53 = create_vals(*odoo.of("calendar.event", "create")[0]);
      CHECK_MESSAGE(same(vals53, captured53), to_json(vals53).dump());
      auto one = c.apply(
          {write_of(EntityKind::kRegistration, WriteOp::kCreate,
                    {{"person", "7"}, {"event", day[0].external_id}, {"status", "registered"}})});
      REQUIRE_FALSE(one[0].error);
      REQUIRE(odoo.of("calendar.event", "write").size() == 1);
      CHECK(same(*write_args(*odoo.of("calendar.event", "write")[0]).second.find("partner_ids"),
                 partners53));
    }
  }
}

TEST_CASE("an attendee removed is the captured write [[3, 9]] on the meeting (56)") {
  for (int version : {16, 19}) {
    CAPTURE(version);
    skip_without_fixtures(version >= 19 ? "odoo19" : "odoo");
    FakeOdoo odoo(version);
    OdooConnector c(settings_for(version),
                    std::make_unique<coopsync::testing::FakeHttpClient>(
                        [&](const http::Request& r) { return odoo.handle(r); }));
    c.enable_meetings({true, {}, false, false}, nullptr);
    auto r = c.apply(
        {write_of(EntityKind::kRegistration, WriteOp::kDelete, {}, "calendar.event:1:partner:9")});
    REQUIRE_FALSE(r[0].error);
    auto writes = odoo.of("calendar.event", "write");
    REQUIRE(writes.size() == 1);
    if (version < 19) {
      // The whole execute_kw, byte for byte as Python's xmlrpc.client wrote it.
      CHECK(writes[0]->raw ==
            read_file(odoo16_dir() / "56-calendar-event-write-attendees.request.xml"));
    } else {
      // JSON-2 shape of a write (13): ids beside the named vals.
      CHECK(nlohmann::json::parse(writes[0]->raw) ==
            nlohmann::json::parse(R"({"ids": [1], "vals": {"partner_ids": [[3, 9]]}})"));
    }
  }
}

TEST_CASE("the captured calendar.event answers read as events and registrations") {
  for (int version : {16, 19}) {
    CAPTURE(version);
    skip_without_fixtures(version >= 19 ? "odoo19" : "odoo");
    FakeOdoo odoo(version);
    if (version >= 19) {
      odoo.meeting_rows =
          J(nlohmann::json::parse(load_exchange("62-calendar-event-search-read").response_body));
    } else {
      auto parsed = xmlrpc::parse_response(
          read_file(odoo16_dir() / "54-calendar-event-search-read.response.xml"));
      REQUIRE(parsed.ok());
      odoo.meeting_rows = parsed->result;
    }
    odoo.persons = {7, 9};
    OdooConnector c(settings_for(version),
                    std::make_unique<coopsync::testing::FakeHttpClient>(
                        [&](const http::Request& r) { return odoo.handle(r); }));
    c.enable_meetings({true, {}, false, false}, nullptr);
    std::map<std::string, ExternalRecord> events;
    std::string cursor;
    for (int guard = 0; guard < 10; ++guard) {
      auto page = c.changes(EntityKind::kEvent, cursor, std::chrono::milliseconds(0));
      REQUIRE_MESSAGE(page.ok(), error_text(page));
      for (auto& rec : page->records) events[rec.external_id] = rec;
      cursor = page->cursor;
      if (!page->has_more) break;
    }
    // The fields asked for are among those of the captured search_read (54).
    const std::vector<std::string> captured54 = {
        "name",     "start",    "stop",     "allday",      "start_date",  "stop_date",
        "duration", "event_tz", "location", "description", "partner_ids", "attendee_ids",
        "user_id",  "privacy",  "show_as",  "recurrency",  "active",      "write_date"};
    auto reads = odoo.of("calendar.event", "search_read");
    REQUIRE_FALSE(reads.empty());
    for (const auto& f : *reads.back()->kwargs.find("fields")->as_array()) {
      CHECK_MESSAGE(
          std::find(captured54.begin(), captured54.end(), *f.as_string()) != captured54.end(),
          *f.as_string());
    }
    REQUIRE(events.count("calendar.event:1"));
    const Fields& timed = events.at("calendar.event:1").fields;
    CHECK(timed["title"] == "Conseil d'administration");
    CHECK(timed["start"] == "2027-03-27T17:00:00Z");
    CHECK(timed["end"] == "2027-03-27T19:00:00Z");
    CHECK(timed["all_day"] == false);
    CHECK(timed["timezone"].is_null());  // event_tz False (or not there)
    CHECK(timed["location"] == "Salle commune");
    CHECK(timed["description"] == "Ordre du jour");  // 19: the organizer block cut off
    CHECK(timed["status"] == "confirmed");
    if (version < 19) {
      REQUIRE(events.count("calendar.event:2"));
      const Fields& day = events.at("calendar.event:2").fields;
      CHECK(day["all_day"] == true);
      CHECK(day["start"] == "2027-03-28");  // start_date, not start (08:00 UTC)
      CHECK(day["end"] == "2027-03-28");
      CHECK(day["description"].is_null());
    }
    std::map<std::string, ExternalRecord> regs;
    cursor.clear();
    for (int guard = 0; guard < 10; ++guard) {
      auto page = c.changes(EntityKind::kRegistration, cursor, std::chrono::milliseconds(0));
      REQUIRE_MESSAGE(page.ok(), error_text(page));
      for (auto& rec : page->records) regs[rec.external_id] = rec;
      cursor = page->cursor;
      if (!page->has_more) break;
    }
    CHECK(regs.size() == (version < 19 ? 3u : 2u));
    REQUIRE(regs.count("calendar.event:1:partner:9"));
    CHECK(regs.at("calendar.event:1:partner:9").fields["person"] == "9");
    CHECK(regs.at("calendar.event:1:partner:9").fields["event"] == "calendar.event:1");
    CHECK(regs.at("calendar.event:1:partner:9").fields["status"] == "registered");
    CHECK(regs.count("calendar.event:1:partner:7"));
    if (version < 19) CHECK(regs.count("calendar.event:2:partner:7"));
  }
}

TEST_CASE("doctor: meetings on an Odoo without the calendar module are an error, not a silence") {
  skip_without_fixtures("odoo");
  FakeOdoo odoo(16);
  odoo.no_calendar = true;
  OdooConnector c(settings_for(16), std::make_unique<coopsync::testing::FakeHttpClient>(
                                        [&](const http::Request& r) { return odoo.handle(r); }));
  CHECK(c.check().ok());  // meetings off: calendar.event is not asked for
  c.enable_meetings({true, {}, false, false}, nullptr);
  Status st = c.check();
  REQUIRE_FALSE(st.ok());
  CHECK(st.error().kind == ErrorKind::kPermanent);
  CHECK(st.error().message.find("calendar.event") != std::string::npos);
}

}  // namespace
}  // namespace coopsync::odoo
