// Passes that read only change feeds (PassOptions::feeds_only, the daemon's polls and stream
// events): a change read from one system's feed is written to the others without listing
// what has no feed (Capabilities::listed_kinds: here the cloud's persons, as Nextcloud's
// users); those listings are read by a pass that reads the system whole, and by the pass
// that makes the hourly full plan. And the daemon's schedule made of it.
#include "core/daemon/worker.hpp"
#include "tests/unit/engine_harness.hpp"

using namespace coopsync;
using coopsync::testing::EngineHarness;
using std::chrono::milliseconds;

namespace {

nlohmann::json feeds_ana() {
  return {{"given_name", "Ana"}, {"family_name", "Martin"}, {"display_name", "Ana Martin"},
          {"email", "ana.martin@coop.example"}, {"phone", "06 12 34 56 78"}, {"active", true}};
}

engine::PassOptions feeds_of(const std::string& system) {
  engine::PassOptions o;
  o.pull_only = {system};
  o.feeds_only = true;
  return o;
}

nlohmann::json feeds_person(const coopsync::testing::FileSystem& fs) {
  const auto live = fs.live(EntityKind::kPerson);
  REQUIRE(live.size() == 1);
  return live.begin().value();
}

}  // namespace

TEST_CASE("a pass of one system's feed writes to the others without listing them") {
  EngineHarness h;
  h.cloud_extra = "    listed_kinds: [person]\n";
  const auto ana = h.erp.add(EntityKind::kPerson, feeds_ana());
  REQUIRE(h.pass().systems["cloud"].created == 1);
  const auto cloud_id = h.cloud.live(EntityKind::kPerson).begin().key();

  h.erp.edit(EntityKind::kPerson, ana, {{"phone", "06 99 88 77 66"}});
  h.cloud.edit(EntityKind::kPerson, cloud_id, {{"display_name", "Ana M."}});  // by hand there
  auto feed = h.pass(feeds_of("erp"));
  CHECK(feed.systems["erp"].read == 1);
  CHECK(feed.systems["cloud"].read == 0);  // its persons are a listing: not read
  CHECK(feed.systems["cloud"].updated == 1);
  CHECK(feeds_person(h.cloud)["phone"] == "+33699887766");
  CHECK(feeds_person(h.cloud)["display_name"] == "Ana M.");  // the write took only the phone
  CHECK(feeds_person(h.erp)["display_name"] == "Ana Martin");  // not seen yet

  // Another feed pass of the cloud: it has no feed for persons; nothing read, nothing written.
  auto idle = h.pass(feeds_of("cloud"));
  CHECK(idle.systems["cloud"].read == 0);
  CHECK(idle.total_writes() == 0);

  // The cloud read whole (its full-read schedule): the edit made there reaches the ERP.
  engine::PassOptions whole;
  whole.pull_only = {"cloud"};
  auto full = h.pass(whole);
  CHECK(full.systems["cloud"].read == 1);
  CHECK(full.systems["erp"].updated == 1);
  CHECK(feeds_person(h.erp)["display_name"] == "Ana M.");
  CHECK(feeds_person(h.cloud)["phone"] == "+33699887766");
  CHECK(h.pass().total_writes() == 0);
}

TEST_CASE("a feed pass reads a listing it skipped before creating there: no second account") {
  // The cloud cannot look a person up by email (as Synapse 1.67): only its listing finds an
  // account made there by hand.
  EngineHarness h;
  h.cloud_extra = "    listed_kinds: [person]\n";
  h.erp.add(EntityKind::kPerson, feeds_ana());
  h.pass();  // the first pass reads everything (and makes the full plan)
  auto s = h.cloud.load();
  s["no_email_lookup"] = true;
  h.cloud.save(s);
  nlohmann::json bea = {{"given_name", "Béatrice"}, {"family_name", "Roy"}, {"email", "bea.roy@coop.example"},
                        {"active", true}};
  nlohmann::json by_hand = bea;
  by_hand["display_name"] = "Béa R.";  // her own spelling
  h.cloud.add(EntityKind::kPerson, by_hand);
  h.erp.add(EntityKind::kPerson, bea);  // she joins in the ERP, after the account was made

  auto feed = h.pass(feeds_of("erp"));
  CHECK(feed.systems["cloud"].created == 0);
  CHECK(feed.systems["cloud"].read == 2);  // its listing, read because a create was due
  CHECK(h.cloud.live(EntityKind::kPerson).size() == 2);  // Ana and Béa's own account
  // Her account is planned again from the merged state: the name she gave there stays.
  h.pass(feeds_of("erp"));
  CHECK(h.cloud.live(EntityKind::kPerson).size() == 2);
  bool found = false;
  const auto accounts = h.cloud.live(EntityKind::kPerson);
  for (const auto& [id, p] : accounts.items()) {
    if (p["email"] == "bea.roy@coop.example") {
      found = true;
      CHECK(p["display_name"] == "Béa R.");
    }
  }
  CHECK(found);
  CHECK(h.pass().total_writes() == 0);

  // Nothing to create: a feed pass does not read the listing.
  const auto erp_people = h.erp.live(EntityKind::kPerson);
  h.erp.edit(EntityKind::kPerson, erp_people.begin().key(), {{"phone", "06 11 22 33 44"}});
  CHECK(h.pass(feeds_of("erp")).systems["cloud"].read == 0);
}

TEST_CASE("the pass that makes the hourly full plan reads every system whole first") {
  EngineHarness h;
  h.cloud_extra = "    listed_kinds: [person]\n";
  h.erp.add(EntityKind::kPerson, feeds_ana());
  h.pass();
  const auto cloud_id = h.cloud.live(EntityKind::kPerson).begin().key();
  h.cloud.edit(EntityKind::kPerson, cloud_id, {{"display_name", "Ana M."}});
  CHECK(h.pass(feeds_of("erp")).systems["cloud"].read == 0);  // full plan made < 1 h ago

  {  // the last full plan, made an hour ago under the same config
    auto store = h.open_store();
    auto record = nlohmann::json::parse(*store->get_cursor("!engine", "plan:full"));
    REQUIRE(record.is_object());
    record["at"] = "2000-01-01T00:00:00Z";
    REQUIRE(store->set_cursor("!engine", "plan:full", record.dump()).ok());
  }
  auto hourly = h.pass(feeds_of("erp"));
  CHECK(hourly.systems["cloud"].read == 1);
  CHECK(hourly.systems["erp"].updated == 1);
  CHECK(feeds_person(h.erp)["display_name"] == "Ana M.");
  CHECK(h.pass(feeds_of("erp")).systems["cloud"].read == 0);  // and then an hour more
}

TEST_CASE("the daemon polls feeds on poll_interval and reads listings on full_read_interval") {
  EngineHarness h;
  h.cloud_extra = "    listed_kinds: [person]\n    poll_interval: 2s\n";
  auto schedules = [&]() {
    return h.with_engine([](engine::Engine& eng, store::Store&, const config::Config&) {
      std::map<std::string, daemon::SystemSchedule> out;
      for (const auto& s : eng.systems()) out[s.name()] = daemon::schedule_of(s);
      return out;
    });
  };
  auto s = schedules();
  CHECK(s["erp"].feeds == milliseconds(60000));  // no listing: every poll reads all it has
  CHECK(s["erp"].whole == milliseconds(0));
  CHECK(s["cloud"].feeds == milliseconds(2000));   // groups and memberships: feeds
  CHECK(s["cloud"].whole == milliseconds(300000));  // persons: the default full_read_interval

  h.cloud_extra = "    listed_kinds: [person, group, membership]\n    poll_interval: 10m\n";
  s = schedules();
  CHECK(s["cloud"].feeds == milliseconds(0));       // nothing but listings: no feed to poll
  CHECK(s["cloud"].whole == milliseconds(600000));  // never more often than poll_interval

  h.cloud_extra = "    listed_kinds: [person]\n    poll_interval: 2s\n    full_read_interval: 0s\n";
  s = schedules();
  CHECK(s["cloud"].feeds == milliseconds(0));  // 0s: read whole on every poll
  CHECK(s["cloud"].whole == milliseconds(2000));
}
