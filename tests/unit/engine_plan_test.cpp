// `coopsync plan` / `apply` at the engine level (core/engine/plan_file.hpp) through the
// "testfile" connector: a plan applied is exactly what the systems then hold; a record
// changed after planning makes apply refuse with the store and the systems untouched; an
// edited plan file is refused; entries outside the plan wait.
#include "core/engine/plan_file.hpp"
#include "tests/unit/engine_harness.hpp"

using namespace coopsync;
using coopsync::testing::EngineHarness;

namespace {

nlohmann::json person(const std::string& given, const std::string& email) {
  return {{"given_name", given},
          {"family_name", "Martin"},
          {"display_name", given + " Martin"},
          {"email", email},
          {"active", true}};
}

// One pass with everything reopened, as separate `coopsync plan` / `apply` runs would.
struct Run {
  Result<engine::PassReport> report = make_error(ErrorKind::kInternal, "not run");
  std::vector<engine::PlanItem> items;   // what the inspect hook described
  std::vector<std::string> differences;  // apply: compare_plans against `planned`
};

// plan: a dry run that describes its writes; else apply: only what `planned` holds, refused
// with kConflict when the writes due differ from it. `only_kinds`: limits the pass.
Run run(EngineHarness& h, bool plan, const std::vector<engine::PlanItem>* planned = nullptr,
        std::set<EntityKind> only_kinds = {}) {
  Run r;
  h.with_engine([&](engine::Engine& eng, store::Store& store, const config::Config& cfg) {
    engine::PassOptions options;
    options.dry_run = plan;
    options.only_planned = !plan;
    options.only_kinds = std::move(only_kinds);
    options.inspect = [&](const std::vector<engine::PlannedWrite>& writes) -> Status {
      auto items = engine::describe_planned(store, cfg, writes);
      if (!items.ok()) return std::move(items).error();
      r.items = std::move(items).value();
      if (planned == nullptr) return ok_status();
      r.differences = engine::compare_plans(*planned, r.items);
      if (r.differences.empty()) return ok_status();
      return make_error(ErrorKind::kConflict, "changed since the plan");
    };
    r.report = eng.run_pass(options);
    if (plan && r.report.ok()) REQUIRE(engine::fill_before(store, r.items).ok());
  });
  return r;
}

std::size_t outbox_rows(EngineHarness& h) {
  auto store = h.open_store();
  auto all = store->list_outbox(std::nullopt, 1000000);
  REQUIRE(all.ok());
  return all->size();
}

}  // namespace

TEST_CASE("plan then apply: the systems hold exactly the planned writes; the next plan is empty") {
  EngineHarness h;
  h.erp.add(EntityKind::kPerson, person("Ana", "ana@coop.example"));
  h.erp.add(EntityKind::kPerson, person("Bob", "bob@coop.example"));
  auto plan = run(h, true);
  REQUIRE(plan.report.ok());
  REQUIRE(plan.items.size() == 2);
  CHECK(h.cloud.live(EntityKind::kPerson).empty());  // planning wrote nothing
  CHECK(h.cloud.writes() == 0);
  CHECK(outbox_rows(h) == 0);
  for (const auto& i : plan.items) {
    CHECK(i.system == "cloud");
    CHECK(i.op == WriteOp::kCreate);
    CHECK(i.identity.rfind("erp/person/", 0) == 0);  // named by its record, not a minted id
    CHECK(i.rule.find("systems.cloud.kinds.person.create") != std::string::npos);
    CHECK(!i.snapshot_hash.empty());
  }

  // Through the file format and back: the same plan.
  engine::Plan doc;
  doc.items = plan.items;
  auto reread = engine::plan_from_json(nlohmann::json::parse(engine::plan_to_json(doc).dump()));
  REQUIRE(reread.ok());
  REQUIRE(reread->items.size() == 2);
  CHECK(engine::compare_plans(plan.items, reread->items).empty());

  // Apply mints new entity ids, yet recognises the plan by identities.
  auto applied = run(h, false, &reread->items);
  REQUIRE(applied.report.ok());
  CHECK(applied.differences.empty());
  CHECK(applied.report->systems["cloud"].created == 2);
  CHECK(h.cloud.writes() == 2);
  auto people = h.cloud.live(EntityKind::kPerson);
  std::set<std::string> emails;
  for (const auto& [id, p] : people.items()) emails.insert(p["email"].get<std::string>());
  CHECK(emails == std::set<std::string>{"ana@coop.example", "bob@coop.example"});

  auto again = run(h, true);
  REQUIRE(again.report.ok());
  CHECK(again.items.empty());
}

TEST_CASE("update plans carry field-level before/after and the merge rule behind the value") {
  EngineHarness h;
  const auto id = h.erp.add(EntityKind::kPerson, person("Ana", "ana@coop.example"));
  REQUIRE(run(h, false, nullptr).report.ok());  // an empty inspect: a plain pass
  h.erp.edit(EntityKind::kPerson, id, {{"email", "ana.martin@coop.example"}});
  auto plan = run(h, true);
  REQUIRE(plan.report.ok());
  REQUIRE(plan.items.size() == 1);
  const auto& item = plan.items[0];
  CHECK(item.op == WriteOp::kUpdate);
  CHECK(!item.base_version.empty());
  CHECK(!item.base_hash.empty());
  REQUIRE(item.fields.size() == 1);
  CHECK(item.fields[0].field == "email");
  CHECK(item.fields[0].before_known);
  CHECK(item.fields[0].before == "ana@coop.example");
  CHECK(item.fields[0].after == "ana.martin@coop.example");
  CHECK(item.fields[0].rule.find("from erp") != std::string::npos);
}

TEST_CASE("apply refuses, writing nothing, when a planned record changed since the plan") {
  EngineHarness h;
  const auto ana = h.erp.add(EntityKind::kPerson, person("Ana", "ana@coop.example"));
  REQUIRE(run(h, false, nullptr).report.ok());
  h.erp.edit(EntityKind::kPerson, ana, {{"email", "first@coop.example"}});
  auto plan = run(h, true);
  REQUIRE(plan.report.ok());
  REQUIRE(plan.items.size() == 1);

  h.erp.edit(EntityKind::kPerson, ana, {{"email", "second@coop.example"}});
  const int writes_before = h.cloud.writes();
  const auto rows_before = outbox_rows(h);
  auto refused = run(h, false, &plan.items);
  REQUIRE(!refused.report.ok());
  CHECK(refused.report.error().kind == ErrorKind::kConflict);
  REQUIRE(refused.differences.size() == 1);
  CHECK(refused.differences[0].find("first@coop.example") != std::string::npos);
  CHECK(h.cloud.writes() == writes_before);
  CHECK(outbox_rows(h) == rows_before);
  // The refused pass was rolled back whole: a fresh plan still sees the change, and the
  // second email is what it would write.
  auto fresh = run(h, true);
  REQUIRE(fresh.report.ok());
  REQUIRE(fresh.items.size() == 1);
  CHECK(fresh.items[0].projection["email"] == "second@coop.example");
}

TEST_CASE("apply refuses when the plan misses a write that is due now") {
  EngineHarness h;
  h.erp.add(EntityKind::kPerson, person("Ana", "ana@coop.example"));
  auto plan = run(h, true);
  REQUIRE(plan.report.ok());
  h.erp.add(EntityKind::kPerson, person("Bob", "bob@coop.example"));
  auto refused = run(h, false, &plan.items);
  REQUIRE(!refused.report.ok());
  REQUIRE(refused.differences.size() == 1);
  CHECK(refused.differences[0].find("bob@coop.example") != std::string::npos);
  CHECK(refused.differences[0].find("does not hold") != std::string::npos);
  CHECK(h.cloud.live(EntityKind::kPerson).empty());
}

TEST_CASE("a plan file edited after planning is refused") {
  EngineHarness h;
  h.erp.add(EntityKind::kPerson, person("Ana", "ana@coop.example"));
  auto plan = run(h, true);
  REQUIRE(plan.report.ok());
  engine::Plan doc;
  doc.items = plan.items;
  auto j = engine::plan_to_json(doc);
  j["systems"]["cloud"][0]["projection"]["email"] = "mallory@elsewhere.example";
  auto reread = engine::plan_from_json(j);
  REQUIRE(!reread.ok());
  CHECK(reread.error().kind == ErrorKind::kInvalidInput);
  CHECK(reread.error().message.find("edited") != std::string::npos);
  CHECK(!engine::plan_from_json(nlohmann::json::parse("{\"format\": 99}")).ok());
  CHECK(!engine::plan_from_json(nlohmann::json::parse("[1]")).ok());
}

TEST_CASE("applying a plan leaves pending entries outside it for a later pass") {
  EngineHarness h;
  h.erp.add(EntityKind::kPerson, person("Ana", "ana@coop.example"));
  {
    // A pass that plans durably but writes nothing: Ana's create waits in the outbox.
    engine::PassOptions options;
    options.apply = false;
    options.only_kinds = {EntityKind::kPerson};
    h.pass(options);
  }
  REQUIRE(outbox_rows(h) == 1);
  // A plan restricted to groups leaves Ana's entry alone.
  h.erp.add(EntityKind::kGroup, {{"name", "Lyon"}, {"slug", "lyon"}});
  auto plan = run(h, true, nullptr, {EntityKind::kGroup});
  REQUIRE(plan.report.ok());
  REQUIRE(plan.items.size() == 1);
  CHECK(plan.items[0].kind == EntityKind::kGroup);
  auto applied = run(h, false, &plan.items, {EntityKind::kGroup});
  REQUIRE(applied.report.ok());
  CHECK(h.cloud.live(EntityKind::kGroup).size() == 1);
  CHECK(h.cloud.live(EntityKind::kPerson).empty());  // not in the plan: still waiting
  auto store = h.open_store();
  auto pending = store->count_outbox("cloud", store::OutboxState::kPending);
  REQUIRE(pending.ok());
  CHECK(*pending == 1);
}
