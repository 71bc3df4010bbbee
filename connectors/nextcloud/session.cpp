#include "connectors/nextcloud/session.hpp"

namespace coopsync::nextcloud {

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
  return response;
}

}  // namespace coopsync::nextcloud
