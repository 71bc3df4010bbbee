#include "core/util/uuid.hpp"

#include <openssl/rand.h>

#include <cerrno>
#include <climits>
#include <fcntl.h>
#include <stdexcept>
#include <unistd.h>

namespace coopsync::util {

namespace {

// Reads exactly `count` bytes from /dev/urandom; false when that is impossible.
bool urandom(unsigned char* out, std::size_t count) {
  int fd = ::open("/dev/urandom", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  std::size_t done = 0;
  while (done < count) {
    ssize_t n = ::read(fd, out + done, count - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    done += static_cast<std::size_t>(n);
  }
  ::close(fd);
  return done == count;
}

constexpr char kHex[] = "0123456789abcdef";

std::string to_hex(const std::string& bytes) {
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out.push_back(kHex[c >> 4]);
    out.push_back(kHex[c & 0x0f]);
  }
  return out;
}

}  // namespace

std::string random_bytes(std::size_t count) {
  std::string out(count, '\0');
  auto* data = reinterpret_cast<unsigned char*>(out.data());
  if (count == 0) return out;
  if (count <= static_cast<std::size_t>(INT_MAX) &&
      RAND_bytes(data, static_cast<int>(count)) == 1) {
    return out;
  }
  if (urandom(data, count)) return out;
  throw std::runtime_error("no randomness source: OpenSSL RAND_bytes and /dev/urandom both failed");
}

std::string random_hex(std::size_t count) { return to_hex(random_bytes(count)); }

std::string uuid_v4() {
  std::string bytes = random_bytes(16);
  bytes[6] = static_cast<char>((static_cast<unsigned char>(bytes[6]) & 0x0f) | 0x40);  // version 4
  bytes[8] = static_cast<char>((static_cast<unsigned char>(bytes[8]) & 0x3f) | 0x80);  // variant 10
  std::string hex = to_hex(bytes);
  return hex.substr(0, 8) + '-' + hex.substr(8, 4) + '-' + hex.substr(12, 4) + '-' +
         hex.substr(16, 4) + '-' + hex.substr(20, 12);
}

bool looks_like_uuid(const std::string& text) {
  if (text.size() != 36) return false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (c != '-') return false;
    } else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) {
      return false;
    }
  }
  return true;
}

}  // namespace coopsync::util
