#include "core/engine/field_hash.hpp"

#include <openssl/evp.h>

namespace coopsync::engine {

namespace {
// OpenSSL 3 looks SHA-256 up again on every EVP_Digest(EVP_sha256()) call (an implicit
// fetch, under locks): that was most of the cost of hashing a field, which a pass does
// several times per record. The algorithm is fetched once, each thread keeps a context.
const EVP_MD* sha256() {
  static EVP_MD* md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  return md != nullptr ? md : EVP_sha256();
}

struct DigestContext {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  ~DigestContext() { EVP_MD_CTX_free(ctx); }
};
}  // namespace

std::string hash_text(const std::string& text) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  thread_local DigestContext local;
  if (local.ctx == nullptr || EVP_DigestInit_ex2(local.ctx, sha256(), nullptr) != 1 ||
      EVP_DigestUpdate(local.ctx, text.data(), text.size()) != 1 ||
      EVP_DigestFinal_ex(local.ctx, digest, &len) != 1) {
    EVP_Digest(text.data(), text.size(), digest, &len, EVP_sha256(), nullptr);
  }
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
