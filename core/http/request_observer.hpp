#pragma once
// A process-wide hook that sees every outbound HTTP request's system, method, status and
// duration (0 status = transport failure). The daemon installs one to export per-system
// request durations in /metrics; without one, observing costs nothing.
#include <chrono>
#include <functional>
#include <string>

namespace coopsync::http {

using RequestObserver = std::function<void(const std::string& system, const std::string& method,
                                           int status, std::chrono::microseconds elapsed)>;
void set_request_observer(RequestObserver observer);
void observe_request(const std::string& system, const std::string& method, int status,
                     std::chrono::microseconds elapsed);

}  // namespace coopsync::http
