#include "connectors/nextcloud/xml_tree.hpp"

#include <expat.h>

namespace coopsync::nextcloud {
namespace {

// expat with a namespace separator reports "uri\x1flocal" (or "local" without a namespace).
constexpr char kSep = '\x1f';

struct Builder {
  const XmlLimits* limits = nullptr;
  XmlNode root;
  std::vector<XmlNode*> stack;
  std::size_t nodes = 0;
  std::string failure;
  XML_Parser parser = nullptr;

  void fail(std::string why) {
    if (failure.empty()) failure = std::move(why);
    XML_StopParser(parser, XML_FALSE);
  }
};

void split_name(const char* qname, std::string& ns, std::string& local) {
  std::string_view q(qname);
  const auto pos = q.find(kSep);
  if (pos == std::string_view::npos) {
    ns.clear();
    local.assign(q);
  } else {
    ns.assign(q.substr(0, pos));
    local.assign(q.substr(pos + 1));
  }
}

void XMLCALL on_start(void* data, const XML_Char* name, const XML_Char** atts) {
  auto* b = static_cast<Builder*>(data);
  if (!b->failure.empty()) return;
  if (++b->nodes > b->limits->max_nodes) return b->fail("too many elements");
  if (b->stack.size() >= b->limits->max_depth) return b->fail("nested too deeply");
  XmlNode* node = nullptr;
  if (b->stack.empty()) {
    node = &b->root;
  } else {
    b->stack.back()->children.emplace_back();
    node = &b->stack.back()->children.back();
  }
  split_name(name, node->ns, node->name);
  for (int i = 0; atts[i] != nullptr && atts[i + 1] != nullptr; i += 2) {
    std::string ns, local;
    split_name(atts[i], ns, local);
    node->attributes.emplace_back(std::move(local), atts[i + 1]);
  }
  b->stack.push_back(node);
}

void XMLCALL on_end(void* data, const XML_Char* /*name*/) {
  auto* b = static_cast<Builder*>(data);
  if (!b->stack.empty()) b->stack.pop_back();
}

void XMLCALL on_text(void* data, const XML_Char* s, int len) {
  auto* b = static_cast<Builder*>(data);
  if (!b->failure.empty() || b->stack.empty() || len <= 0) return;
  b->stack.back()->text.append(s, static_cast<std::size_t>(len));
}

// Entity declarations are how "billion laughs" documents expand; no DAV server needs them.
void XMLCALL on_entity_decl(void* data, const XML_Char*, int, const XML_Char*, int,
                            const XML_Char*, const XML_Char*, const XML_Char*,
                            const XML_Char*) {
  static_cast<Builder*>(data)->fail("entity declarations are not accepted");
}

}  // namespace

const XmlNode* XmlNode::child(std::string_view n, std::string_view local) const {
  for (const auto& c : children) {
    if (c.is(n, local)) return &c;
  }
  return nullptr;
}

std::vector<const XmlNode*> XmlNode::all(std::string_view n, std::string_view local) const {
  std::vector<const XmlNode*> out;
  for (const auto& c : children) {
    if (c.is(n, local)) out.push_back(&c);
  }
  return out;
}

std::string XmlNode::attribute(std::string_view local) const {
  for (const auto& [k, v] : attributes) {
    if (k == local) return v;
  }
  return {};
}

Result<XmlNode> parse_xml(std::string_view document, const std::string& what,
                          const XmlLimits& limits) {
  if (document.size() > limits.max_bytes) {
    return make_error(ErrorKind::kInvalidInput, what + ": XML body larger than " +
                                                    std::to_string(limits.max_bytes) + " bytes");
  }
  Builder b;
  b.limits = &limits;
  XML_Parser parser = XML_ParserCreateNS(nullptr, kSep);
  if (parser == nullptr) return make_error(ErrorKind::kInternal, what + ": expat init failed");
  b.parser = parser;
  XML_SetUserData(parser, &b);
  XML_SetElementHandler(parser, on_start, on_end);
  XML_SetCharacterDataHandler(parser, on_text);
  XML_SetEntityDeclHandler(parser, on_entity_decl);
  const auto status = XML_Parse(parser, document.data(), static_cast<int>(document.size()),
                                XML_TRUE);
  std::string message;
  if (!b.failure.empty()) {
    message = b.failure;
  } else if (status != XML_STATUS_OK) {
    message = std::string(XML_ErrorString(XML_GetErrorCode(parser))) + " at line " +
              std::to_string(XML_GetCurrentLineNumber(parser)) + ", column " +
              std::to_string(XML_GetCurrentColumnNumber(parser));
  } else if (b.nodes == 0) {
    message = "no root element";
  }
  XML_ParserFree(parser);
  if (!message.empty()) {
    return make_error(ErrorKind::kInvalidInput, what + ": malformed XML: " + message);
  }
  return std::move(b.root);
}

std::string xml_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      default: out.push_back(c);
    }
  }
  return out;
}

}  // namespace coopsync::nextcloud
