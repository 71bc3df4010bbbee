#include "tests/support/fixtures.hpp"

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace coopsync::testing {

std::filesystem::path fixtures_dir() {
  if (const char* env = std::getenv("COOPSYNC_FIXTURES_DIR"); env != nullptr && *env != '\0') {
    return env;
  }
  return COOPSYNC_FIXTURES_DIR;
}

void skip_without_fixtures(const std::string& sub) {
  auto dir = fixtures_dir() / sub;
  if (!std::filesystem::is_directory(dir)) {
    std::fprintf(stderr, "SKIPPED: fixtures folder %s is absent (../shared/fixtures not checked out)\n",
                 dir.string().c_str());
    std::exit(77);
  }
}

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path.string());
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

std::filesystem::path make_temp_dir(const std::string& prefix) {
  std::string pattern = (std::filesystem::temp_directory_path() / (prefix + "-XXXXXX")).string();
  if (mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed for " + pattern);
  return pattern;
}

}  // namespace coopsync::testing
