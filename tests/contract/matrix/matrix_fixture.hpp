#pragma once
// Reads ../shared/fixtures/matrix/NN-*.http (format in its INDEX.md) and serves them to a
// FakeHttpClient: the request the connector sends is checked against the captured one
// (method, path and query, Authorization, JSON body), the captured answer is returned.
#include "core/http/http_client.hpp"
#include "tests/support/fake_http.hpp"
#include "tests/support/fixtures.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <optional>
#include <sstream>
#include <string>

namespace coopsync::testing::matrix_fx {

// Where the capture ran, and the room and space its exchanges name.
inline const std::string kBase = "http://127.0.0.1:8008";
inline const std::string kRoom = "!hgSTpZYNHerBGASLqQ:localhost";
inline const std::string kSpace = "!RXwCARhDVAaAnKfeVc:localhost";

struct Exchange {
  std::string name;
  std::string method;
  std::string target;  // path?query as captured
  http::Headers headers;
  std::string body;
  http::Response response;

  std::string header(const std::string& name_) const {
    for (const auto& [k, v] : headers) {
      if (k == name_) return v;
    }
    return {};
  }
  nlohmann::json response_json() const { return nlohmann::json::parse(response.body); }
};

inline std::filesystem::path dir() { return fixtures_dir() / "matrix"; }

inline std::optional<std::filesystem::path> find(const std::string& number) {
  for (const auto& entry : std::filesystem::directory_iterator(dir())) {
    const auto name = entry.path().filename().string();
    if (name.rfind(number + "-", 0) == 0 && entry.path().extension() == ".http") return entry.path();
  }
  return std::nullopt;
}

inline void read_headers(std::istringstream& in, http::Headers& out) {
  std::string line;
  while (std::getline(in, line) && !line.empty()) {
    const auto colon = line.find(':');
    if (colon == std::string::npos) continue;
    std::string value = line.substr(colon + 1);
    while (!value.empty() && value.front() == ' ') value.erase(value.begin());
    out.emplace_back(line.substr(0, colon), value);
  }
}

inline std::string rest(std::istringstream& in) {
  std::string out((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
  return out;
}

inline Exchange parse(const std::filesystem::path& path) {
  const std::string text = read_file(path);
  const std::string marker = "\n### response\n";
  const auto split = text.find(marker);
  REQUIRE_MESSAGE(split != std::string::npos, path.string());
  Exchange ex;
  ex.name = path.filename().string();
  std::istringstream req(text.substr(0, split));
  std::string line;
  while (std::getline(req, line) && line.rfind('#', 0) == 0) {
  }
  std::istringstream first(line);
  first >> ex.method >> ex.target;
  read_headers(req, ex.headers);
  ex.body = rest(req);
  std::istringstream resp(text.substr(split + marker.size()));
  std::getline(resp, line);
  ex.response.status = std::stoi(line.substr(line.find(' ') + 1, 3));
  read_headers(resp, ex.response.headers);
  ex.response.body = rest(resp);
  return ex;
}

inline Exchange load(const std::string& number) {
  auto path = find(number);
  const std::string missing = "fixture " + number + " missing";
  REQUIRE_MESSAGE(path.has_value(), missing);
  return parse(*path);
}

// The request's path and query relative to the base URL.
inline std::string target_of(const http::Request& r, const std::string& base) {
  return r.url.rfind(base, 0) == 0 ? r.url.substr(base.size()) : r.url;
}

inline std::string auth_of(const http::Request& r) {
  for (const auto& [k, v] : r.headers) {
    if (k == "Authorization") return v;
  }
  return {};
}

// A FakeHttpClient answering `ex` and checking that the request matches the capture.
// `check_body`: compare JSON bodies (off where the capture's body holds values the test
// cannot reproduce, e.g. a one-time nonce).
inline FakeHttpClient replay(const Exchange& ex, const std::string& base, bool check_body = true) {
  return FakeHttpClient([ex, base, check_body](const http::Request& r) -> Result<http::Response> {
    CHECK_MESSAGE(r.method == ex.method, ex.name);
    CHECK_MESSAGE(target_of(r, base) == ex.target, ex.name);
    CHECK_MESSAGE(auth_of(r) == ex.header("Authorization"), ex.name);
    if (check_body) {
      if (ex.body.empty()) {
        CHECK_MESSAGE(r.body.empty(), ex.name);
      } else {
        CHECK_MESSAGE(nlohmann::json::parse(r.body) == nlohmann::json::parse(ex.body), ex.name);
      }
    }
    return ex.response;
  });
}

}  // namespace coopsync::testing::matrix_fx
