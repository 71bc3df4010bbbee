#include "core/http/request_observer.hpp"

#include <mutex>

namespace coopsync::http {
namespace {
std::mutex& observer_mutex() {
  static std::mutex m;
  return m;
}
RequestObserver& observer() {
  static RequestObserver o;
  return o;
}
}  // namespace

void set_request_observer(RequestObserver o) {
  std::lock_guard lock(observer_mutex());
  observer() = std::move(o);
}

void observe_request(const std::string& system, const std::string& method, int status,
                     std::chrono::microseconds elapsed) {
  std::lock_guard lock(observer_mutex());
  if (observer()) observer()(system, method, status, elapsed);
}

}  // namespace coopsync::http
