#include "core/engine/field_hash.hpp"

#include <openssl/evp.h>

namespace coopsync::engine {

std::string hash_text(const std::string& text) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(text.data(), text.size(), digest, &len, EVP_sha256(), nullptr);
  static const char* hex = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < 8 && i < len; ++i) {
    out.push_back(hex[digest[i] >> 4]);
    out.push_back(hex[digest[i] & 15]);
  }
  return out;
}

std::string hash_value(const nlohmann::json& value) {
  // nlohmann's dump of an object is key-sorted (std::map), so equal values hash equally.
  return hash_text(value.dump());
}

FieldHashes hash_fields(const Fields& fields) {
  FieldHashes out;
  if (!fields.is_object()) return out;
  for (auto it = fields.begin(); it != fields.end(); ++it) {
    if (!it.key().empty() && it.key()[0] == '_') continue;  // engine bookkeeping, not data
    out[it.key()] = hash_value(it.value());
  }
  return out;
}

std::string encode_hashes(const FieldHashes& hashes) { return nlohmann::json(hashes).dump(); }

FieldHashes decode_hashes(const std::string& text) {
  if (text.empty()) return {};
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (!j.is_object()) return {};
  FieldHashes out;
  for (auto it = j.begin(); it != j.end(); ++it) {
    if (it.value().is_string()) out[it.key()] = it.value().get<std::string>();
  }
  return out;
}

}  // namespace coopsync::engine
