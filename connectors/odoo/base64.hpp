#pragma once
// Base64 (RFC 4648, standard alphabet, padded) for XML-RPC <base64> values.
#include <optional>
#include <string>
#include <string_view>

namespace coopsync::odoo {

std::string base64_encode(std::string_view bytes);
// Whitespace is skipped (XML-RPC writers wrap lines); anything else outside the alphabet,
// or bad padding, is nullopt.
std::optional<std::string> base64_decode(std::string_view text);

}  // namespace coopsync::odoo
