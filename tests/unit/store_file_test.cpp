// The store file: creation mode, migrations, refusal of foreign or newer files with nothing
// written, and query plans that use indexes (the non-timing proof of lookup cost).
#include "core/store/migrations.hpp"
#include "core/store/sqlite_sql.hpp"
#include "tests/unit/store_test_util.hpp"

#include <cstdio>
#include <cstring>
#include <fstream>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

using namespace coopsync;
using namespace coopsync::store;
using coopsync::store::testing::raw_query;
using coopsync::store::testing::TempStore;
using coopsync::testing::make_temp_dir;
using coopsync::testing::read_file;

namespace {

unsigned mode_of(const std::string& path) {
  struct stat st {};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  return st.st_mode & 07777;
}

struct TempDir {
  std::filesystem::path dir = make_temp_dir("coopsync-store-file");
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(dir, ignored);
  }
  std::string file(const std::string& name) const { return (dir / name).string(); }
};

void write_bytes(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary);
  out << bytes;
}

// The refusal leaves the file byte for byte as it was and creates no -wal/-shm beside it.
void check_refused_untouched(const std::string& path, const std::string& expected_text) {
  const std::string before = read_file(path);
  auto opened = open_sqlite_store(path);
  REQUIRE_FALSE(opened.ok());
  CHECK(opened.error().kind == ErrorKind::kInvalidInput);
  CHECK(opened.error().message.find(path) != std::string::npos);
  CHECK(opened.error().message.find(expected_text) != std::string::npos);
  CHECK(read_file(path) == before);
  CHECK_FALSE(std::filesystem::exists(path + "-wal"));
  CHECK_FALSE(std::filesystem::exists(path + "-shm"));
}

std::string plan_of(const std::string& path, const std::string& sql) {
  std::string plan;
  for (const auto& row : raw_query(path, "EXPLAIN QUERY PLAN " + sql)) plan += row.back() + "\n";
  return plan;
}

}  // namespace

TEST_CASE("a new store is created 0600 even with a permissive umask, its WAL files too") {
  TempDir d;
  std::string path = d.file("new.db");
  mode_t old = ::umask(0);
  auto opened = open_sqlite_store(path);
  ::umask(old);
  REQUIRE(opened.ok());
  CHECK(mode_of(path) == 0600);
  REQUIRE((*opened)->set_cursor("s", "x", "1").ok());  // a write: the WAL exists now
  for (const char* suffix : {"-wal", "-shm"}) {
    if (std::filesystem::exists(path + suffix)) CHECK(mode_of(path + suffix) == 0600);
  }
  auto rows = raw_query(path, "PRAGMA journal_mode");
  REQUIRE(rows.size() == 1);
  CHECK(rows[0][0] == "wal");
}

TEST_CASE("a fresh store has the latest schema; reopening it migrates nothing and keeps data") {
  TempStore t;
  auto version = raw_query(t.path, "PRAGMA user_version");
  REQUIRE(version.size() == 1);
  CHECK(version[0][0] == std::to_string(sqlite::latest_schema_version()));
  CHECK(raw_query(t.path, "PRAGMA application_id")[0][0] == std::to_string(sqlite::kApplicationId));
  std::string id = t.store->create_entity(EntityKind::kPerson)->id;
  auto schema_before = raw_query(t.path, "SELECT name, sql FROM sqlite_schema WHERE name NOT LIKE 'sqlite_stat%' ORDER BY name");
  t.reopen();
  t.reopen();
  CHECK(raw_query(t.path, "SELECT name, sql FROM sqlite_schema WHERE name NOT LIKE 'sqlite_stat%' ORDER BY name") == schema_before);
  CHECK(t.store->get_entity(id)->has_value());
  CHECK(raw_query(t.path, "SELECT count(*) FROM meta WHERE key = 'salt'")[0][0] == "1");
}

TEST_CASE("a schema version 1 store is migrated forward on open, keeping its data") {
  TempStore t;
  std::string id = t.store->create_entity(EntityKind::kPerson)->id;
  t.store.reset();
  // Back to what version 1 left: its strict append-only trigger and user_version 1.
  int rc = 0;
  raw_query(t.path, "DROP TRIGGER audit_no_update", &rc);
  REQUIRE(rc == SQLITE_OK);
  raw_query(t.path,
            "CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit"
            " BEGIN SELECT RAISE(ABORT, 'audit is append-only'); END",
            &rc);
  REQUIRE(rc == SQLITE_OK);
  // Nor the version 3 planning marks: their table and the triggers that fill it.
  for (const auto& row : raw_query(t.path, "SELECT name FROM sqlite_schema WHERE type = 'trigger'"
                                           " AND name LIKE 'plan_mark_%'")) {
    raw_query(t.path, "DROP TRIGGER " + row.at(0), &rc);
    REQUIRE(rc == SQLITE_OK);
  }
  raw_query(t.path, "DROP TABLE plan_marks", &rc);
  REQUIRE(rc == SQLITE_OK);
  raw_query(t.path, "PRAGMA user_version = 1", &rc);
  REQUIRE(rc == SQLITE_OK);

  t.reopen();
  CHECK(raw_query(t.path, "PRAGMA user_version")[0][0] == std::to_string(sqlite::latest_schema_version()));
  CHECK(t.store->get_entity(id)->has_value());
  AuditEntry entry;
  entry.entity_id = id;
  entry.action = "create";
  REQUIRE(t.store->append_audit(entry).ok());
  CHECK(t.store->erase_personal_data({id}).ok());  // needs the version 2 trigger
  // Version 3: the entity is marked for planning (it has no snapshot yet: nothing marks it
  // until one is stored).
  CHECK(t.store->plan_marks()->empty());
  Snapshot snap;
  snap.entity_id = id;
  snap.kind = EntityKind::kPerson;
  REQUIRE(t.store->put_snapshot(snap).ok());
  CHECK(t.store->plan_marks()->size() == 1);
}

TEST_CASE("processes opening one fresh file at once all get the same, once-migrated store") {
  TempDir d;
  std::string path = d.file("shared.db");
  std::vector<pid_t> children;
  for (int i = 0; i < 4; ++i) {
    pid_t pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
      auto opened = open_sqlite_store(path);
      if (!opened.ok()) {
        std::fprintf(stderr, "child %d: open: %s\n", i, opened.error().message.c_str());
        std::_Exit(1);
      }
      auto created = (*opened)->create_entity(EntityKind::kPerson);
      if (!created.ok()) {
        std::fprintf(stderr, "child %d: create: %s\n", i, created.error().message.c_str());
      }
      opened->reset();  // close before _Exit skips destructors
      std::_Exit(created.ok() ? 0 : 1);
    }
    children.push_back(pid);
  }
  for (pid_t pid : children) {
    int status = 0;
    REQUIRE(waitpid(pid, &status, 0) == pid);
    CHECK(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);
  }
  CHECK(raw_query(path, "SELECT count(*) FROM entities")[0][0] == "4");
  CHECK(raw_query(path, "SELECT count(*) FROM meta WHERE key = 'salt'")[0][0] == "1");
  CHECK(raw_query(path, "PRAGMA user_version")[0][0] == std::to_string(sqlite::latest_schema_version()));
  CHECK(mode_of(path) == 0600);
}

TEST_CASE("an empty existing file becomes a store") {
  TempDir d;
  std::string path = d.file("empty.db");
  write_bytes(path, "");
  auto opened = open_sqlite_store(path);
  REQUIRE(opened.ok());
  CHECK((*opened)->salt().ok());
}

TEST_CASE("a store from a newer schema version is refused, nothing written") {
  TempDir d;
  std::string path = d.file("newer.db");
  {
    auto opened = open_sqlite_store(path);
    REQUIRE(opened.ok());
    REQUIRE((*opened)->set_cursor("s", "x", "1").ok());
  }
  auto newer = sqlite::latest_schema_version() + 1;
  raw_query(path, "PRAGMA user_version = " + std::to_string(newer));
  raw_query(path, "PRAGMA journal_mode = DELETE");  // a plain file with no WAL beside it
  check_refused_untouched(path, "has schema version " + std::to_string(newer) +
                                    ", this coopsync knows up to " +
                                    std::to_string(sqlite::latest_schema_version()));
}

TEST_CASE("a file that is not SQLite is refused and left untouched") {
  TempDir d;
  std::string text = d.file("notes.txt");
  write_bytes(text, "store:\n  path: /var/lib/coopsync/mappings.db\n" + std::string(200, 'x'));
  check_refused_untouched(text, "is not an SQLite database");

  std::string short_file = d.file("short.db");
  write_bytes(short_file, "SQLite");
  check_refused_untouched(short_file, "is not an SQLite database");

  // A valid SQLite header followed by garbage: SQLite itself rejects it, still unchanged.
  std::string corrupt = d.file("corrupt.db");
  std::string bytes(4096, '\x5a');
  std::memcpy(bytes.data(), "SQLite format 3", 16);
  write_bytes(corrupt, bytes);
  const std::string before = read_file(corrupt);
  auto opened = open_sqlite_store(corrupt);
  REQUIRE_FALSE(opened.ok());
  CHECK(opened.error().kind == ErrorKind::kInvalidInput);
  CHECK(opened.error().message.find(corrupt) != std::string::npos);
  CHECK(read_file(corrupt) == before);
}

TEST_CASE("another application's SQLite database is refused and left untouched") {
  TempDir d;
  std::string path = d.file("other.db");
  {
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
    REQUIRE(sqlite3_exec(db, "CREATE TABLE notes(x TEXT); INSERT INTO notes VALUES('keep me');",
                         nullptr, nullptr, nullptr) == SQLITE_OK);
    sqlite3_close(db);
  }
  check_refused_untouched(path, "with tables but no coopsync marker");

  raw_query(path, "PRAGMA application_id = 1234");
  check_refused_untouched(path, "another application");
}

TEST_CASE("a path that cannot hold a store is a clear kInvalidInput") {
  TempDir d;
  auto in_missing_dir = open_sqlite_store(d.file("no/such/dir/store.db"));
  REQUIRE_FALSE(in_missing_dir.ok());
  CHECK(in_missing_dir.error().kind == ErrorKind::kInvalidInput);
  CHECK(in_missing_dir.error().message.find("no/such/dir/store.db") != std::string::npos);
  auto a_directory = open_sqlite_store(d.dir.string());
  REQUIRE_FALSE(a_directory.ok());
  CHECK(a_directory.error().kind == ErrorKind::kInvalidInput);
  CHECK(open_sqlite_store("").error().kind == ErrorKind::kInvalidInput);
}

TEST_CASE("the hot lookups are answered from indexes, never a table scan") {
  TempStore t;
  // Some rows and statistics so the planner's choice is the realistic one.
  for (int i = 0; i < 50; ++i) {
    std::string id = t.store->create_entity(EntityKind::kPerson)->id;
    Link link;
    link.system = "odoo";
    link.external_id = std::to_string(i);
    link.entity_id = id;
    REQUIRE(t.store->insert_link(link).ok());
    REQUIRE(t.store->set_identity_keys(id, EntityKind::kPerson,
                                       {{"email", "p" + std::to_string(i) + "@coop.example"}})
                .ok());
  }
  raw_query(t.path, "ANALYZE");

  struct Case {
    const char* name;
    const char* sql;
    const char* index;
    bool may_sort;  // sorting the matches of one value is bounded by the matches, not the table
  };
  const Case cases[] = {
      {"find_link", sqlite::sql::kFindLink, "PRIMARY KEY", false},
      {"link_of", sqlite::sql::kLinkOf, "links_entity_system", false},
      {"match_identity", sqlite::sql::kMatchIdentity, "identity_keys_match", true},
      {"due", sqlite::sql::kDue, "outbox_due", false},
  };
  for (const Case& c : cases) {
    std::string name = c.name;
    CAPTURE(name);
    std::string plan = plan_of(t.path, c.sql);
    CAPTURE(plan);
    CHECK(plan.find("SEARCH") != std::string::npos);
    CHECK(plan.find(c.index) != std::string::npos);
    CHECK(plan.find("SCAN") == std::string::npos);
    if (!c.may_sort) CHECK(plan.find("TEMP B-TREE") == std::string::npos);
  }
}
