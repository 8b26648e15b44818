// Request bodies: read with a hard size limit, gunzipped when the client sent gzip.
#pragma once

#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>

#include <cstddef>
#include <string>
#include <string_view>

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
// beyond `limits.max_inflated`). A refused body leaves the connection to be closed. What the body
// takes as received, inflated and (estimated) parsed is charged to `exchange.memory` as it grows:
// Error(http.busy) when the server's budget has no room within its wait. Reports progress to the
// slow-link watchdog; a body it cut is Error(http.too_slow).
std::string read_body(Poco::Net::HTTPServerRequest& request,
                      Poco::Net::HTTPServerResponse& response, const BodyLimits& limits,
                      Exchange& exchange);

// Called before an error answer when the route did not read the body: drops a body of at most
// tuning::max_discard_keep_alive_bytes so the connection can serve the next request; a larger one
// is left for drain_body and the connection marked to be closed.
void discard_body(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response,
                  Exchange& exchange);

// After an answer that left part of the body unread is out (and flushed): reads and drops what
// the client still sends of it, up to tuning::max_discard_bytes, so that closing the connection
// does not reset it before the client read the answer (a kernel resets a connection closed with
// unread input). A declared body beyond that is not read. The slow-link watchdog bounds the time.
void drain_body(Poco::Net::HTTPServerRequest& request, Exchange& exchange) noexcept;

// The memory (bytes) nlohmann::json is expected to take at most for parsing `text`: what the
// request-memory budget charges before a body is parsed.
size_t json_parse_cost(std::string_view text) noexcept;

}  // namespace ocop::server
