#include "connectors/matrix/registration.hpp"

#include <yaml-cpp/yaml.h>

namespace coopsync::matrix {

std::string regex_escape(const std::string& text) {
  static const std::string special = R"(\^$.|?*+()[]{})";
  std::string out;
  for (char c : text) {
    if (special.find(c) != std::string::npos) out.push_back('\\');
    out.push_back(c);
  }
  return out;
}

Result<std::string> registration_yaml(const Settings& s) {
  if (s.mode != Mode::kAppservice) {
    return make_error(ErrorKind::kInvalidInput, "matrix: registration needs mode: appservice");
  }
  if (s.as_token.empty() || s.hs_token.empty()) {
    return make_error(ErrorKind::kInvalidInput,
                      "matrix: registration needs both as_token and hs_token");
  }
  if (s.as_token == s.hs_token) {
    return make_error(ErrorKind::kInvalidInput, "matrix: as_token and hs_token must differ");
  }
  const std::string server = regex_escape(s.server_name);
  const std::string prefix = regex_escape(s.namespace_prefix);
  YAML::Emitter y;
  y << YAML::BeginMap;
  y << YAML::Key << "id" << YAML::Value << s.appservice_id;
  y << YAML::Key << "url" << YAML::Value;
  if (s.appservice_url.empty()) {
    y << YAML::Null;
  } else {
    y << YAML::DoubleQuoted << s.appservice_url;
  }
  y << YAML::Key << "as_token" << YAML::Value << YAML::DoubleQuoted << s.as_token;
  y << YAML::Key << "hs_token" << YAML::Value << YAML::DoubleQuoted << s.hs_token;
  y << YAML::Key << "sender_localpart" << YAML::Value << s.bot_localpart;
  y << YAML::Key << "rate_limited" << YAML::Value << false;
  y << YAML::Key << "namespaces" << YAML::Value << YAML::BeginMap;
  y << YAML::Key << "users" << YAML::Value << YAML::BeginSeq << YAML::BeginMap;
  y << YAML::Key << "exclusive" << YAML::Value << true;
  y << YAML::Key << "regex" << YAML::Value << YAML::DoubleQuoted << ("@" + prefix + ".*:" + server);
  y << YAML::EndMap << YAML::EndSeq;
  y << YAML::Key << "aliases" << YAML::Value << YAML::BeginSeq << YAML::BeginMap;
  y << YAML::Key << "exclusive" << YAML::Value << true;
  y << YAML::Key << "regex" << YAML::Value << YAML::DoubleQuoted << ("#" + prefix + ".*:" + server);
  y << YAML::EndMap << YAML::EndSeq;
  y << YAML::Key << "rooms" << YAML::Value << YAML::Flow << YAML::BeginSeq << YAML::EndSeq;
  y << YAML::EndMap;
  y << YAML::EndMap;
  if (!y.good()) return make_error(ErrorKind::kInternal, "matrix: YAML: " + y.GetLastError());
  return std::string(y.c_str()) + "\n";
}

}  // namespace coopsync::matrix
