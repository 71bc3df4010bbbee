#pragma once
// Access to ../shared/fixtures (captured real traffic) for contract tests. When the folder
// is absent (a checkout without ../shared), contract tests call skip_without_fixtures()
// which prints why and exits 77, which CTest reports as "skipped".
#include <filesystem>
#include <optional>
#include <string>

namespace coopsync::testing {

// The fixtures root: $COOPSYNC_FIXTURES_DIR if set, else the path configured at build time.
std::filesystem::path fixtures_dir();
// Exits the process with 77 and a clear message when fixtures_dir()/sub is missing.
void skip_without_fixtures(const std::string& sub);
// Whole file as bytes; throws std::runtime_error naming the path when unreadable.
std::string read_file(const std::filesystem::path& path);
// A fresh temporary directory, removed by the caller (or left for post-mortem).
std::filesystem::path make_temp_dir(const std::string& prefix);

}  // namespace coopsync::testing
