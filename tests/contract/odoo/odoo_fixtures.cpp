#include "tests/contract/odoo/odoo_fixtures.hpp"

#include "tests/support/fixtures.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>

namespace coopsync::odoo::testing {

namespace fs = std::filesystem;

fs::path odoo16_dir() { return coopsync::testing::fixtures_dir() / "odoo"; }
fs::path odoo19_dir() { return coopsync::testing::fixtures_dir() / "odoo19"; }

namespace {
std::vector<std::string> list(const fs::path& dir, const std::string& suffix) {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(dir)) {
    const std::string n = e.path().filename().string();
    if (n.size() > suffix.size() && n.compare(n.size() - suffix.size(), suffix.size(), suffix) == 0) {
      out.push_back(n.substr(0, n.size() - suffix.size()));
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<std::string> split_lines(const std::string& block) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= block.size()) {
    auto end = block.find('\n', start);
    if (end == std::string::npos) end = block.size();
    out.push_back(block.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

http::Headers parse_headers(const std::vector<std::string>& lines) {
  http::Headers h;
  for (std::size_t i = 1; i < lines.size(); ++i) {
    auto colon = lines[i].find(": ");
    if (colon != std::string::npos) h.emplace_back(lines[i].substr(0, colon), lines[i].substr(colon + 2));
  }
  return h;
}

std::string format_double(double d) {
  char buf[64];
  for (int precision = 1; precision <= 17; ++precision) {
    std::snprintf(buf, sizeof buf, "%.*g", precision, d);
    if (std::strtod(buf, nullptr) == d) break;
  }
  std::string text = buf;
  if (text.find_first_of(".eE") == std::string::npos) text += ".0";
  return text;
}

std::string py_str(const std::string& s) {
  const bool dq = s.find('\'') != std::string::npos && s.find('"') == std::string::npos;
  const char q = dq ? '"' : '\'';
  std::string out(1, q);
  for (unsigned char c : s) {
    if (c == '\\') out += "\\\\";
    else if (c == '\n') out += "\\n";
    else if (c == '\r') out += "\\r";
    else if (c == '\t') out += "\\t";
    else if (c == static_cast<unsigned char>(q)) out += std::string("\\") + static_cast<char>(q);
    else if (c < 0x20 || c == 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    } else out += static_cast<char>(c);
  }
  return out + q;
}

std::string json_str(const std::string& s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    if (c == '"') out += "\\\"";
    else if (c == '\\') out += "\\\\";
    else if (c == '\n') out += "\\n";
    else if (c == '\r') out += "\\r";
    else if (c == '\t') out += "\\t";
    else if (c < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
    } else out += static_cast<char>(c);
  }
  return out + "\"";
}

template <class Str>
std::string render(const Value& v, bool python, Str str) {
  if (v.is_nil()) return python ? "None" : "null";
  if (auto b = v.as_bool()) return python ? (*b ? "True" : "False") : (*b ? "true" : "false");
  if (auto i = v.as_int()) return std::to_string(*i);
  if (v.is_double()) return format_double(*v.as_double());
  if (const auto* s = v.as_string()) return str(*s);
  if (const auto* a = v.as_array()) {
    std::string out = "[";
    for (std::size_t i = 0; i < a->size(); ++i) out += (i ? ", " : "") + render((*a)[i], python, str);
    return out + "]";
  }
  if (const auto* s = v.as_struct()) {
    std::string out = "{";
    for (std::size_t i = 0; i < s->size(); ++i) {
      out += (i ? ", " : "") + str((*s)[i].name) + ": " + render((*s)[i].value, python, str);
    }
    return out + "}";
  }
  return "<" + std::string(v.type_name()) + ">";
}
}  // namespace

std::vector<std::string> odoo16_pairs() { return list(odoo16_dir(), ".request.xml"); }
std::vector<std::string> odoo19_exchanges() { return list(odoo19_dir(), ".http"); }

http::Response Exchange::response() const {
  http::Response r;
  r.status = status;
  r.headers = response_headers;
  r.body = response_body;
  return r;
}

Exchange load_exchange(const std::string& name) {
  const std::string text = coopsync::testing::read_file(odoo19_dir() / (name + ".http"));
  const auto split = text.find("\n### response\n");
  if (split == std::string::npos) throw std::runtime_error(name + ": no ### response");
  const std::string req = text.substr(0, split);
  const std::string resp = text.substr(split + 14);
  Exchange ex;
  const auto rh_end = req.find("\n\n");
  auto req_lines = split_lines(req.substr(0, rh_end));
  const auto sp1 = req_lines[0].find(' ');
  ex.method = req_lines[0].substr(0, sp1);
  ex.path = req_lines[0].substr(sp1 + 1, req_lines[0].rfind(' ') - sp1 - 1);
  ex.request_headers = parse_headers(req_lines);
  const std::string cl = header(ex.request_headers, "Content-Length");
  ex.request_body = rh_end == std::string::npos ? "" : req.substr(rh_end + 2);
  ex.request_body = ex.request_body.substr(0, cl.empty() ? 0 : std::stoul(cl));
  const auto sh_end = resp.find("\n\n");
  auto resp_lines = split_lines(resp.substr(0, sh_end));
  ex.status = std::atoi(resp_lines[0].c_str() + resp_lines[0].find(' ') + 1);
  ex.response_headers = parse_headers(resp_lines);
  ex.response_body = resp.substr(sh_end + 2);
  return ex;
}

std::string header(const http::Headers& headers, const std::string& name) {
  http::Response r;
  r.headers = headers;
  return r.header(name);
}

std::string py_repr(const Value& value) { return render(value, true, py_str); }
std::string py_json(const Value& value) { return render(value, false, json_str); }

bool matches_preview(const std::string& rendered, const std::string& preview) {
  if (preview.size() > 3 && preview.compare(preview.size() - 3, 3, "...") == 0 && preview.size() >= 300) {
    const std::string head = preview.substr(0, preview.size() - 3);
    return rendered.compare(0, head.size(), head) == 0;
  }
  return rendered == preview;
}

}  // namespace coopsync::odoo::testing
