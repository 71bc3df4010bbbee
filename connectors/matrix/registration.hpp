#pragma once
// The application service registration a homeserver admin installs (Synapse:
// app_service_config_files). coopsync reads with /sync, so `url` may stay null: the
// homeserver then pushes nothing.
#include "connectors/matrix/settings.hpp"
#include "core/result.hpp"

#include <string>

namespace coopsync::matrix {

// Regex-escaped text ('.' in a server name must not match any character).
std::string regex_escape(const std::string& text);

// YAML with id, url, as_token, hs_token, sender_localpart, rate_limited: false and the
// exclusive user and alias namespaces "@<prefix>.*:<server>" / "#<prefix>.*:<server>".
// kInvalidInput when the settings are not for appservice mode or lack a token.
Result<std::string> registration_yaml(const Settings& settings);

}  // namespace coopsync::matrix
