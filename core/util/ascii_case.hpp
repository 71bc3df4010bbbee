#pragma once
// ASCII case mapping, byte by byte: protocol keywords, enum values and error codes, never
// people's names (UTF-8 letters outside ASCII are left as they are).
#include <string>
#include <string_view>

namespace coopsync::util {

std::string ascii_lower(std::string_view text);
std::string ascii_upper(std::string_view text);

}  // namespace coopsync::util
