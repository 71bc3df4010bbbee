#pragma once
// One set of credentials against one server, with Nextcloud's brute-force protection in
// mind: every failed login from our address makes *all* later requests slower, then
// refused (DAV 429, OCS 500), even with good credentials. So the first 401 poisons the
// session: no request is sent with those credentials again in this connector instance,
// and every call reports kAuth at once instead of retrying in a loop. A disabled account
// (DAV 503, login_refused below) is kAuth too, but does not poison the session.
#include "core/http/http_client.hpp"
#include "core/result.hpp"

#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>

namespace coopsync::nextcloud {

// A DAV answer 503 whose Sabre error is Nextcloud's LoginException. Nextcloud's DAV Auth
// plugin (apps/dav/lib/Connector/Sabre/Auth.php, check()) turns every exception of the login
// except NotAuthenticated into `ServiceUnavailable("<class>: <message>")`, and
// OC\User\Session::completeLogin() throws `LoginException("User disabled")` for a disabled
// account, good password or app password alike ("Login canceled by app" when an app vetoes
// the login). The message is translated; the class name is not. So this 503 is no outage:
// it lasts until an administrator enables the account: kAuth, not retried (the engine parks
// the system for the pass, its writes wait without counting attempts). Unlike a 401 it does
// not poison the session: the exception leaves logClientIn() before handleLoginFailed(), so
// it adds no brute-force delay, and the next pass's one request finds the account enabled
// again. A 503 of maintenance mode or of an overloaded server stays transient.
bool login_refused(std::string_view body);

class Session {
 public:
  Session(http::HttpClient* client, std::string user, std::string password, std::string label)
      : client_(client), user_(std::move(user)), password_(std::move(password)),
        label_(std::move(label)) {}

  // Sends with Basic auth. A transport failure, a 401 or a login_refused() 503 is an Error
  // (kAuth for both statuses; a 401 also poisons the session); every other status comes
  // back as a Response for the caller.
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
