#pragma once
// Mobilizon's answers -> the core's typed errors. Mobilizon answers HTTP 200 for resolver
// and document errors alike; `code`, `status_code` and `field` sit at the top level of each
// error object and `message` may be a list (API.md 5, PITFALLS.md 26).
#include "core/result.hpp"

#include <nlohmann/json.hpp>

#include <optional>
#include <string>

namespace coopsync::mobilizon {

// True when the errors say the session is not (or no longer) authenticated: worth one
// refresh and a replay.
bool is_unauthenticated(const nlohmann::json& errors);

// The first error of a GraphQL `errors` array as an Error; `what` names the operation.
// unauthenticated -> kAuth; *_not_found codes and "... not found" texts -> kNotFound;
// "Too many requests" -> kRateLimited; changeset/document errors and plain refusals ->
// kPermanent; code "unknown" (an unhandled server failure) -> kTransient.
Error map_graphql_errors(const nlohmann::json& errors, const std::string& what);

// The message of one error object as text (a list message is joined with "; ").
std::string error_message(const nlohmann::json& error);

}  // namespace coopsync::mobilizon
