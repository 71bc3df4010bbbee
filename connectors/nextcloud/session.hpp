#pragma once
// One set of credentials against one server, with Nextcloud's brute-force protection in
// mind: every failed login from our address makes *all* later requests slower, then
// refused (DAV 429, OCS 500), even with good credentials. So the first 401 poisons the
// session: no request is sent with those credentials again in this connector instance,
// and every call reports kAuth at once instead of retrying in a loop.
#include "core/http/http_client.hpp"
#include "core/result.hpp"

#include <chrono>
#include <cstddef>
#include <string>

namespace coopsync::nextcloud {

class Session {
 public:
  Session(http::HttpClient* client, std::string user, std::string password, std::string label)
      : client_(client), user_(std::move(user)), password_(std::move(password)),
        label_(std::move(label)) {}

  // Sends with Basic auth. A transport failure or a 401 is an Error (kAuth for 401, and the
  // session is poisoned); every other status comes back as a Response for the caller.
  Result<http::Response> send(http::Request request);

  void set_timeout(std::chrono::milliseconds timeout) { timeout_ = timeout; }
  bool poisoned() const { return poisoned_; }
  std::size_t requests() const { return requests_; }
  const std::string& user() const { return user_; }
  const std::string& label() const { return label_; }

 private:
  http::HttpClient* client_;
  std::string user_;
  std::string password_;
  std::string label_;
  std::chrono::milliseconds timeout_{30000};
  bool poisoned_ = false;
  std::size_t requests_ = 0;
};

}  // namespace coopsync::nextcloud
