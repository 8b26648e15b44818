// Answers: JSON bodies, gzipped for clients that accept it, and JSON errors with stable codes
// ({"error":{"code":"...","message":"..."}}) whose HTTP status follows the error's kind.
#pragma once

#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "ocop/core/error.hpp"
#include "ocop/server/route.hpp"

namespace ocop::server {

// True if an Accept-Encoding header value accepts gzip (and does not give it q=0).
bool accepts_gzip(std::string_view accept_encoding);

// Sends `body` of `content_type` with the status, gzipped when the request accepts gzip.
void send_body(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response,
               Poco::Net::HTTPResponse::HTTPStatus status, const std::string& content_type,
               const std::string& body, Exchange& exchange);

// Sends `json` with the status, gzipped when the request accepts gzip.
void send_json(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response,
               Poco::Net::HTTPResponse::HTTPStatus status, const std::string& json,
               Exchange& exchange);

// The HTTP status for an error kind: invalid_input 400, unauthorized 401, forbidden 403,
// not_found 404, conflict 409, too_large 413, transient 503, internal 500.
Poco::Net::HTTPResponse::HTTPStatus status_for(ErrorKind kind) noexcept;

// How long a 503 answer asks the client to wait: long enough for a busy lock or a cleaned-up disk,
// short enough that a field officer's sync is not held up.
inline constexpr int retry_after_seconds = 5;

// {"error":{"code":...,"message":...,"request_id":...}} with the status (the exchange's request
// id, and its error_code set to `code`); 401 answers also carry WWW-Authenticate: Bearer, 503
// answers Retry-After (retry_after_seconds) unless already set.
void send_error(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response,
                Poco::Net::HTTPResponse::HTTPStatus status, std::string_view code,
                std::string_view message, Exchange& exchange);

// The JSON error body; "request_id" only when `request_id` is not empty.
std::string error_body(std::string_view code, std::string_view message,
                       std::string_view request_id);

// Request ids (X-Request-Id): a client's own id is kept when it is 1 to max_request_id_length
// characters of [A-Za-z0-9._-] (so that it cannot forge a log line or a header); otherwise the
// server makes one: 16 characters of base64url from 12 random bytes.
inline constexpr size_t max_request_id_length = 64;
std::optional<std::string> accepted_request_id(std::string_view header);
std::string new_request_id();

}  // namespace ocop::server
