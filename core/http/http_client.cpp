#include "core/http/http_client.hpp"

#include <algorithm>
#include <cctype>
#include <ctime>

namespace coopsync::http {

namespace {
bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}
}  // namespace

std::string Response::header(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (iequals(k, name)) return v;
  }
  return {};
}

std::vector<Result<Response>> HttpClient::send_all(const std::vector<Request>& requests,
                                                   std::size_t /*max_in_flight*/) {
  // Default: one after the other. The curl client overrides this with a multi handle.
  std::vector<Result<Response>> out;
  out.reserve(requests.size());
  for (const auto& r : requests) out.push_back(send(r));
  return out;
}

namespace {
class InFlightLimit final : public HttpClient {
 public:
  InFlightLimit(HttpClientPtr inner, std::size_t limit)
      : inner_(std::move(inner)), limit_(std::max<std::size_t>(1, limit)) {}
  Result<Response> send(const Request& request) override { return inner_->send(request); }
  std::vector<Result<Response>> send_all(const std::vector<Request>& requests,
                                         std::size_t max_in_flight) override {
    return inner_->send_all(requests, std::min(std::max<std::size_t>(1, max_in_flight), limit_));
  }

 private:
  HttpClientPtr inner_;
  std::size_t limit_;
};
}  // namespace

HttpClientPtr limit_in_flight(HttpClientPtr inner, std::size_t max_in_flight) {
  return std::make_unique<InFlightLimit>(std::move(inner), max_in_flight);
}

std::optional<std::chrono::milliseconds> parse_retry_after(const std::string& value) {
  if (value.empty()) return std::nullopt;
  if (std::all_of(value.begin(), value.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); })) {
    if (value.size() > 9) return std::nullopt;  // absurd: ignore rather than overflow
    return std::chrono::milliseconds(std::stoll(value) * 1000);
  }
  std::tm tm{};
  // IMF-fixdate: "Sun, 06 Nov 1994 08:49:37 GMT"
  if (strptime(value.c_str(), "%a, %d %b %Y %H:%M:%S GMT", &tm) == nullptr) return std::nullopt;
  const std::time_t when = timegm(&tm);
  const std::time_t now = std::time(nullptr);
  return std::chrono::milliseconds(std::max<long long>(0, (when - now)) * 1000);
}

std::optional<Error> status_to_error(const Response& response, const std::string& what) {
  const int s = response.status;
  if (s >= 200 && s < 400) return std::nullopt;
  std::string message = what + ": HTTP " + std::to_string(s);
  auto retry = parse_retry_after(response.header("Retry-After"));
  if (s == 401 || s == 403) return make_error(ErrorKind::kAuth, message, s);
  if (s == 404 || s == 410) return make_error(ErrorKind::kNotFound, message, s);
  if (s == 409 || s == 412) return make_error(ErrorKind::kConflict, message, s);
  if (s == 429) return make_error(ErrorKind::kRateLimited, message, s, retry);
  if (s == 408 || s == 423 || s >= 500) return make_error(ErrorKind::kTransient, message, s, retry);
  return make_error(ErrorKind::kPermanent, message, s);
}

std::string url_encode(std::string_view text) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(hex[c >> 4]);
      out.push_back(hex[c & 15]);
    }
  }
  return out;
}

}  // namespace coopsync::http
