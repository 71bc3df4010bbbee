// CsClient's one way out: authentication, the appservice identity assertion, bounded
// parsing of answers, and pacing on 429 M_LIMIT_EXCEEDED (see cs_client.hpp).
#include "connectors/matrix/cs_client.hpp"

#include <algorithm>
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
  const bool write = c.method != "GET";
  std::chrono::milliseconds waited{0};
  for (;;) {
    Pace& pace = pace_[actor];
    auto wait_until = pace.not_before;
    if (write && pace.interval.count() > 0) {
      // A long quiet spell refills Synapse's burst: stop spacing until the next 429.
      if (Clock::now() - pace.last_write > pace.interval * 10) {
        pace.interval = std::chrono::milliseconds(0);
      } else {
        wait_until = std::max(wait_until, pace.last_write + pace.interval);
      }
    }
    const auto now = Clock::now();
    const bool spaced = write && pace.interval.count() > 0 && wait_until > now;
    if (wait_until > now) {
      const auto pause = std::chrono::ceil<std::chrono::milliseconds>(wait_until - now);
      if (waited + pause > options_.max_rate_wait) {
        return make_error(ErrorKind::kRateLimited,
                          "matrix: " + c.what + ": held back by the homeserver's rate limit",
                          429, pause);
      }
      sleep_(pause);
      waited += pause;
      stats_.held_back += pause;
    }
    pace.not_before = {};
    ++stats_.requests;
    auto resp = http_.send(req);
    if (write) pace.last_write = Clock::now();
    if (!resp.ok()) {
      Error e = std::move(resp).error();
      e.message = "matrix: " + c.what + ": " + e.message;
      return e;
    }
    if (resp->status >= 200 && resp->status < 300) {
      // Spacing that worked is probed a little tighter (additive increase on a 429,
      // gentle decrease on success), so it settles near the homeserver's real rate.
      if (spaced) pace.interval -= pace.interval / 64;
      return parse_json(resp->body, "matrix: " + c.what);
    }
    Failure f = to_failure(*resp, c.what, c.forbidden);
    if (f.error.kind != ErrorKind::kRateLimited) return std::move(f.error);
    ++stats_.rate_limited;
    // Synapse's hint is the earliest moment the action passes; a little margin keeps the
    // retry from arriving a hair too early and paying another round trip.
    const auto raw = f.error.retry_after.value_or(std::chrono::milliseconds(5000));
    const auto hint = raw + std::min(std::chrono::milliseconds(20), raw / 20);
    if (hint > options_.max_rate_wait) {
      // Not the actor's message bucket (0.2/s by default): a bucket of the target, such as
      // rc_invites.per_user (one invite of that user per ~333 s). Only this call waits for
      // it (the engine retries it after the hint); the actor's other writes go on.
      return std::move(f.error);
    }
    pace.not_before = Clock::now() + hint;
    // A 429 met fresh gives the interval; one met after our own spacing says how much
    // too early we were.
    pace.interval = spaced ? pace.interval + hint : std::chrono::microseconds(hint);
    pace.interval = std::min<std::chrono::microseconds>(pace.interval, std::chrono::minutes(1));
    if (waited + hint > options_.max_rate_wait) return std::move(f.error);
  }
}

Result<std::optional<json>> CsClient::call_optional(const Call& c) {
  auto r = call(c);
  if (r.ok()) return std::optional<json>(std::move(r).value());
  if (r.error().kind == ErrorKind::kNotFound) return std::optional<json>();
  return std::move(r).error();
}

}  // namespace coopsync::matrix
