#include "connectors/odoo/errors.hpp"

#include <nlohmann/json.hpp>

namespace coopsync::odoo {

namespace {

std::string cut(std::string text, std::size_t max = 300) {
  if (text.size() > max) text = text.substr(0, max) + "...";
  return text;
}

// The first lines of a user-facing message, joined, for a one-line error text.
std::string summary(const std::string& text) {
  std::string out;
  std::size_t start = 0;
  int lines = 0;
  while (start < text.size() && lines < 3) {
    auto end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    std::string line = text.substr(start, end - start);
    if (!line.empty()) {
      out += (out.empty() ? "" : " / ") + line;
      ++lines;
    }
    start = end + 1;
  }
  return cut(out);
}

bool contains(const std::string& text, const char* needle) {
  return text.find(needle) != std::string::npos;
}

bool transient_exception(const std::string& line) {
  // PostgreSQL serialization/lock failures and lost database connections: retry later.
  return contains(line, "SerializationFailure") || contains(line, "LockNotAvailable") ||
         contains(line, "TransactionRollbackError") || contains(line, "LockError") ||
         (contains(line, "OperationalError") && !contains(line, "does not exist"));
}

}  // namespace

std::string last_line(const std::string& text) {
  auto end = text.find_last_not_of(" \t\r\n");
  if (end == std::string::npos) return {};
  auto start = text.rfind('\n', end);
  start = start == std::string::npos ? 0 : start + 1;
  return text.substr(start, end - start + 1);
}

bool is_marshal_none_fault(const xmlrpc::Fault& fault) {
  return fault.code == 1 && contains(last_line(fault.message), "cannot marshal None");
}

Error fault_to_error(const xmlrpc::Fault& fault, const std::string& what) {
  const std::string prefix = what + ": Odoo fault " + std::to_string(fault.code) + ": ";
  switch (fault.code) {
    case 3:
      return make_error(ErrorKind::kAuth, prefix + "access denied: the login, password or API key was refused");
    case 4:
      return make_error(ErrorKind::kAuth, prefix + summary(fault.message));
    case 2:
      if (contains(fault.message, "Record does not exist or has been deleted")) {
        return make_error(ErrorKind::kNotFound, prefix + summary(fault.message));
      }
      return make_error(ErrorKind::kPermanent, prefix + summary(fault.message));
    case 1: {
      const std::string line = cut(last_line(fault.message));
      return make_error(transient_exception(line) ? ErrorKind::kTransient : ErrorKind::kPermanent,
                        prefix + line);
    }
    default:
      return make_error(ErrorKind::kPermanent, prefix + summary(fault.message));
  }
}

bool json_depth_within(std::string_view text, std::size_t max_depth) {
  std::size_t depth = 0;
  bool in_string = false;
  bool escaped = false;
  for (char c : text) {
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > max_depth) return false;
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return true;
}

Error json2_to_error(const http::Response& response, const std::string& what) {
  const int s = response.status;
  const std::string ctype = response.header("Content-Type");
  const std::string prefix = what + ": HTTP " + std::to_string(s);
  auto retry = http::parse_retry_after(response.header("Retry-After"));
  if (ctype.rfind("application/json", 0) != 0) {
    // Not Odoo's JSON error object: an Odoo HTML page or a proxy's page.
    if (s == 404) {
      return make_error(ErrorKind::kPermanent,
                        prefix + ": HTML page (unknown database in X-Odoo-Database, or no "
                                 "JSON-2 API on this server)", s);
    }
    if (s == 415) return make_error(ErrorKind::kPermanent, prefix + ": content type refused", s);
    if (auto e = http::status_to_error(response, what)) return *e;
    return make_error(ErrorKind::kInvalidInput, prefix + ": unexpected content type '" + cut(ctype, 60) + "'", s);
  }
  std::string name;
  std::string message;
  if (json_depth_within(response.body, 16)) {
    auto j = nlohmann::json::parse(response.body, nullptr, false);
    if (j.is_object()) {
      if (j.contains("name") && j["name"].is_string()) name = j["name"].get<std::string>();
      if (j.contains("message") && j["message"].is_string()) message = j["message"].get<std::string>();
    }
  }
  const std::string text = prefix + (name.empty() ? "" : " " + name) +
                           (message.empty() ? "" : ": " + summary(message));
  if (s == 401 || s == 403) return make_error(ErrorKind::kAuth, text, s);
  if (s == 404) {
    return make_error(contains(name, "MissingError") ? ErrorKind::kNotFound : ErrorKind::kPermanent, text, s);
  }
  if (s == 409) return make_error(ErrorKind::kConflict, text, s);
  if (s == 429) return make_error(ErrorKind::kRateLimited, text, s, retry);
  if (s >= 500) {
    const bool odoo_error = !name.empty() && !transient_exception(name) &&
                            (name.rfind("builtins.", 0) == 0 || name.rfind("odoo.", 0) == 0 ||
                             name.rfind("werkzeug.", 0) == 0);
    return make_error(odoo_error ? ErrorKind::kPermanent : ErrorKind::kTransient, text, s, retry);
  }
  return make_error(ErrorKind::kPermanent, text, s);
}

}  // namespace coopsync::odoo
