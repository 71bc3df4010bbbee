#pragma once
// Outbound HTTP. Connectors talk to their servers only through this interface, so tests can
// put a FixtureHttpClient (replaying ../shared/fixtures) in front of a connector, and so the
// transport (libcurl today) can change without touching a connector.
#include "core/result.hpp"

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace coopsync::http {

using Headers = std::vector<std::pair<std::string, std::string>>;

struct Request {
  std::string method = "GET";  // any verb: PROPFIND, MKCALENDAR, REPORT...
  std::string url;
  Headers headers;
  std::string body;
  std::chrono::milliseconds timeout{30000};
  // Basic auth, kept apart from headers so that the client can keep it out of every log.
  std::string basic_user;
  std::string basic_password;
};

struct Response {
  int status = 0;
  Headers headers;  // names as received; look up with header()
  std::string body;
  std::chrono::microseconds elapsed{0};

  // Case-insensitive lookup of the first header with this name; "" when absent.
  std::string header(std::string_view name) const;
};

struct ClientOptions {
  bool verify_tls = true;                 // off only by explicit configuration
  std::string ca_file;                    // extra CA bundle, optional
  std::size_t max_response_bytes = 64u << 20;  // a hostile server cannot exhaust memory
  std::chrono::milliseconds connect_timeout{10000};
  std::string user_agent = "coopsync";
  std::string system;  // for metrics: which system these requests belong to
};

// Transport failures (DNS, refused, reset, timeout, TLS, oversize) come back as kTransient
// (kInvalidInput for an oversize body, kPermanent for a TLS verification failure). An HTTP
// status, even 500, is a Response: the connector maps statuses, helped by status_to_error().
class HttpClient {
 public:
  virtual ~HttpClient() = default;
  virtual Result<Response> send(const Request& request) = 0;
  // Several requests at once, at most `max_in_flight` concurrently; results in input order.
  virtual std::vector<Result<Response>> send_all(const std::vector<Request>& requests,
                                                 std::size_t max_in_flight);
};
using HttpClientPtr = std::unique_ptr<HttpClient>;

// The libcurl implementation: keep-alive connection reuse, HTTP/2 where offered, TLS
// verification on by default. Not thread-safe: one client per thread.
HttpClientPtr make_curl_client(const ClientOptions& options);

// `inner` with a ceiling on concurrency: send_all() never has more than `max_in_flight`
// requests open at once, whatever its caller asks. The engine puts it in front of every
// client it hands a connector, so a system's `max_in_flight` key bounds that connector
// without the connector having to read it.
HttpClientPtr limit_in_flight(HttpClientPtr inner, std::size_t max_in_flight);

// Shared status -> kind table (so no connector invents its own 429 handling): 401/403 auth,
// 404/410 not found, 409/412 conflict, 429 rate limited (Retry-After honoured), 408/5xx
// transient, other 4xx permanent. Returns no error for 2xx/3xx.
std::optional<Error> status_to_error(const Response& response, const std::string& what);

// Retry-After as seconds or HTTP-date; nullopt when absent or unparsable.
std::optional<std::chrono::milliseconds> parse_retry_after(const std::string& value);

// Percent-encoding for path segments and query values (RFC 3986 unreserved kept).
std::string url_encode(std::string_view text);

}  // namespace coopsync::http
