// CsClient's one way out: authentication, the appservice identity assertion, bounded
// parsing of answers, and pacing on 429 M_LIMIT_EXCEEDED (see cs_client.hpp).
#include "connectors/matrix/cs_client.hpp"

#include <thread>

namespace coopsync::matrix {

std::string seg(const std::string& text) { return http::url_encode(text); }

CsClient::CsClient(http::HttpClient& http, ClientOptions options, Sleeper sleeper)
    : http_(http), options_(std::move(options)), sleep_(std::move(sleeper)) {
  while (!options_.base_url.empty() && options_.base_url.back() == '/') {
    options_.base_url.pop_back();
  }
  if (!sleep_) {
    sleep_ = [](std::chrono::milliseconds d) { std::this_thread::sleep_for(d); };
  }
}

Result<json> CsClient::call(const Call& c) {
  using Clock = std::chrono::steady_clock;
  http::Request req;
  req.method = c.method;
  req.url = options_.base_url + c.path;
  char sep = '?';
  auto query = c.query;
  if (!c.as_user.empty()) query.emplace_back("user_id", c.as_user);
  for (const auto& [k, v] : query) {
    req.url += sep + http::url_encode(k) + "=" + http::url_encode(v);
    sep = '&';
  }
  if (!token_.empty()) req.headers.emplace_back("Authorization", "Bearer " + token_);
  if (c.body) {
    req.headers.emplace_back("Content-Type", "application/json");
    req.body = c.body->dump();
  }
  req.timeout = c.timeout.count() > 0 ? c.timeout : options_.timeout;

  const std::string actor = c.as_user.empty() ? std::string("self") : c.as_user;
  std::chrono::milliseconds waited{0};
  for (;;) {
    // A 429 for this acting user earlier holds every later request of theirs too.
    if (auto it = not_before_.find(actor); it != not_before_.end()) {
      const auto now = Clock::now();
      if (it->second > now) {
        auto pause = std::chrono::duration_cast<std::chrono::milliseconds>(it->second - now);
        if (waited + pause > options_.max_rate_wait) {
          return make_error(ErrorKind::kRateLimited,
                            "matrix: " + c.what + ": held back by the homeserver's rate limit",
                            429, pause);
        }
        sleep_(pause);
        waited += pause;
        stats_.held_back += pause;
      }
      not_before_.erase(actor);
    }
    ++stats_.requests;
    auto resp = http_.send(req);
    if (!resp.ok()) {
      Error e = std::move(resp).error();
      e.message = "matrix: " + c.what + ": " + e.message;
      return e;
    }
    if (resp->status >= 200 && resp->status < 300) {
      return parse_json(resp->body, "matrix: " + c.what);
    }
    Failure f = to_failure(*resp, c.what, c.forbidden);
    if (f.error.kind != ErrorKind::kRateLimited) return std::move(f.error);
    ++stats_.rate_limited;
    // Synapse's hint is the earliest moment the action passes; a little margin keeps the
    // retry from arriving a hair too early and paying another round trip.
    const auto hint = f.error.retry_after.value_or(std::chrono::milliseconds(5000)) +
                      std::chrono::milliseconds(20);
    if (waited + hint > options_.max_rate_wait) {
      not_before_[actor] = Clock::now() + hint;
      return std::move(f.error);
    }
    not_before_[actor] = Clock::now() + hint;
  }
}

Result<std::optional<json>> CsClient::call_optional(const Call& c) {
  auto r = call(c);
  if (r.ok()) return std::optional<json>(std::move(r).value());
  if (r.error().kind == ErrorKind::kNotFound) return std::optional<json>();
  return std::move(r).error();
}

}  // namespace coopsync::matrix
