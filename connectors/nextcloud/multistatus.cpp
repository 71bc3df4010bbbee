#include "connectors/nextcloud/multistatus.hpp"

#include <cctype>

namespace coopsync::nextcloud {
namespace {

std::string trim(std::string_view s) {
  std::size_t b = 0, e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
  return std::string(s.substr(b, e - b));
}

}  // namespace

int parse_status_line(std::string_view line) {
  const std::string t = trim(line);
  const auto sp = t.find(' ');
  if (sp == std::string::npos || t.size() < sp + 4) return 0;
  int code = 0;
  for (std::size_t i = sp + 1; i < sp + 4; ++i) {
    if (!std::isdigit(static_cast<unsigned char>(t[i]))) return 0;
    code = code * 10 + (t[i] - '0');
  }
  return code;
}

const XmlNode* DavResponse::prop(std::string_view ns, std::string_view name) const {
  for (const auto& ps : propstats) {
    if (ps.status < 200 || ps.status >= 300) continue;
    for (const auto& p : ps.props) {
      if (p.is(ns, name)) return &p;
    }
  }
  return nullptr;
}

std::string DavResponse::text(std::string_view ns, std::string_view name) const {
  const XmlNode* p = prop(ns, name);
  return p == nullptr ? std::string() : trim(p->text);
}

Result<Multistatus> parse_multistatus(std::string_view body, const std::string& what) {
  auto doc = parse_xml(body, what);
  if (!doc) return std::move(doc).error();
  const XmlNode& root = *doc;
  if (!root.is(kDavNs, "multistatus")) {
    return make_error(ErrorKind::kInvalidInput,
                      what + ": expected a DAV: multistatus, got <" + root.name + ">");
  }
  Multistatus out;
  for (const auto& child : root.children) {
    if (child.is(kDavNs, "sync-token")) {
      out.sync_token = trim(child.text);
      continue;
    }
    if (!child.is(kDavNs, "response")) continue;
    DavResponse r;
    for (const auto& part : child.children) {
      if (part.is(kDavNs, "href") && r.href.empty()) {
        r.href = trim(part.text);
      } else if (part.is(kDavNs, "status")) {
        r.status = parse_status_line(part.text);
      } else if (part.is(kDavNs, "propstat")) {
        DavPropstat ps;
        if (const XmlNode* st = part.child(kDavNs, "status")) ps.status = parse_status_line(st->text);
        if (const XmlNode* pr = part.child(kDavNs, "prop")) ps.props = pr->children;
        r.propstats.push_back(std::move(ps));
      }
    }
    if (r.href.empty()) {
      return make_error(ErrorKind::kInvalidInput, what + ": a multistatus response has no href");
    }
    out.responses.push_back(std::move(r));
  }
  return out;
}

std::string unquote_etag(std::string_view etag) {
  std::string t = trim(etag);
  if (t.rfind("W/", 0) == 0) t = t.substr(2);
  if (t.size() >= 2 && t.front() == '"' && t.back() == '"') t = t.substr(1, t.size() - 2);
  return t;
}

std::string percent_decode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size() &&
        std::isxdigit(static_cast<unsigned char>(text[i + 1])) &&
        std::isxdigit(static_cast<unsigned char>(text[i + 2]))) {
      out.push_back(static_cast<char>(std::stoi(std::string(text.substr(i + 1, 2)), nullptr, 16)));
      i += 2;
    } else {
      out.push_back(text[i]);
    }
  }
  return out;
}

}  // namespace coopsync::nextcloud
