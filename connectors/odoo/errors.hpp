#pragma once
// Odoo's failures as typed coopsync Errors (see ../shared/fixtures/odoo*/INDEX.md).
//
// XML-RPC faults (HTTP 200): 1 = any exception, faultString a traceback whose last line is
// "Type: message"; 2 = UserError/ValidationError/MissingError/unknown model; 3 =
// AccessDenied; 4 = AccessError. JSON-2: the HTTP status, then the error object's "name".
#include "connectors/odoo/xmlrpc.hpp"
#include "core/http/http_client.hpp"
#include "core/result.hpp"

#include <string>

namespace coopsync::odoo {

// "Record does not exist..." -> kNotFound; codes 3 and 4 -> kAuth; serialization or
// connection failures inside Odoo -> kTransient; everything else kPermanent. `what` names
// the call ("res.partner.write"); the message carries the useful line(s), never the
// whole traceback.
Error fault_to_error(const xmlrpc::Fault& fault, const std::string& what);

// A non-2xx JSON-2 answer. Checks the Content-Type first: Odoo answers a wrong database
// (404) and a wrong content type (415) with HTML pages, and a proxy in front answers 5xx
// with its own pages.
Error json2_to_error(const http::Response& response, const std::string& what);

// True for the fault Odoo raises when a method returned None over XML-RPC.
bool is_marshal_none_fault(const xmlrpc::Fault& fault);

// The last non-empty line of a traceback ("ValueError: Invalid field ...").
std::string last_line(const std::string& text);

// Rejects JSON nested deeper than `max_depth` before nlohmann parses it.
bool json_depth_within(std::string_view text, std::size_t max_depth);

}  // namespace coopsync::odoo
