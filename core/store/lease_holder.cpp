#include "core/store/lease_holder.hpp"

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <unistd.h>

namespace coopsync::store {

namespace {
std::string host_name() {
  char buf[256] = {};
  if (::gethostname(buf, sizeof(buf) - 1) != 0) return "localhost";
  return buf;
}
}  // namespace

std::string local_holder(const std::string& role) {
  return role + "@" + host_name() + "#" + std::to_string(::getpid());
}

bool holder_is_gone(const std::string& holder) {
  const auto at = holder.find('@');
  const auto hash = holder.rfind('#');
  if (at == std::string::npos || hash == std::string::npos || hash < at) return false;
  if (holder.substr(at + 1, hash - at - 1) != host_name()) return false;
  const std::string digits = holder.substr(hash + 1);
  if (digits.empty() || digits.size() > 9 || digits.find_first_not_of("0123456789") != std::string::npos) {
    return false;
  }
  const long pid = std::strtol(digits.c_str(), nullptr, 10);
  if (pid <= 1 || pid == ::getpid()) return false;
  // Signal 0 checks existence only. EPERM: it exists (another user's): not gone.
  return ::kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH;
}

}  // namespace coopsync::store
