// The 3-way field merge rules, one by one, on plain data.
#include "core/engine/merge.hpp"

#include <doctest/doctest.h>

#include <thread>

using namespace coopsync;
using namespace coopsync::engine;

namespace {
struct Case {
  Fields snapshot = Fields::object();
  Fields incoming = Fields::object();
  std::optional<FieldHashes> known;
  std::map<std::string, std::string> owners;
  config::ConflictPolicy policy = config::ConflictPolicy::kNewest;
  std::string system = "cloud";
  std::string record_time;

  MergeOutcome run() const {
    MergeInput in;
    in.system = system;
    in.snapshot = &snapshot;
    in.incoming = &incoming;
    in.known = known ? &*known : nullptr;
    in.fields = {"display_name", "phone", "email"};
    in.owners = owners;
    in.policy = policy;
    in.prefer_system = "erp";
    in.record_time = record_time;
    in.now = "2026-11-21T12:00:00Z";
    return merge_record(in);
  }
};
}  // namespace

TEST_CASE("a field the system did not change is not taken, even if it differs (it is just behind)") {
  Case c;
  c.snapshot = {{"phone", "+33600000002"}};
  c.incoming = {{"phone", "+33600000001"}};
  c.known = FieldHashes{{"phone", hash_value("+33600000001")}};
  auto out = c.run();
  CHECK(out.changes.empty());
  CHECK(out.merged["phone"] == "+33600000002");
}

TEST_CASE("a sequential change (the system had seen the current value) is taken") {
  Case c;
  c.snapshot = {{"phone", "+33600000001"}};
  c.incoming = {{"phone", "+33600000009"}};
  c.known = FieldHashes{{"phone", hash_value("+33600000001")}};
  auto out = c.run();
  REQUIRE(out.changes.size() == 1);
  CHECK(out.changes[0].rule == "sequential");
  CHECK(out.merged["phone"] == "+33600000009");
  CHECK(out.merged["_meta"]["by"]["phone"] == "cloud");
}

TEST_CASE("a field owned by another system is never taken; the dispute says who owns it") {
  Case c;
  c.snapshot = {{"phone", "+33600000001"}};
  c.incoming = {{"phone", "+33600000009"}};
  c.known = FieldHashes{{"phone", hash_value("+33600000001")}};
  c.owners = {{"phone", "erp"}};
  auto out = c.run();
  CHECK(out.changes.empty());
  REQUIRE(out.disputes.size() == 1);
  CHECK(out.disputes[0].rule == "owned_by:erp");
  CHECK(out.merged["phone"] == "+33600000001");
}

TEST_CASE("the owner's change wins even over a value it had not seen") {
  Case c;
  c.system = "erp";
  c.snapshot = {{"phone", "+33600000002"}};
  c.incoming = {{"phone", "+33600000009"}};
  c.known = FieldHashes{{"phone", hash_value("+33600000001")}};
  c.owners = {{"phone", "erp"}};
  auto out = c.run();
  REQUIRE(out.changes.size() == 1);
  CHECK(out.changes[0].rule == "owner");
}

TEST_CASE("concurrent changes: newest wins, prefer_system picks, manual waits for a human") {
  Case c;
  c.snapshot = {{"display_name", "Ana (erp)"}, {"_meta", {{"at", {{"display_name", "2026-11-21T10:00:00Z"}}}}}};
  c.incoming = {{"display_name", "Ana (cloud)"}};
  c.known = FieldHashes{{"display_name", hash_value("Ana")}};  // it never saw "Ana (erp)"
  c.record_time = "2026-11-21T11:00:00Z";
  auto newest = c.run();
  CHECK(newest.merged["display_name"] == "Ana (cloud)");
  REQUIRE_FALSE(newest.disputes.empty());
  CHECK(newest.disputes[0].rule == "newest");
  CHECK(newest.disputes[0].kept == "Ana (cloud)");  // the audit names the winner and the loser
  CHECK(newest.disputes[0].proposed == "Ana (erp)");

  c.record_time = "2026-11-21T09:00:00Z";  // older than the canonical change
  auto older = c.run();
  CHECK(older.merged["display_name"] == "Ana (erp)");
  REQUIRE(older.disputes.size() == 1);
  CHECK(older.disputes[0].kept == "Ana (erp)");
  CHECK(older.disputes[0].proposed == "Ana (cloud)");

  c.policy = config::ConflictPolicy::kPreferSystem;  // prefer "erp"; the record is cloud's
  CHECK(c.run().merged["display_name"] == "Ana (erp)");
  c.system = "erp";
  auto preferred = c.run();
  CHECK(preferred.merged["display_name"] == "Ana (cloud)");
  REQUIRE(preferred.disputes.size() == 1);
  CHECK(preferred.disputes[0].kept == "Ana (cloud)");

  c.policy = config::ConflictPolicy::kManual;
  auto manual = c.run();
  CHECK(manual.manual_conflict);
  CHECK(manual.merged["display_name"] == "Ana (erp)");
}

TEST_CASE("first sight: empty fields are filled, differing ones stay canonical unless owned here") {
  Case c;
  c.snapshot = {{"display_name", "Ana Martin"}};
  c.incoming = {{"display_name", "ana m."}, {"phone", "+33600000001"}};
  auto out = c.run();
  CHECK(out.merged["phone"] == "+33600000001");
  CHECK(out.merged["display_name"] == "Ana Martin");
  REQUIRE(out.disputes.size() == 1);
  CHECK(out.disputes[0].rule == "first_link_keeps_canonical");
  c.owners = {{"display_name", "cloud"}};
  CHECK(c.run().merged["display_name"] == "ana m.");
}

TEST_CASE("an echo of our own write changes nothing") {
  Case c;
  c.snapshot = {{"phone", "+33600000001"}};
  c.incoming = {{"phone", "+33600000001"}};
  c.known = FieldHashes{};
  auto out = c.run();
  CHECK(out.changes.empty());
  CHECK(out.disputes.empty());
}

TEST_CASE("field hashes are the first 64 bits of SHA-256, the same on every thread") {
  // Links store these: a changed function would make every linked field look edited.
  CHECK(hash_text("abc") == "ba7816bf8f01cfea");
  CHECK(hash_text("") == "e3b0c44298fc1c14");
  CHECK(hash_value("+33600000001") == hash_text("\"+33600000001\""));
  std::string other_thread;
  std::thread([&] { other_thread = hash_text("abc"); }).join();
  CHECK(other_thread == "ba7816bf8f01cfea");
}
