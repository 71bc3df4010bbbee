#pragma once
// An HttpClient for contract tests: every request is recorded and answered by a handler
// the test supplies (typically: look the request up among the captured fixtures and fail
// the test on anything unexpected). No sockets.
#include "core/http/http_client.hpp"

#include <functional>
#include <vector>

namespace coopsync::testing {

class FakeHttpClient : public http::HttpClient {
 public:
  using Handler = std::function<Result<http::Response>(const http::Request&)>;
  explicit FakeHttpClient(Handler handler) : handler_(std::move(handler)) {}

  Result<http::Response> send(const http::Request& request) override {
    requests_.push_back(request);
    return handler_(request);
  }
  const std::vector<http::Request>& requests() const { return requests_; }
  void clear() { requests_.clear(); }

 private:
  Handler handler_;
  std::vector<http::Request> requests_;
};

// A canned response, e.g. respond(200, body, {{"Content-Type", "text/xml"}}).
inline http::Response respond(int status, std::string body, http::Headers headers = {}) {
  http::Response r;
  r.status = status;
  r.body = std::move(body);
  r.headers = std::move(headers);
  return r;
}

}  // namespace coopsync::testing
