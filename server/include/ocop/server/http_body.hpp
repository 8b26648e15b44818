// Request bodies: read with a hard size limit, gunzipped when the client sent gzip.
#pragma once

#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>

#include <cstddef>
#include <string>

#include "ocop/server/route.hpp"
#include "ocop/sync/tuning.hpp"

namespace ocop::server {

struct BodyLimits {
    size_t max_body = sync::tuning::max_request_body_bytes;       // as sent (compressed)
    size_t max_inflated = sync::tuning::max_inflated_body_bytes;  // after gunzip
};

// Reads the whole request body, refusing it with Error(http.body_too_large) as soon as it passes
// `limits.max_body` (a declared Content-Length beyond it is refused before reading anything), and
// gunzips it when Content-Encoding is gzip (http.bad_encoding if corrupt, http.body_too_large
// beyond `limits.max_inflated`). A refused body leaves the connection to be closed.
std::string read_body(Poco::Net::HTTPServerRequest& request,
                      Poco::Net::HTTPServerResponse& response, const BodyLimits& limits,
                      Exchange& exchange);

// Reads and drops an unread request body of at most tuning::max_discard_bytes so that an early
// error answer reaches the client; beyond that the connection is marked to be closed.
void discard_body(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response,
                  Exchange& exchange);

}  // namespace ocop::server
