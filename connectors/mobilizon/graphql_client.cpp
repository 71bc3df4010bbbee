#include "connectors/mobilizon/graphql_client.hpp"

#include "connectors/mobilizon/documents.hpp"
#include "connectors/mobilizon/graphql_errors.hpp"
#include "core/util/redact.hpp"

#include <spdlog/logger.h>

namespace coopsync::mobilizon {

namespace {
constexpr std::size_t kMaxTokenLength = 8192;

int b64url_value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '-' || c == '+') return 62;
  if (c == '_' || c == '/') return 63;
  return -1;
}

std::optional<std::string> b64url_decode(std::string_view in) {
  std::string out;
  unsigned int buffer = 0;
  int bits = 0;
  for (char c : in) {
    if (c == '=') break;
    const int v = b64url_value(c);
    if (v < 0) return std::nullopt;
    buffer = (buffer << 6) | static_cast<unsigned int>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((buffer >> bits) & 0xFF));
    }
  }
  return out;
}
}  // namespace

std::optional<std::chrono::sys_seconds> jwt_expiry(const std::string& token) {
  if (token.size() > kMaxTokenLength) return std::nullopt;
  const auto first = token.find('.');
  const auto second = first == std::string::npos ? first : token.find('.', first + 1);
  if (second == std::string::npos) return std::nullopt;
  auto claims_text = b64url_decode(std::string_view(token).substr(first + 1, second - first - 1));
  if (!claims_text) return std::nullopt;
  auto claims = nlohmann::json::parse(*claims_text, nullptr, false);
  if (!claims.is_object() || !claims.contains("exp") || !claims["exp"].is_number()) return std::nullopt;
  return std::chrono::sys_seconds(std::chrono::seconds(claims["exp"].get<long long>()));
}

GraphqlClient::GraphqlClient(Session session, http::HttpClientPtr http, StateStore* state,
                             std::shared_ptr<spdlog::logger> logger, Clock clock)
    : session_(std::move(session)), http_(std::move(http)), state_(state), log_(std::move(logger)),
      clock_(std::move(clock)) {
  while (!session_.url.empty() && session_.url.back() == '/') session_.url.pop_back();
  if (state_ != nullptr) {
    if (auto saved = state_->get(kRefreshTokenKey); saved && !saved->empty()) {
      refresh_token_ = *saved;
      util::register_secret(refresh_token_);
    }
  }
}

std::chrono::sys_seconds GraphqlClient::now() const {
  if (clock_) return clock_();
  return std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
}

http::Request GraphqlClient::make_request(const Operation& op, bool authenticated) const {
  http::Request req;
  req.method = "POST";
  req.url = session_.url + "/api";
  req.timeout = session_.timeout;
  req.headers = {{"Content-Type", "application/json"}, {"Accept", "application/json"}};
  if (authenticated && !access_token_.empty()) {
    req.headers.emplace_back("Authorization", "Bearer " + access_token_);
  }
  nlohmann::json body = {{"query", *op.document}, {"variables", op.variables}, {"operationName", op.name}};
  req.body = body.dump();
  return req;
}

Result<nlohmann::json> GraphqlClient::interpret(const Result<http::Response>& response,
                                                const Operation& op, bool& auth_failed) const {
  auth_failed = false;
  const std::string what = op.name;
  if (!response.ok()) return response.error();
  const auto& r = *response;
  if (r.status == 401) {
    // Guardian rejected the token before GraphQL ran (non-GraphQL body).
    auth_failed = true;
    return make_error(ErrorKind::kAuth, "mobilizon " + what + ": access token rejected (HTTP 401)", 401);
  }
  if (auto err = http::status_to_error(r, "mobilizon " + what)) {
    if (r.status >= 400 && r.status < 500 && r.status != 429 && r.status != 408) err->kind = ErrorKind::kPermanent;
    return *err;
  }
  auto body = nlohmann::json::parse(r.body, nullptr, false);
  if (body.is_discarded() || !body.is_object()) {
    return make_error(ErrorKind::kInvalidInput,
                      "mobilizon " + what + ": answer is not a JSON object (HTTP " + std::to_string(r.status) + ", " +
                          std::to_string(r.body.size()) + " bytes)");
  }
  if (body.contains("errors") && !body["errors"].is_null()) {
    if (is_unauthenticated(body["errors"])) auth_failed = true;
    return map_graphql_errors(body["errors"], what);
  }
  if (!body.contains("data") || !body["data"].is_object()) {
    return make_error(ErrorKind::kInvalidInput, "mobilizon " + what + ": answer has no data object");
  }
  return std::move(body["data"]);
}

Status GraphqlClient::adopt_tokens(const nlohmann::json& pair, const char* how) {
  if (!pair.is_object() || !pair.value("accessToken", nlohmann::json()).is_string() ||
      !pair.value("refreshToken", nlohmann::json()).is_string()) {
    return make_error(ErrorKind::kInvalidInput, std::string("mobilizon ") + how + ": no token pair in the answer");
  }
  std::string access = pair["accessToken"].get<std::string>();
  std::string refresh = pair["refreshToken"].get<std::string>();
  if (access.empty() || refresh.empty() || access.size() > kMaxTokenLength || refresh.size() > kMaxTokenLength) {
    return make_error(ErrorKind::kInvalidInput, std::string("mobilizon ") + how + ": unusable tokens");
  }
  util::register_secret(access);
  util::register_secret(refresh);
  // The old refresh token is already revoked: store the new one before anything else.
  if (state_ != nullptr) {
    if (auto st = state_->put(kRefreshTokenKey, refresh); !st.ok()) {
      return make_error(ErrorKind::kInternal,
                        std::string("mobilizon ") + how + ": could not persist the new refresh token: " +
                            st.error().message);
    }
  }
  access_token_ = std::move(access);
  refresh_token_ = std::move(refresh);
  // Read the lifetime from the token (instances can change it); assume 15 min otherwise.
  access_expires_ = jwt_expiry(access_token_).value_or(now() + std::chrono::minutes(15));
  return ok_status();
}

Status GraphqlClient::login() {
  Operation op{"Login", &documents::login(), {{"email", session_.email}, {"password", session_.password}}};
  ++requests_;
  ++logins_;
  bool auth_failed = false;
  auto data = interpret(http_->send(make_request(op, false)), op, auth_failed);
  if (!data.ok()) return std::move(data).error();
  if (auto st = adopt_tokens((*data)["login"], "login"); !st.ok()) return st;
  if (log_) log_->info("mobilizon: logged in as {}", session_.email);
  return ok_status();
}

Status GraphqlClient::refresh() {
  if (refresh_token_.empty()) return make_error(ErrorKind::kAuth, "mobilizon: no refresh token");
  Operation op{"RefreshToken", &documents::refresh_token(), {{"refreshToken", refresh_token_}}};
  ++requests_;
  ++refreshes_;
  bool auth_failed = false;
  auto data = interpret(http_->send(make_request(op, false)), op, auth_failed);
  if (!data.ok()) {
    // A revoked or expired refresh token is not a transport problem: forget it.
    if (data.error().kind == ErrorKind::kPermanent || data.error().kind == ErrorKind::kAuth) {
      refresh_token_.clear();
      return make_error(ErrorKind::kAuth, data.error().message);
    }
    return std::move(data).error();
  }
  return adopt_tokens((*data)["refreshToken"], "token refresh");
}

void GraphqlClient::invalidate_access_token() {
  std::lock_guard<std::mutex> lock(token_mutex_);
  access_token_.clear();
}

Status GraphqlClient::ensure_session() {
  std::lock_guard<std::mutex> lock(token_mutex_);
  if (!access_token_.empty() && now() + session_.refresh_margin < access_expires_) return ok_status();
  if (!refresh_token_.empty()) {
    auto st = refresh();
    if (st.ok() || st.error().kind != ErrorKind::kAuth) return st;
    if (log_) log_->info("mobilizon: refresh refused ({}), logging in again", st.error().message);
  }
  return login();
}

Result<nlohmann::json> GraphqlClient::call(const Operation& op) {
  auto results = call_all({op}, 1);
  return std::move(results.front());
}

std::vector<Result<nlohmann::json>> GraphqlClient::call_all(const std::vector<Operation>& ops,
                                                            std::size_t max_in_flight) {
  std::vector<Result<nlohmann::json>> results;
  if (auto st = ensure_session(); !st.ok()) {
    for (std::size_t i = 0; i < ops.size(); ++i) results.emplace_back(st.error());
    return results;
  }
  std::vector<http::Request> requests;
  for (const auto& op : ops) requests.push_back(make_request(op, true));
  const std::string used_token = access_token_;
  auto responses = ops.size() == 1 ? std::vector<Result<http::Response>>{http_->send(requests[0])}
                                   : http_->send_all(requests, max_in_flight);
  requests_ += ops.size();
  std::vector<std::size_t> replay;
  for (std::size_t i = 0; i < ops.size(); ++i) {
    bool auth_failed = false;
    results.push_back(interpret(responses[i], ops[i], auth_failed));
    if (auth_failed) replay.push_back(i);
  }
  if (replay.empty()) return results;
  {
    // Expired or revoked mid-pass: refresh once (unless another call already did) and replay.
    std::lock_guard<std::mutex> lock(token_mutex_);
    if (access_token_ == used_token) {
      access_token_.clear();
      auto st = refresh_token_.empty() ? login() : refresh();
      if (!st.ok() && st.error().kind == ErrorKind::kAuth) st = login();
      if (!st.ok()) {
        for (auto i : replay) results[i] = st.error();
        return results;
      }
    }
  }
  for (auto i : replay) {
    bool auth_failed = false;
    ++requests_;
    results[i] = interpret(http_->send(make_request(ops[i], true)), ops[i], auth_failed);
    if (auth_failed && results[i].ok()) results[i] = make_error(ErrorKind::kAuth, "mobilizon: still unauthenticated");
  }
  return results;
}

}  // namespace coopsync::mobilizon
