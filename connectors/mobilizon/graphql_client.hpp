#pragma once
// GraphQL over HTTP POST /api with Mobilizon's session: password login, access token sent
// as `Authorization: Bearer`, refreshed shortly before its JWT `exp` and once after an
// authentication failure (HTTP 401 from Guardian, or an `unauthenticated` GraphQL error).
// Refresh tokens rotate (the old one is revoked), so refreshes are serialised and the new
// refresh token is persisted through the StateStore before the new access token is used.
#include "core/connector/connector.hpp"
#include "core/http/http_client.hpp"
#include "core/result.hpp"

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace coopsync::mobilizon {

struct Session {
  std::string url;       // instance base URL, without /api
  std::string email;
  std::string password;  // never logged
  std::chrono::milliseconds timeout{30000};
  std::chrono::seconds refresh_margin{60};  // refresh this long before `exp`
};

struct Operation {
  std::string name;  // operationName, for logs and errors
  const std::string* document = nullptr;
  nlohmann::json variables = nlohmann::json::object();
};

class GraphqlClient {
 public:
  using Clock = std::function<std::chrono::sys_seconds()>;
  GraphqlClient(Session session, http::HttpClientPtr http, StateStore* state,
                std::shared_ptr<spdlog::logger> logger, Clock clock = {});

  // Runs an authenticated operation and returns its `data`. Any GraphQL error is an Error
  // (map_graphql_errors); an unauthenticated answer triggers one refresh and a replay.
  Result<nlohmann::json> call(const Operation& op);
  // Several independent operations at once (HttpClient::send_all), results in order.
  std::vector<Result<nlohmann::json>> call_all(const std::vector<Operation>& ops, std::size_t max_in_flight);

  // Makes sure a usable access token is held (login or refresh as needed).
  Status ensure_session();
  // Forgets the access token so that the next call refreshes (tests, and after a 401).
  void invalidate_access_token();

  std::uint64_t requests() const { return requests_; }
  std::uint64_t refreshes() const { return refreshes_; }
  std::uint64_t logins() const { return logins_; }

 private:
  http::Request make_request(const Operation& op, bool authenticated) const;
  // Parses an HTTP answer: Ok(data), or an Error; sets `auth_failed` on 401/unauthenticated.
  Result<nlohmann::json> interpret(const Result<http::Response>& response, const Operation& op,
                                   bool& auth_failed) const;
  Status login();
  Status refresh();
  Status adopt_tokens(const nlohmann::json& pair, const char* how);
  std::chrono::sys_seconds now() const;

  Session session_;
  http::HttpClientPtr http_;
  StateStore* state_;
  std::shared_ptr<spdlog::logger> log_;
  Clock clock_;
  std::mutex token_mutex_;  // one login/refresh at a time: refresh tokens rotate
  std::string access_token_;
  std::string refresh_token_;
  std::chrono::sys_seconds access_expires_{};
  std::uint64_t requests_ = 0;
  std::uint64_t refreshes_ = 0;
  std::uint64_t logins_ = 0;
};

// The `exp` claim of a JWT (no signature check: the server does that); nullopt when the
// token is not a readable JWT.
std::optional<std::chrono::sys_seconds> jwt_expiry(const std::string& token);

// StateStore key of the persisted refresh token.
inline constexpr const char* kRefreshTokenKey = "refresh_token";

}  // namespace coopsync::mobilizon
