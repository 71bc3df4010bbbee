// Mapping store benchmark: N linked persons inserted in transactions of B, then random
// lookups by external id, by entity and by identity key. Prints figures; asserts nothing
// about time (machines are shared and noisy), only that every lookup finds its row.
//
//   store_bench [--persons N] [--batch B] [--lookups L] [--path FILE] [--keep]
#include "core/store/store.hpp"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <string>
#include <sys/resource.h>
#include <time.h>

using namespace coopsync;
using Steady = std::chrono::steady_clock;

namespace {

double seconds_since(Steady::time_point start) {
  return std::chrono::duration<double>(Steady::now() - start).count();
}

// CPU time of this process (user + system): on a shared, loaded machine the wall clock
// also counts the time other processes held the cores, so both are printed.
double cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

int die(const std::string& what, const Error& error) {
  std::fprintf(stderr, "store_bench: %s: %s\n", what.c_str(), error.describe().c_str());
  return 1;
}

std::uintmax_t size_or_zero(const std::string& path) {
  std::error_code ec;
  auto size = std::filesystem::file_size(path, ec);
  return ec ? 0 : size;
}

}  // namespace

int main(int argc, char** argv) {
  std::size_t persons = 100'000;
  std::size_t batch = 1'000;
  std::size_t lookups = 100'000;
  std::string path;
  bool keep = false;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "store_bench: %s needs a value\n", arg.c_str());
        std::exit(2);
      }
      return argv[++i];
    };
    if (arg == "--persons") persons = std::stoul(next());
    else if (arg == "--batch") batch = std::max<std::size_t>(1, std::stoul(next()));
    else if (arg == "--lookups") lookups = std::stoul(next());
    else if (arg == "--path") path = next();
    else if (arg == "--keep") keep = true;
    else {
      std::fprintf(stderr, "usage: store_bench [--persons N] [--batch B] [--lookups L] [--path FILE] [--keep]\n");
      return 2;
    }
  }
  std::filesystem::path dir;
  if (path.empty()) {
    std::string pattern = (std::filesystem::temp_directory_path() / "coopsync-bench-XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) {
      std::perror("mkdtemp");
      return 1;
    }
    dir = pattern;
    path = (dir / "bench.db").string();
  }

  auto opened = store::open_sqlite_store(path);
  if (!opened.ok()) return die("open", opened.error());
  store::Store& s = **opened;

  // --- inserts: entity + Odoo link + Nextcloud link + identity keys per person ---------
  std::vector<std::string> entity_ids;
  entity_ids.reserve(persons);
  auto start = Steady::now();
  const double insert_cpu0 = cpu_seconds();
  for (std::size_t first = 0; first < persons; first += batch) {
    const std::size_t last = std::min(persons, first + batch);
    auto st = s.transaction([&]() -> Status {
      for (std::size_t i = first; i < last; ++i) {
        auto entity = s.create_entity(EntityKind::kPerson);
        if (!entity.ok()) return std::move(entity).error();
        store::Link link;
        link.kind = EntityKind::kPerson;
        link.entity_id = entity->id;
        link.system = "odoo";
        link.external_id = std::to_string(i + 1);
        link.version = "2026-03-01 10:00:00";
        link.hash = "0123456789abcdef0123456789abcdef";
        link.rule = "created";
        if (auto r = s.insert_link(link); !r.ok()) return r;
        link.system = "nextcloud";
        link.external_id = "member" + std::to_string(i + 1);
        link.rule = "email";
        link.matched_value = "member" + std::to_string(i + 1) + "@coop.example";
        if (auto r = s.insert_link(link); !r.ok()) return r;
        if (auto r = s.set_identity_keys(entity->id, EntityKind::kPerson,
                                         {{"email", link.matched_value},
                                          {"phone", "+336" + std::to_string(10'000'000 + i)}});
            !r.ok()) {
          return r;
        }
        entity_ids.push_back(entity->id);
      }
      return ok_status();
    });
    if (!st.ok()) return die("insert batch at " + std::to_string(first), st.error());
  }
  const double insert_s = seconds_since(start);
  const double insert_cpu = cpu_seconds() - insert_cpu0;

  // --- lookups ------------------------------------------------------------------------
  std::mt19937_64 rng(42);
  std::uniform_int_distribution<std::size_t> pick(0, persons - 1);
  auto time_lookups = [&](const char* name, auto&& lookup) -> int {
    auto t0 = Steady::now();
    double c0 = cpu_seconds();
    for (std::size_t n = 0; n < lookups; ++n) {
      if (int rc = lookup(pick(rng)); rc != 0) return rc;
    }
    double total = seconds_since(t0);
    double cpu = cpu_seconds() - c0;
    double per = lookups ? 1e6 / static_cast<double>(lookups) : 0.0;
    std::printf("%-16s %zu lookups: wall %.3f s = %.2f us each; cpu %.3f s = %.2f us each\n", name,
                lookups, total, total * per, cpu, cpu * per);
    return 0;
  };
  if (persons > 0) {
    int rc = time_lookups("find_link", [&](std::size_t i) {
      auto found = s.find_link("odoo", EntityKind::kPerson, std::to_string(i + 1));
      if (!found.ok()) return die("find_link", found.error());
      if (!found->has_value() || (*found)->entity_id != entity_ids[i]) {
        std::fprintf(stderr, "store_bench: find_link odoo %zu returned the wrong entity\n", i + 1);
        return 1;
      }
      return 0;
    });
    if (rc == 0) {
      rc = time_lookups("link_of", [&](std::size_t i) {
        auto found = s.link_of(entity_ids[i], "nextcloud");
        if (!found.ok()) return die("link_of", found.error());
        return found->has_value() ? 0 : 1;
      });
    }
    if (rc == 0) {
      rc = time_lookups("match_identity", [&](std::size_t i) {
        auto found = s.match_identity(EntityKind::kPerson, "email",
                                      "member" + std::to_string(i + 1) + "@coop.example");
        if (!found.ok()) return die("match_identity", found.error());
        return found->size() == 1 ? 0 : 1;
      });
    }
    if (rc != 0) return rc;
  }

  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  std::printf("inserted %zu persons (2 links + 2 identity keys each, transactions of %zu): wall %.3f s "
              "= %.0f persons/s; cpu %.3f s\n",
              persons, batch, insert_s, insert_s > 0 ? static_cast<double>(persons) / insert_s : 0.0,
              insert_cpu);
  std::printf("store file %.1f MB (+ WAL %.1f MB), peak RSS %.1f MB\n",
              static_cast<double>(size_or_zero(path)) / 1e6,
              static_cast<double>(size_or_zero(path + "-wal")) / 1e6,
              static_cast<double>(usage.ru_maxrss) / 1024.0);

  opened->reset();
  if (!dir.empty() && !keep) std::filesystem::remove_all(dir);
  return 0;
}
