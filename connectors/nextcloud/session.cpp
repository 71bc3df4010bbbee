#include "connectors/nextcloud/session.hpp"

namespace coopsync::nextcloud {

bool login_refused(std::string_view body) {
  return body.find("ServiceUnavailable") != std::string_view::npos &&
         body.find("LoginException") != std::string_view::npos;
}

Result<http::Response> Session::send(http::Request request) {
  if (poisoned_) {
    return make_error(ErrorKind::kAuth, label_ + ": the credentials of user '" + user_ +
                                            "' were refused earlier; not sent again (brute-force "
                                            "protection). Fix the configuration and restart.");
  }
  request.basic_user = user_;
  request.basic_password = password_;
  request.timeout = timeout_;
  ++requests_;
  auto response = client_->send(request);
  if (!response) return response;
  if (response->status == 401) {
    poisoned_ = true;
    return make_error(ErrorKind::kAuth, label_ + ": " + request.method + " refused with HTTP 401 "
                                            "for user '" + user_ + "' (wrong or revoked app "
                                            "password, or disabled account)", 401);
  }
  if (response->status == 503 && login_refused(response->body)) {
    // Not an outage: the account cannot log in until an administrator enables it. Not
    // poisoned: this refusal adds no failed login (no brute-force delay), so the next pass
    // may ask once more and finds the account enabled again by itself.
    return make_error(ErrorKind::kAuth, label_ + ": " + request.method + " refused with HTTP 503 "
                                            "for user '" + user_ + "': Nextcloud's login refused "
                                            "the account (disabled, or refused by an app)", 503);
  }
  return response;
}

}  // namespace coopsync::nextcloud
