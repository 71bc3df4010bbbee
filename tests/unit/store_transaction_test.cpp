// transaction(): all-or-nothing, rollback on error value and on exception, nested calls.
#include "tests/unit/store_test_util.hpp"

#include <stdexcept>
#include <thread>

using namespace coopsync;
using namespace coopsync::store;
using coopsync::store::testing::TempStore;

namespace {

Link link_to(const std::string& entity_id, const std::string& external_id) {
  Link link;
  link.system = "odoo";
  link.external_id = external_id;
  link.entity_id = entity_id;
  link.rule = "created";
  return link;
}

bool has_link(Store& store, const std::string& external_id) {
  auto found = store.find_link("odoo", EntityKind::kPerson, external_id);
  REQUIRE(found.ok());
  return found->has_value();
}

}  // namespace

TEST_CASE("a transaction commits every change when its body returns ok") {
  TempStore t;
  auto other = t.second();
  std::string id;
  auto st = t.store->transaction([&]() -> Status {
    auto e = t.store->create_entity(EntityKind::kPerson);
    if (!e.ok()) return std::move(e).error();
    id = e->id;
    if (auto s = t.store->insert_link(link_to(id, "1")); !s.ok()) return s;
    // Not visible to another connection before the commit.
    CHECK_FALSE(has_link(*other, "1"));
    return t.store->set_cursor("odoo", "person", "2026-01-01 00:00:00");
  });
  REQUIRE(st.ok());
  CHECK(has_link(*other, "1"));
  CHECK(*other->get_cursor("odoo", "person") == "2026-01-01 00:00:00");
}

TEST_CASE("a transaction rolls back everything when its body returns an error") {
  TempStore t;
  std::string id;
  auto st = t.store->transaction([&]() -> Status {
    id = t.store->create_entity(EntityKind::kPerson)->id;
    REQUIRE(t.store->insert_link(link_to(id, "1")).ok());
    REQUIRE(t.store->set_cursor("odoo", "person", "advanced").ok());
    return make_error(ErrorKind::kTransient, "remote went away");
  });
  REQUIRE_FALSE(st.ok());
  CHECK(st.error().kind == ErrorKind::kTransient);  // the body's error comes back as is
  CHECK(st.error().message == "remote went away");
  CHECK_FALSE(t.store->get_entity(id)->has_value());
  CHECK_FALSE(has_link(*t.store, "1"));
  CHECK(t.store->get_cursor("odoo", "person")->empty());
}

TEST_CASE("a transaction rolls back and rethrows when its body throws") {
  TempStore t;
  std::string id;
  CHECK_THROWS_AS(t.store->transaction([&]() -> Status {
    id = t.store->create_entity(EntityKind::kPerson)->id;
    REQUIRE(t.store->insert_link(link_to(id, "1")).ok());
    throw std::logic_error("broken invariant");
  }),
                  std::logic_error);
  CHECK_FALSE(t.store->get_entity(id)->has_value());
  CHECK_FALSE(has_link(*t.store, "1"));
  // The store is usable afterwards: no transaction was left open.
  REQUIRE(t.store->transaction([&]() -> Status { return t.store->set_cursor("s", "x", "1"); }).ok());
  auto other = t.second();
  CHECK(*other->get_cursor("s", "x") == "1");
}

TEST_CASE("nested transactions join the outer one") {
  TempStore t;

  SUBCASE("inner ok, outer error: nothing is kept") {
    auto st = t.store->transaction([&]() -> Status {
      REQUIRE(t.store->transaction([&]() -> Status { return t.store->set_cursor("s", "inner", "1"); })
                  .ok());
      return make_error(ErrorKind::kPermanent, "outer fails");
    });
    CHECK_FALSE(st.ok());
    CHECK(t.store->get_cursor("s", "inner")->empty());
  }

  SUBCASE("inner ok, outer ok: the inner writes commit with the outer transaction") {
    auto other = t.second();
    auto st = t.store->transaction([&]() -> Status {
      REQUIRE(t.store->transaction([&]() -> Status { return t.store->set_cursor("s", "inner", "1"); })
                  .ok());
      CHECK(other->get_cursor("s", "inner")->empty());  // released savepoint is not a commit
      return t.store->set_cursor("s", "outer", "2");
    });
    REQUIRE(st.ok());
    CHECK(*other->get_cursor("s", "inner") == "1");
    CHECK(*other->get_cursor("s", "outer") == "2");
  }

  SUBCASE("inner error: only the inner part is undone, the outer body decides") {
    auto st = t.store->transaction([&]() -> Status {
      REQUIRE(t.store->set_cursor("s", "before", "1").ok());
      auto inner = t.store->transaction([&]() -> Status {
        REQUIRE(t.store->set_cursor("s", "inner", "1").ok());
        return make_error(ErrorKind::kConflict, "inner conflict");
      });
      CHECK(inner.error().kind == ErrorKind::kConflict);
      return t.store->set_cursor("s", "after", "1");
    });
    REQUIRE(st.ok());
    CHECK(*t.store->get_cursor("s", "before") == "1");
    CHECK(t.store->get_cursor("s", "inner")->empty());
    CHECK(*t.store->get_cursor("s", "after") == "1");
  }

  SUBCASE("inner exception propagates and the whole transaction rolls back") {
    CHECK_THROWS_AS(t.store->transaction([&]() -> Status {
      REQUIRE(t.store->set_cursor("s", "outer", "1").ok());
      return t.store->transaction([&]() -> Status { throw std::runtime_error("boom"); });
    }),
                    std::runtime_error);
    CHECK(t.store->get_cursor("s", "outer")->empty());
    REQUIRE(t.store->set_cursor("s", "later", "1").ok());
  }
}

TEST_CASE("a failed statement inside a transaction leaves the rest of it usable") {
  // The engine inserts a link, may get kConflict (another replica won) and carries on in
  // the same transaction: the refused insert must not poison it.
  TempStore t;
  std::string ana = t.store->create_entity(EntityKind::kPerson)->id;
  std::string bob = t.store->create_entity(EntityKind::kPerson)->id;
  REQUIRE(t.store->insert_link(link_to(ana, "1")).ok());
  auto st = t.store->transaction([&]() -> Status {
    auto lost = t.store->insert_link(link_to(bob, "1"));
    CHECK(lost.error().kind == ErrorKind::kConflict);
    return t.store->insert_link(link_to(bob, "2"));
  });
  REQUIRE(st.ok());
  CHECK(t.store->find_link("odoo", EntityKind::kPerson, "2")->value().entity_id == bob);
}

TEST_CASE("the write lock is released after commit, error and exception") {
  // BEGIN IMMEDIATE takes the write lock up front. A leaked lock would make the other
  // connection's write fail with kTransient once busy_timeout expires.
  TempStore t;
  auto other = t.second();
  REQUIRE(t.store->transaction([&]() -> Status { return t.store->set_cursor("a", "b", "1"); }).ok());
  REQUIRE(other->set_cursor("a", "b", "2").ok());
  CHECK_FALSE(t.store->transaction([&]() -> Status { return make_error(ErrorKind::kAuth, "x"); }).ok());
  REQUIRE(other->set_cursor("a", "b", "3").ok());
  CHECK_THROWS(t.store->transaction([&]() -> Status { throw std::runtime_error("x"); }));
  REQUIRE(other->set_cursor("a", "b", "4").ok());
  CHECK(*t.store->get_cursor("a", "b") == "4");
}

TEST_CASE("disk full: a clear error, nothing of the transaction kept, the store usable after") {
  // PRAGMA max_page_count makes SQLite answer SQLITE_FULL exactly as a full disk does.
  TempStore t;
  REQUIRE(t.store->set_cursor("odoo", "person", "before").ok());
  auto pages = coopsync::store::testing::raw_query(t.path, "PRAGMA page_count");
  REQUIRE(pages.size() == 1);
  REQUIRE(t.store->exec_for_test("PRAGMA max_page_count = " + pages[0][0]).ok());

  std::vector<std::string> created;
  bool later_write_refused = false;
  auto st = t.store->transaction([&]() -> Status {
    // Whatever SQLite did with the transaction after the failure, a later write must not
    // slip through on its own outside of it.
    auto failed = [&](Error error) -> Status {
      later_write_refused = !t.store->set_cursor("odoo", "person", "after").ok();
      return error;
    };
    for (int i = 0; i < 5000; ++i) {
      auto e = t.store->create_entity(EntityKind::kPerson);
      if (!e.ok()) return failed(std::move(e).error());
      created.push_back(e->id);
      if (auto l = t.store->insert_link(link_to(e->id, std::to_string(i))); !l.ok()) {
        return failed(std::move(l).error());
      }
    }
    return ok_status();
  });
  REQUIRE_FALSE(st.ok());
  CHECK(st.error().kind == ErrorKind::kInternal);
  CHECK(st.error().message.find("disk full") != std::string::npos);
  CHECK(st.error().message.find(t.path) != std::string::npos);
  // SQLite either rolled the whole transaction back (a plain insert failed: the later write
  // is then refused) or only the failed statement (one with triggers, which runs under a
  // statement journal: the transaction stays open, the later write joins it and is undone
  // with it). Either way nothing of it is kept, as checked below.
  (void)later_write_refused;

  REQUIRE(t.store->exec_for_test("PRAGMA max_page_count = 1073741823").ok());
  CHECK(*t.store->get_cursor("odoo", "person") == "before");
  REQUIRE_FALSE(created.empty());
  for (const auto& id : created) CHECK_FALSE(t.store->get_entity(id)->has_value());
  CHECK(t.store->links_in("odoo", EntityKind::kPerson)->empty());
  REQUIRE(t.store->set_cursor("odoo", "person", "after").ok());
  CHECK(*t.store->get_cursor("odoo", "person") == "after");
}

TEST_CASE("threads sharing one store, and two connections writing at once, lose nothing") {
  TempStore t;
  auto other = t.second();
  constexpr int kRounds = 20;
  auto writer = [&](Store* store, const std::string& name, std::vector<std::string>* errors) {
    for (int i = 0; i < kRounds; ++i) {
      auto st = store->transaction([&]() -> Status {
        auto e = store->create_entity(EntityKind::kPerson);
        if (!e.ok()) return std::move(e).error();
        return store->insert_link(link_to(e->id, name + "-" + std::to_string(i)));
      });
      if (!st.ok()) errors->push_back(st.error().message);
    }
  };
  std::vector<std::string> e1, e2, e3;
  {
    std::thread a(writer, t.store.get(), "a", &e1);  // a and b share one connection
    std::thread b(writer, t.store.get(), "b", &e2);
    std::thread c(writer, other.get(), "c", &e3);    // c is another connection to the file
    a.join();
    b.join();
    c.join();
  }
  CHECK(e1.empty());
  CHECK(e2.empty());
  CHECK(e3.empty());
  CHECK(t.store->links_in("odoo", EntityKind::kPerson)->size() == 3 * kRounds);
}

TEST_CASE("the store counts its calls into SQLite and their time") {
  TempStore t;
  const StoreUsage before = t.store->usage();
  auto st = t.store->transaction([&]() -> Status {
    for (int i = 0; i < 20; ++i) {
      auto e = t.store->create_entity(EntityKind::kPerson);
      if (!e.ok()) return std::move(e).error();
      if (auto s = t.store->insert_link(link_to(e->id, std::to_string(i))); !s.ok()) return s;
    }
    return ok_status();
  });
  REQUIRE(st.ok());
  const StoreUsage after = t.store->usage();
  // 20 entities and 20 links, plus the transaction's own statements.
  CHECK(after.calls - before.calls >= 40);
  CHECK(after.seconds > before.seconds);
  // Reads count too; another connection's calls are its own.
  auto other = t.second();
  const StoreUsage other_before = other->usage();
  CHECK(has_link(*t.store, "3"));
  CHECK(t.store->usage().calls > after.calls);
  CHECK(other->usage().calls == other_before.calls);
}
