#pragma once
// Reads ../shared/fixtures/nextcloud/*.http (format in that folder's INDEX.md) and the
// expected HTTP / OCS codes from INDEX.md's exchange table.
#include "connectors/nextcloud/settings.hpp"
#include "core/http/http_client.hpp"
#include "tests/support/fixtures.hpp"

#include <filesystem>
#include <map>
#include <sstream>
#include <string>
#include <vector>

namespace coopsync::testing::nc {

struct Exchange {
  std::string name;  // "59-caldav-put-event-create"
  std::string method, target;
  http::Headers request_headers;
  std::string request_body;
  http::Response response;

  std::string request_header(std::string_view n) const {
    http::Response tmp;
    tmp.headers = request_headers;
    return tmp.header(n);
  }
};

inline std::filesystem::path dir() { return fixtures_dir() / "nextcloud"; }

// Header lines + body of one section; the body is cut to Content-Length when present.
inline void split_section(const std::string& block, std::string& first, http::Headers& headers,
                          std::string& body) {
  const auto blank = block.find("\n\n");
  const std::string head = block.substr(0, blank);
  body = blank == std::string::npos ? "" : block.substr(blank + 2);
  std::istringstream in(head);
  std::getline(in, first);
  std::string line;
  std::string length;
  while (std::getline(in, line)) {
    const auto colon = line.find(':');
    if (colon == std::string::npos) continue;
    std::string k = line.substr(0, colon), v = line.substr(colon + 1);
    while (!v.empty() && v.front() == ' ') v.erase(0, 1);
    if (k == "Content-Length") length = v;
    headers.emplace_back(k, v);
  }
  if (!length.empty()) {
    body = body.substr(0, std::stoul(length));
  } else if (!body.empty() && body.back() == '\n') {
    body.pop_back();
  }
}

inline Exchange load(const std::string& name) {
  const std::string raw = read_file(dir() / (name + ".http"));
  Exchange ex;
  ex.name = name;
  const auto rq = raw.find("### request\n") + 12;
  const auto rs = raw.find("### response\n");
  std::string first;
  split_section(raw.substr(rq, rs - rq), first, ex.request_headers, ex.request_body);
  std::istringstream fl(first);
  fl >> ex.method >> ex.target;
  http::Headers rh;
  split_section(raw.substr(rs + 13), first, ex.response.headers, ex.response.body);
  ex.response.status = std::stoi(first.substr(first.find(' ') + 1, 3));
  return ex;
}

inline std::vector<std::string> names() {
  std::vector<std::string> out;
  for (const auto& e : std::filesystem::directory_iterator(dir())) {
    if (e.path().extension() == ".http") out.push_back(e.path().stem().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

// INDEX.md: | `file.http` | request | HTTP | OCS statuscode | what |  -> {stem: {http, ocs}}
struct Expected {
  int http = 0;
  int ocs = -1;  // -1: none listed
};
inline std::map<std::string, Expected> index_table() {
  std::map<std::string, Expected> out;
  std::istringstream in(read_file(dir() / "INDEX.md"));
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("| `", 0) != 0) continue;
    std::vector<std::string> cells;
    std::string cell;
    for (std::size_t i = 1; i < line.size(); ++i) {
      if (line[i] == '|') {
        cells.push_back(cell);
        cell.clear();
      } else {
        cell.push_back(line[i]);
      }
    }
    if (cells.size() < 4) continue;
    auto trim = [](std::string s) {
      while (!s.empty() && (s.front() == ' ' || s.front() == '`')) s.erase(0, 1);
      while (!s.empty() && (s.back() == ' ' || s.back() == '`')) s.pop_back();
      return s;
    };
    std::string file = trim(cells[0]);
    if (file.size() < 6) continue;
    Expected e;
    e.http = std::atoi(trim(cells[2]).c_str());
    const std::string ocs = trim(cells[3]);
    if (!ocs.empty()) e.ocs = std::atoi(ocs.c_str());
    out[file.substr(0, file.size() - 5)] = e;
  }
  return out;
}

// Connector settings for the captured server (http://127.0.0.1:8080 as admin, CalDAV on the
// same account), with neither folder nor calendar template: a test sets what it needs.
inline nextcloud::Settings capture_settings() {
  nextcloud::Settings s;
  s.url = "http://127.0.0.1:8080";
  s.username = s.caldav_username = "admin";
  s.app_password = s.caldav_password = "x";
  s.caldav_url = s.url + "/remote.php/dav/";
  s.folder_template = "";
  s.calendar_template = "";
  return s;
}

// "/path?query" of a full URL.
inline std::string target_of(const std::string& url) {
  const auto scheme = url.find("://");
  const auto slash = url.find('/', scheme == std::string::npos ? 0 : scheme + 3);
  return slash == std::string::npos ? "/" : url.substr(slash);
}

}  // namespace coopsync::testing::nc
