// Adopt-before-create by the configured person keys (person_match) against the simulator,
// over both transports: a partner already there with the member's number in `ref` is
// adopted when the email differs or is missing; the keys are tried in their order; two
// partners with one number are a refusal, never a guess; the number reads back.
#include "tests/integration/odoo/odoo_sim_env.hpp"
#include "tests/support/result_text.hpp"

#include <doctest/doctest.h>

using coopsync::testing::error_text;

namespace coopsync::odoo::testing {
namespace {

const Flavour kKeyTransports[] = {{16, "xmlrpc"}, {19, "json2"}};

std::unique_ptr<OdooConnector> keyed_connector(const OdooSim& sim, const Flavour& f,
                                               nlohmann::json match) {
  nlohmann::json section = sim_settings(sim, f);
  section["member_number_field"] = "ref";
  section["person_match"] = std::move(match);
  auto settings = parse_settings(section, "FR");
  REQUIRE_MESSAGE(settings.ok(), error_text(settings));
  return std::make_unique<OdooConnector>(std::move(*settings), http::make_curl_client({}));
}

Write keyed_person(const std::string& key, Fields fields) {
  Write w;
  w.key = key;
  w.kind = EntityKind::kPerson;
  w.op = WriteOp::kCreate;
  w.fields = std::move(fields);
  return w;
}

// Partners seeded into `sim` with their fields as given; their ids, in that order.
nlohmann::json seed_partners(OdooSim& sim, nlohmann::json partners) {
  return sim.post("/_sim/seed", {{"records", {{"res.partner", std::move(partners)}}}})["created"]["res.partner"];
}

// Two partners, one email each, consecutive member numbers.
nlohmann::json morel_partners() {
  return {{{"name", "Gaël Morel"}, {"email", "gael@example.org"}, {"ref", "M-0060"}},
          {{"name", "Hélène Morel"}, {"email", "helene@example.org"}, {"ref", "M-0061"}}};
}

std::int64_t partner_count(OdooSim& sim) { return static_cast<std::int64_t>(sim.state()["res.partner"].size()); }

TEST_CASE("a partner is adopted by its member number (ref) when the email differs or is missing") {
  for (const auto& f : kKeyTransports) {
    CAPTURE(f.version);
    OdooSim sim(f.version);
    nlohmann::json partners = {
        {{"name", "Chloé Bernard"}, {"email", "chloe.old@example.org"}, {"ref", "M-0042"}},
        {{"name", "Denis Petit"}, {"ref", "M-0043"}},  // no email at all
        {{"name", "Eva Roux"}, {"email", "eva@example.org"}, {"ref", "M-0050"}},
        {{"name", "Fabien Roux"}, {"email", "fabien@example.org"}, {"ref", "M-0050"}}};
    for (auto& p : morel_partners()) partners.push_back(p);
    const auto ids = seed_partners(sim, std::move(partners));
    auto c = keyed_connector(sim, f, {"email", "member_number"});
    const std::int64_t before = partner_count(sim);
    auto r = c->apply({
        // another email, same number: adopted by the number
        keyed_person("chloe", {{"display_name", "Chloé Bernard"},
                         {"email", "chloe@example.org"},
                         {"member_number", "M-0042"}}),
        // no email in the write, nor in Odoo: adopted by the number
        keyed_person("denis", {{"display_name", "Denis Petit"}, {"member_number", "M-0043"}}),
        // two partners carry the number: refused, nothing created
        keyed_person("dup", {{"display_name", "E. Roux"}, {"member_number", "M-0050"}}),
        // the email finds Gaël, the number Hélène: email comes first in person_match
        keyed_person("gael", {{"display_name", "Gaël Morel"},
                        {"email", "GAEL@example.org"},
                        {"member_number", "M-0061"}}),
        // nothing matches: created, with its number
        keyed_person("new", {{"display_name", "Inès Faure"},
                       {"email", "ines@example.org"},
                       {"member_number", "M-0099"}}),
    });
    REQUIRE(r.size() == 5);
    REQUIRE_MESSAGE(!r[0].error, error_text(r[0].error));
    CHECK(r[0].adopted);
    CHECK(r[0].external_id == std::to_string(ids[0].get<std::int64_t>()));
    CHECK(r[0].matched_key == "member_number");
    CHECK(r[0].matched_value == "M-0042");
    REQUIRE_MESSAGE(!r[1].error, error_text(r[1].error));
    CHECK(r[1].adopted);
    CHECK(r[1].external_id == std::to_string(ids[1].get<std::int64_t>()));
    REQUIRE(r[2].error);
    CHECK(r[2].error->kind == ErrorKind::kPermanent);
    CHECK(r[2].error->message.find("2 records match by member_number") != std::string::npos);
    REQUIRE_MESSAGE(!r[3].error, error_text(r[3].error));
    CHECK(r[3].adopted);
    CHECK(r[3].external_id == std::to_string(ids[4].get<std::int64_t>()));
    CHECK(r[3].matched_key == "email");
    CHECK(r[3].matched_value == "gael@example.org");
    REQUIRE_MESSAGE(!r[4].error, error_text(r[4].error));
    CHECK_FALSE(r[4].adopted);
    CHECK(partner_count(sim) == before + 1);  // only Inès was created
    CHECK(sim.record("res.partner", std::stoll(r[4].external_id))["ref"] == "M-0099");
    // Adopted partners join the scope (member tag): the number reads back as member_number.
    std::string cursor;
    bool found = false;
    for (int guard = 0; guard < 100; ++guard) {
      auto page = c->changes(EntityKind::kPerson, cursor, std::chrono::milliseconds(0));
      REQUIRE_MESSAGE(page.ok(), error_text(page));
      for (const auto& rec : page->records) {
        if (rec.external_id != r[0].external_id) continue;
        found = true;
        CHECK(rec.fields["member_number"] == "M-0042");
        CHECK(rec.fields["email"] == "chloe.old@example.org");  // adoption changes no field
      }
      cursor = page->cursor;
      if (!page->has_more) break;
    }
    CHECK(found);
    // find() uses the keys in the same order.
    auto hits = c->find(EntityKind::kPerson, {{"member_number", "M-0043"}});
    REQUIRE_MESSAGE(hits.ok(), error_text(hits));
    REQUIRE(hits->size() == 1);
    CHECK((*hits)[0].external_id == r[1].external_id);
  }
}

TEST_CASE("person_match orders the keys: the number first, and email only when not listed") {
  for (const auto& f : kKeyTransports) {
    CAPTURE(f.version);
    OdooSim sim(f.version);
    const auto ids = seed_partners(sim, morel_partners());
    auto number_first = keyed_connector(sim, f, {"member_number", "email"});
    auto r = number_first->apply({keyed_person(
        "x", {{"display_name", "G. Morel"}, {"email", "gael@example.org"}, {"member_number", "M-0061"}})});
    REQUIRE_MESSAGE(!r[0].error, error_text(r[0].error));
    CHECK(r[0].external_id == std::to_string(ids[1].get<std::int64_t>()));
    CHECK(r[0].matched_key == "member_number");
    // Only the number: the same email is no reason to adopt.
    auto number_only = keyed_connector(sim, f, {"member_number"});
    auto made = number_only->apply({keyed_person(
        "y", {{"display_name", "Gaël Morel bis"}, {"email", "gael@example.org"}, {"member_number", "M-0070"}})});
    REQUIRE_MESSAGE(!made[0].error, error_text(made[0].error));
    CHECK_FALSE(made[0].adopted);
  }
}

TEST_CASE("person_match is checked when the settings are read") {
  OdooSim sim(16);
  nlohmann::json section = sim_settings(sim, {16, "xmlrpc"});
  section["person_match"] = {"email", "member_number"};
  auto no_field = parse_settings(section, "FR");  // member_number without member_number_field
  REQUIRE_FALSE(no_field.ok());
  CHECK(no_field.error().message.find("member_number_field") != std::string::npos);
  section["member_number_field"] = "ref";
  section["person_match"] = {"phone"};
  auto unknown = parse_settings(section, "FR");
  REQUIRE_FALSE(unknown.ok());
  CHECK(unknown.error().kind == ErrorKind::kInvalidInput);
  section.erase("person_match");
  auto fallback = parse_settings(section, "FR");
  REQUIRE(fallback.ok());
  CHECK(fallback->person_match == std::vector<std::string>{"email"});
}

}  // namespace
}  // namespace coopsync::odoo::testing
