#pragma once
// Process-wide secret redaction. Every secret the config loader resolves (passwords, API
// keys, tokens, DSNs) is registered here; the log sink and the config issue formatter pass
// their text through redact(), so a registered secret can never reach a log line or an
// error message, whatever code path formatted it.
//
// Thread-safe: registration takes a unique lock, redaction a shared one.
#include <cstddef>
#include <string>
#include <string_view>

namespace coopsync::util {

// Secrets shorter than this are not registered: replacing every "abc" in every log line
// would destroy the logs and protect nothing (such a secret is guessable anyway).
inline constexpr std::size_t kMinSecretLength = 4;

// Remembers `value` as a secret. Also registers the forms in which it commonly reaches
// text: JSON-escaped (a JSON log line, a request body) and percent-encoded (a URL, a form
// body), when they differ from the raw value. Values shorter than kMinSecretLength are
// ignored. Registering the same value twice is harmless.
void register_secret(std::string_view value);

// `text` with every occurrence of every registered secret replaced by "***". Longer
// secrets are replaced first, so a secret that contains another is hidden whole.
std::string redact(std::string_view text);

// True when `text` contains a registered secret (tests, assertions).
bool contains_secret(std::string_view text);

// How many distinct strings are registered (tests).
std::size_t registered_secret_count();

// Forgets every registered secret. Tests only: production code never unregisters.
void clear_secrets_for_test();

}  // namespace coopsync::util
