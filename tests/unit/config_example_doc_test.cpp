// config/example.yaml documents every option of the core (connectors' own keys are checked
// against `coopsync connectors describe` by tests/packaging): each key the schema declares
// appears in the example, set or commented out ("# key: ..."), so a new option cannot ship
// undocumented.
#include "core/config/config.hpp"

#include <doctest/doctest.h>

#include <cstdlib>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <string>

using namespace coopsync::config;

namespace {

std::string example_text() {
  const char* source = std::getenv("COOPSYNC_SOURCE_DIR");
  std::ifstream in(std::string(source != nullptr ? source : COOPSYNC_SOURCE_DIR) +
                   "/config/example.yaml");
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

void collect(const ObjectSpec& spec, const std::string& prefix, std::set<std::string>& out) {
  for (const auto& f : spec.fields()) {
    out.insert(prefix + f.name);
    if (f.object) collect(*f.object, prefix + f.name + ".", out);
  }
}

bool documented(const std::string& text, const std::string& key) {
  const std::regex line("^[ \t]*(#[ \t]*)?(- )?" + key + ":");
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) {
    if (std::regex_search(l, line)) return true;
  }
  return false;
}

}  // namespace

TEST_CASE("config/example.yaml mentions every core and common system option") {
  const std::string text = example_text();
  REQUIRE(!text.empty());
  std::set<std::string> paths;
  collect(core_spec(), "", paths);
  collect(common_system_spec(), "systems.<name>.", paths);
  CHECK(paths.size() > 20);
  for (const auto& path : paths) {
    const std::string key = path.substr(path.rfind('.') + 1);
    CHECK_MESSAGE(documented(text, key), "config/example.yaml does not document " << path);
  }
  CHECK(!documented(text, "no_such_option_anywhere"));
}
