// Opening the SQLite store (file mode, refusals, pragmas, migrations) and transactions.
#include "core/store/sqlite_store.hpp"

#include "core/store/migrations.hpp"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <thread>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace coopsync::store {

namespace {

// How long a connection waits for another process's write (the daemon and a CLI command
// share the file; four processes migrating a fresh file at once serialise). 5 s was once
// too short on a loaded 2-core machine with synchronous=FULL fsyncs (unit test "processes
// opening one fresh file", database locked); waiting longer only delays, failing loses a pass.
constexpr int kBusyTimeoutMs = 20000;

Error path_error(const std::string& path, const std::string& what, int err) {
  return make_error(ErrorKind::kInvalidInput,
                    "store " + path + ": " + what + ": " + std::strerror(err));
}

// Creates the file 0600 ourselves (SQLite would use 0644 minus umask) and reads the header
// of an existing one, so that a file which is not a store is refused before SQLite may
// write to it.
Result<std::string> create_or_read_header(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd >= 0) {
    int rc = ::fchmod(fd, 0600);  // whatever the umask left
    int err = errno;
    ::close(fd);
    if (rc != 0) return path_error(path, "cannot set mode 0600", err);
    return std::string();
  }
  if (errno != EEXIST) return path_error(path, "cannot create", errno);
  fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return path_error(path, "cannot open", errno);
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return make_error(ErrorKind::kInvalidInput, "store " + path + " is not a regular file");
  }
  std::string header(100, '\0');
  ssize_t n = ::pread(fd, header.data(), header.size(), 0);
  int err = errno;
  // Closed before SQLite opens the file: closing any descriptor of a file drops the
  // process's POSIX locks on it, which would silently break SQLite's locking later.
  ::close(fd);
  if (n < 0) return path_error(path, "cannot read", err);
  header.resize(static_cast<std::size_t>(n));
  return header;
}

// SQLite gives -wal and -shm the main file's mode; make sure they are no wider.
void tighten_sidecars(const std::string& path) {
  struct stat main_st {};
  if (::stat(path.c_str(), &main_st) != 0) return;
  for (const char* suffix : {"-wal", "-shm"}) {
    std::string side = path + suffix;
    struct stat st {};
    if (::stat(side.c_str(), &st) == 0 && (st.st_mode & 07777 & ~(main_st.st_mode & 07777)) != 0) {
      (void)::chmod(side.c_str(), main_st.st_mode & 0600);
    }
  }
}

Status as_invalid_when_not_a_db(Status st, int code) {
  if (st.ok()) return st;
  int primary = code & 0xff;
  if (primary == SQLITE_NOTADB || primary == SQLITE_CORRUPT) {
    return make_error(ErrorKind::kInvalidInput, st.error().message +
                                                    " (not a usable SQLite database; nothing was written)");
  }
  return st;
}

// Switching a fresh file from the rollback journal to WAL needs the exclusive lock while
// this connection already holds a shared one; when another process holds a shared lock too,
// SQLite answers SQLITE_BUSY at once, without the busy handler (that wait could deadlock).
// So the switch is retried here with a short, growing pause, up to the busy timeout. Seen
// in CI: four processes opening one new file, three failed with "database is locked".
Status enable_wal(sqlite::Db& db) {
  using Clock = std::chrono::steady_clock;
  const auto deadline = Clock::now() + std::chrono::milliseconds(kBusyTimeoutMs);
  auto pause = std::chrono::milliseconds(5);
  for (;;) {
    auto mode = db.prepare("PRAGMA journal_mode = WAL", "enable WAL");
    if (!mode.ok()) return std::move(mode).error();
    auto row = mode->step();
    if (!row.ok()) {
      const int primary = mode->failure_code() & 0xff;
      if ((primary != SQLITE_BUSY && primary != SQLITE_LOCKED) || Clock::now() >= deadline) {
        return std::move(row).error();
      }
      std::this_thread::sleep_for(pause);
      pause = std::min(pause * 2, std::chrono::milliseconds(200));
      continue;
    }
    if (!*row || mode->text(0) != "wal") {
      return db.error("enable WAL", SQLITE_ERROR,
                      "the file system does not support WAL mode (journal_mode is \"" +
                          (*row ? mode->text(0) : std::string()) + "\")");
    }
    return ok_status();
  }
}

}  // namespace

Result<StorePtr> open_sqlite_store(const std::string& path) {
  auto store = SqliteStore::open(path);
  if (!store.ok()) return std::move(store).error();
  return StorePtr(std::move(*store));
}

Result<std::unique_ptr<SqliteStore>> SqliteStore::open(const std::string& path) {
  if (path.empty()) return make_error(ErrorKind::kInvalidInput, "store path is empty");
  auto header = create_or_read_header(path);
  if (!header.ok()) return std::move(header).error();
  if (auto info = sqlite::check_header(path, *header); !info.ok()) return std::move(info).error();

  // SQLite counts every allocation under a global mutex by default (for
  // sqlite3_memory_used, which coopsync never asks): a few percent of a pass's CPU. Must
  // precede SQLite's initialisation; a later call is refused harmlessly (SQLITE_MISUSE).
  static const int memstatus_off = sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
  (void)memstatus_off;
  sqlite3* handle = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &handle,
                           SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE,
                           nullptr);
  auto db = std::make_unique<sqlite::Db>(handle, path);  // closes `handle` on every path
  if (rc != SQLITE_OK) {
    return as_invalid_when_not_a_db(db->error("open", rc), rc).error();
  }
  sqlite3_busy_timeout(handle, kBusyTimeoutMs);
  sqlite3_extended_result_codes(handle, 1);

  // Nothing is written before these checks pass.
  if (auto st = sqlite::check_opened(*db); !st.ok()) {
    return as_invalid_when_not_a_db(std::move(st), sqlite3_extended_errcode(handle)).error();
  }
  if (auto st = enable_wal(*db); !st.ok()) return std::move(st).error();
  // secure_delete: deleted or rewritten values are overwritten, not left in free space, so
  // that a GDPR erasure (coopsync forget) leaves nothing readable in the file.
  // cache_size: 8 MiB of pages. 32 MiB cost 25 of the 150 MiB peak RSS of a 10,000-member
  // first sync and saved no CPU there (the pages stay in the OS file cache).
  // temp_store: statement journals (each settled write is a savepoint) and sorts stay in
  // memory. On file they went to /var/tmp, outside the store's directory and its erasure:
  // copies of member pages, and two pwrite calls a page (100,000 a 1,000-member first sync).
  if (auto st = db->exec("PRAGMA foreign_keys = ON; PRAGMA synchronous = FULL;"
                         " PRAGMA cache_size = -8192; PRAGMA secure_delete = ON;"
                         " PRAGMA temp_store = MEMORY;", "configure");
      !st.ok()) {
    return std::move(st).error();
  }
  if (auto st = sqlite::migrate(*db); !st.ok()) return std::move(st).error();
  tighten_sidecars(path);
  return std::unique_ptr<SqliteStore>(new SqliteStore(std::move(db)));
}

// Refreshes the planner's statistics where they drifted (cheap; SQLite's advice for
// long-lived connections). Only a store that opened fully gets here.
SqliteStore::~SqliteStore() { (void)db_->exec("PRAGMA optimize", "optimize"); }

// --- transactions -------------------------------------------------------------------

Result<sqlite::Stmt> SqliteStore::prepare(const char* sql, const char* op) {
  if (depth_ > 0 && sqlite3_get_autocommit(db_->handle()) != 0) {
    return db_->error(op, SQLITE_ABORT,
                      "the enclosing transaction was rolled back after an earlier error");
  }
  return db_->prepare(sql, op);
}

Status SqliteStore::rollback(bool outer, const std::string& savepoint) {
  if (sqlite3_get_autocommit(db_->handle()) != 0) return ok_status();  // SQLite already did
  if (outer) return db_->exec("ROLLBACK", "rollback");
  std::string sql = "ROLLBACK TO " + savepoint + "; RELEASE " + savepoint;
  return db_->exec(sql.c_str(), "rollback to savepoint");
}

// The outermost call holds BEGIN IMMEDIATE (the write lock is taken up front, so a
// transaction never fails half-way on a lock upgrade). Nested calls join it through a
// SAVEPOINT: their writes commit with the outer transaction, and a nested failure undoes
// only the nested part, leaving the outer body to decide from the error it receives.
Status SqliteStore::transaction(const std::function<Status()>& body) {
  std::lock_guard lock(mutex_);
  const bool outer = depth_ == 0;
  const std::string savepoint = "coopsync_sp" + std::to_string(depth_);
  // Prepared once and kept (a pass opens a savepoint per settled write: parsing the
  // statement each time was a visible share of its CPU).
  const auto run = [this](const std::string& sql, const char* op) -> Status {
    auto stmt = db_->prepare(sql.c_str(), op);
    if (!stmt.ok()) return std::move(stmt).error();
    return stmt->run();
  };
  if (outer) {
    if (auto st = run("BEGIN IMMEDIATE", "begin transaction"); !st.ok()) return st;
  } else {
    if (auto st = run("SAVEPOINT " + savepoint, "savepoint"); !st.ok()) return st;
  }
  ++depth_;
  Status result = ok_status();
  try {
    result = body();
  } catch (...) {
    --depth_;
    (void)rollback(outer, savepoint);
    throw;
  }
  --depth_;
  if (!result.ok()) {
    (void)rollback(outer, savepoint);
    return result;
  }
  if (sqlite3_get_autocommit(db_->handle()) != 0) {
    return db_->error("commit", SQLITE_ABORT, "the transaction was rolled back by SQLite");
  }
  Status end = outer ? run("COMMIT", "commit") : run("RELEASE " + savepoint, "release savepoint");
  if (!end.ok()) (void)rollback(outer, savepoint);
  return end;
}

}  // namespace coopsync::store
