// The pipelined apply (core/engine/apply_pipeline.hpp): a system's batches are sent from
// another thread, one at a time and in order, while the last one's answers are settled; a
// change of kind waits for the batch in flight to be settled; no batch follows answers
// that make the system unavailable.
#include "tests/unit/engine_harness.hpp"

#include <algorithm>
#include <atomic>
#include <mutex>
#include <thread>

using namespace coopsync;
using coopsync::testing::EngineHarness;

namespace {

// Wraps a system's connector and records how the engine calls apply().
class WatchingConnector final : public Connector {
 public:
  struct Call {
    std::thread::id thread;
    EntityKind kind = EntityKind::kPerson;
    std::size_t writes = 0;
    std::size_t person_links = 0;  // the system's persons linked in the store when it began
  };

  WatchingConnector(Connector& inner, store::Store& store, std::string system)
      : inner_(inner), store_(store), system_(std::move(system)) {}

  const Capabilities& capabilities() const override { return inner_.capabilities(); }
  Status check() override { return inner_.check(); }
  Result<ChangePage> changes(EntityKind kind, const std::string& cursor,
                             std::chrono::milliseconds wait) override {
    return inner_.changes(kind, cursor, wait);
  }
  Result<std::vector<ExternalRecord>> find(EntityKind kind, const Fields& keys) override {
    return inner_.find(kind, keys);
  }
  std::vector<WriteResult> apply(const std::vector<Write>& writes) override {
    const int now = ++in_flight_;
    int seen = most_in_flight_.load();
    while (now > seen && !most_in_flight_.compare_exchange_weak(seen, now)) {
    }
    Call call;
    call.thread = std::this_thread::get_id();
    call.kind = writes.front().kind;
    call.writes = writes.size();
    auto persons = store_.links_in(system_, EntityKind::kPerson);
    call.person_links = persons.ok() ? persons->size() : 0;
    std::vector<WriteResult> out;
    std::size_t index = 0;
    {
      std::lock_guard lock(mutex_);
      index = calls_.size();
      calls_.push_back(call);
    }
    if (auth_fails_from_call_ && index >= *auth_fails_from_call_) {
      for (std::size_t i = 0; i < writes.size(); ++i) {
        out.push_back(WriteResult{make_error(ErrorKind::kAuth, "token revoked", 401)});
      }
    } else {
      out = inner_.apply(writes);
    }
    --in_flight_;
    return out;
  }

  std::vector<Call> calls() {
    std::lock_guard lock(mutex_);
    return calls_;
  }
  int most_in_flight() const { return most_in_flight_.load(); }
  std::optional<std::size_t> auth_fails_from_call_;

 private:
  Connector& inner_;
  store::Store& store_;
  std::string system_;
  std::mutex mutex_;
  std::vector<Call> calls_;
  std::atomic<int> in_flight_{0};
  std::atomic<int> most_in_flight_{0};
};

// One pass with the cloud's connector watched.
// `watcher` keeps the record of the calls (its connector is gone after the pass).
engine::PassReport watched_pass(EngineHarness& h, std::unique_ptr<WatchingConnector>& watcher,
                                std::optional<std::size_t> auth_fails_from_call = std::nullopt) {
  auto cfg = h.load();
  auto store = store::open_sqlite_store(cfg.store.path);
  REQUIRE(store.ok());
  auto logger = std::make_shared<spdlog::logger>("test", std::make_shared<spdlog::sinks::null_sink_mt>());
  auto live = engine::build_systems(cfg, **store, ConnectorRegistry::instance(), logger);
  REQUIRE(live.ok());
  std::unique_ptr<WatchingConnector> owned;
  for (auto& rt : live->runtimes) {
    if (rt.name() != "cloud") continue;
    owned = std::make_unique<WatchingConnector>(*rt.connector, **store, "cloud");
    owned->auth_fails_from_call_ = auth_fails_from_call;
    rt.connector = owned.get();
  }
  REQUIRE(owned != nullptr);
  engine::Engine eng(cfg, **store, std::move(live->runtimes), logger);
  auto report = eng.run_pass({});
  REQUIRE(report.ok());
  watcher = std::move(owned);
  return *report;
}

void seed(EngineHarness& h, int persons) {
  const auto group = h.erp.add(EntityKind::kGroup, {{"name", "Lyon"}, {"slug", "lyon"}});
  for (int i = 0; i < persons; ++i) {
    const auto id = h.erp.add(EntityKind::kPerson, {{"email", "p" + std::to_string(i) + "@coop.example"},
                                                    {"given_name", "P" + std::to_string(i)}});
    h.erp.add(EntityKind::kMembership, {{"person", id}, {"group", group}, {"role", "member"}});
  }
}

}  // namespace

TEST_CASE("batches go out from another thread, one at a time, and a new kind waits for the last to settle") {
  EngineHarness h;
  h.cloud_batch_size = 10;
  seed(h, 35);
  std::unique_ptr<WatchingConnector> watcher;
  auto report = watched_pass(h, watcher);
  CHECK(report.systems["cloud"].created == 35 + 1 + 35);
  CHECK(report.systems["cloud"].failed == 0);
  const auto calls = watcher->calls();
  REQUIRE(calls.size() >= 9);  // 4 batches of persons, 1 of groups, 4 of memberships
  CHECK(watcher->most_in_flight() == 1);
  std::size_t persons_sent = 0;
  for (const auto& c : calls) {
    CHECK(c.thread != std::this_thread::get_id());
    if (c.kind == EntityKind::kPerson) persons_sent += c.writes;
    // Memberships name the persons by their ids in the cloud: every person batch is settled
    // before the first membership batch is prepared.
    if (c.kind == EntityKind::kMembership) CHECK(c.person_links == 35);
  }
  CHECK(persons_sent == 35);
  CHECK(h.cloud.live(EntityKind::kPerson).size() == 35);
  CHECK(h.cloud.live(EntityKind::kMembership).size() == 35);
  // Nothing left to do: every answer was settled.
  auto again = h.pass();
  CHECK(again.total_writes() == 0);
}

TEST_CASE("no batch is sent after answers that make the system unavailable") {
  EngineHarness h;
  h.cloud_batch_size = 10;
  seed(h, 35);
  std::unique_ptr<WatchingConnector> watcher;
  // The second batch of persons is refused (credentials revoked meanwhile).
  auto report = watched_pass(h, watcher, 1);
  CHECK(watcher->calls().size() == 2);
  CHECK(report.systems["cloud"].error.has_value());
  CHECK(report.systems["cloud"].created == 10);  // the first batch, settled all the same
  CHECK(h.cloud.live(EntityKind::kPerson).size() == 10);
  // The rest goes on a later pass, without duplicates.
  auto later = h.pass();
  CHECK(h.cloud.live(EntityKind::kPerson).size() == 35);
  CHECK(h.cloud.live(EntityKind::kMembership).size() == 35);
  CHECK(later.systems["cloud"].failed == 0);
}
