// Every GraphQL document the Mobilizon connector can send (connectors/mobilizon/
// documents.cpp) must validate against Mobilizon 5.1.3's real schema.graphql (and against
// the simulator's subset), checked by graphql-js, the reference implementation: a typo in a
// field or argument fails here, not in production. Skipped (77) without ../shared.
#include "connectors/mobilizon/documents.hpp"
#include "tests/support/fixtures.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <array>
#include <cstdio>
#include <fstream>
#include <string>
#include <sys/wait.h>

namespace {

std::string source_dir() {
  const char* env = std::getenv("COOPSYNC_SOURCE_DIR");
  return (env != nullptr && *env != '\0') ? env : COOPSYNC_SOURCE_DIR;
}

// Runs the validator on `docs`; returns (exit status, output).
std::pair<int, std::string> validate(const nlohmann::json& docs) {
  const auto dir = coopsync::testing::make_temp_dir("mobilizon-docs");
  const auto file = dir / "documents.json";
  std::ofstream(file) << docs.dump();
  const std::string real = (coopsync::testing::fixtures_dir() / "mobilizon" / "schema.graphql").string();
  const std::string subset = source_dir() + "/tests/sim/mobilizon/schema.graphql";
  const std::string cmd = "node '" + source_dir() + "/tests/contract/mobilizon/validate_documents.js' '" +
                          file.string() + "' '" + real + "' '" + subset + "' 2>&1";
  std::string out;
  FILE* pipe = popen(cmd.c_str(), "r");
  REQUIRE(pipe != nullptr);
  std::array<char, 4096> buf{};
  while (std::fgets(buf.data(), static_cast<int>(buf.size()), pipe) != nullptr) out += buf.data();
  const int status = pclose(pipe);
  std::filesystem::remove_all(dir);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

nlohmann::json all_documents() {
  nlohmann::json docs = nlohmann::json::array();
  for (const auto& d : coopsync::mobilizon::documents::all()) docs.push_back({{"name", d.name}, {"text", *d.text}});
  return docs;
}

}  // namespace

TEST_CASE("every Mobilizon document validates against the real schema.graphql") {
  coopsync::testing::skip_without_fixtures("mobilizon");
  const auto docs = all_documents();
  CHECK(docs.size() >= 20);
  const auto [status, output] = validate(docs);
  INFO(output);
  CHECK(status == 0);
  CHECK(output.find(": 0 problem(s)") != std::string::npos);
}

TEST_CASE("the validation catches a misspelt field") {
  coopsync::testing::skip_without_fixtures("mobilizon");
  auto docs = all_documents();
  std::string text = docs[4]["text"].get<std::string>();  // Group
  const auto pos = text.find("preferredUsername name");
  REQUIRE(pos != std::string::npos);
  text.replace(pos, 22, "preferredUsername nmae");
  docs = nlohmann::json::array({{{"name", docs[4]["name"]}, {"text", text}}});
  const auto [status, output] = validate(docs);
  CHECK(status == 1);
  CHECK(output.find("nmae") != std::string::npos);
}
