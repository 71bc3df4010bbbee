#pragma once
// Random identifiers: canonical entity ids (UUID v4) and per-store salts. Randomness comes
// from OpenSSL's CSPRNG (RAND_bytes), falling back to /dev/urandom.
#include <cstddef>
#include <string>

namespace coopsync::util {

// `count` random bytes. Throws std::runtime_error only when the machine has no working
// randomness source at all (a broken host, never bad input): ids must not be guessable
// or repeated, so there is no weaker fallback.
std::string random_bytes(std::size_t count);

// `count` random bytes as 2*count lower-case hex digits.
std::string random_hex(std::size_t count);

// A random (version 4, RFC 9562) UUID in canonical lower-case form:
// "xxxxxxxx-xxxx-4xxx-[89ab]xxx-xxxxxxxxxxxx".
std::string uuid_v4();

// True when `text` has the canonical UUID shape (any version, lower or upper case hex).
bool looks_like_uuid(const std::string& text);

}  // namespace coopsync::util
