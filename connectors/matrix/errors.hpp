#pragma once
// Homeserver answers -> typed errors. Synapse puts what went wrong in the JSON body
// (errcode, error) and, for 429, the wait in `retry_after_ms` only: 1.67 sends no
// Retry-After header (fixture 50), so the shared status table alone would lose it.
#include "core/http/http_client.hpp"
#include "core/result.hpp"

#include <string>

namespace coopsync::matrix {

// What a 403 M_FORBIDDEN means depends on the call: bad credentials or missing admin
// rights (stop using them: kAuth), or a room rule refusing this one action (kPermanent).
enum class Forbidden { kAuth, kPermanent };

struct Failure {
  Error error;
  std::string errcode;  // "M_FORBIDDEN"...; empty when the body had none
};

// Error for a non-2xx answer. `what` names the call ("invite @bob:hs to !room:hs").
// M_LIMIT_EXCEEDED/429 -> kRateLimited with retry_after from retry_after_ms (else the
// Retry-After header, else 5 s); M_UNKNOWN_TOKEN, M_MISSING_TOKEN, M_USER_DEACTIVATED ->
// kAuth; M_FORBIDDEN -> per `forbidden`; M_NOT_FOUND -> kNotFound; M_USER_IN_USE,
// M_ROOM_IN_USE, 409 -> kConflict (the caller adopts); M_UNRECOGNIZED -> kPermanent (an
// endpoint this homeserver does not serve); 5xx -> kTransient; other 4xx -> kPermanent.
Failure to_failure(const http::Response& response, const std::string& what,
                   Forbidden forbidden = Forbidden::kPermanent);

}  // namespace coopsync::matrix
