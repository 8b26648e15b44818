#include "ocop/server/http_response.hpp"

#include <Poco/String.h>

#include <cctype>
#include <cstdlib>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "ocop/server/secrets.hpp"

#include "ocop/sync/gzip.hpp"

namespace ocop::server {

using Poco::Net::HTTPResponse;

namespace {

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

// The q value of one Accept-Encoding entry's parameters ("q=0.5"); 1 when absent.
double quality(std::string_view params) {
    while (!params.empty()) {
        const size_t semi = params.find(';');
        const std::string_view p = trim(params.substr(0, semi));
        if (p.size() >= 2 && (p[0] == 'q' || p[0] == 'Q') && p[1] == '=')
            return std::strtod(std::string(p.substr(2)).c_str(), nullptr);
        if (semi == std::string_view::npos) break;
        params.remove_prefix(semi + 1);
    }
    return 1.0;
}

}  // namespace

bool accepts_gzip(std::string_view header) {
    std::optional<bool> gzip, any;
    while (!header.empty()) {
        const size_t comma = header.find(',');
        const std::string_view entry = header.substr(0, comma);
        const size_t semi = entry.find(';');
        const std::string name = Poco::toLower(std::string(trim(entry.substr(0, semi))));
        const bool wanted = quality(semi == std::string_view::npos ? std::string_view{}
                                                                   : entry.substr(semi + 1)) > 0.0;
        if (name == "gzip" || name == "x-gzip") gzip = wanted;
        if (name == "*") any = wanted;
        if (comma == std::string_view::npos) break;
        header.remove_prefix(comma + 1);
    }
    return gzip.value_or(any.value_or(false));  // an explicit gzip entry beats "*"
}

void send_body(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response,
               HTTPResponse::HTTPStatus status, const std::string& content_type,
               const std::string& body, Exchange& exchange) {
    response.setStatusAndReason(status);
    response.setContentType(content_type);
    response.set("Cache-Control", "no-store");
    response.setChunkedTransferEncoding(false);
    if (!body.empty() && accepts_gzip(request.get("Accept-Encoding", ""))) {
        const std::string compressed = sync::gzip_compress(body);
        response.set("Content-Encoding", "gzip");
        response.set("Vary", "Accept-Encoding");
        exchange.bytes_out = compressed.size();
        response.sendBuffer(compressed.data(), compressed.size());
    } else {
        exchange.bytes_out = body.size();
        response.sendBuffer(body.data(), body.size());
    }
}

void send_json(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response,
               HTTPResponse::HTTPStatus status, const std::string& json, Exchange& exchange) {
    send_body(request, response, status, "application/json", json, exchange);
}

HTTPResponse::HTTPStatus status_for(ErrorKind kind) noexcept {
    switch (kind) {
        case ErrorKind::invalid_input:
            return HTTPResponse::HTTP_BAD_REQUEST;
        case ErrorKind::not_found:
            return HTTPResponse::HTTP_NOT_FOUND;
        case ErrorKind::conflict:
            return HTTPResponse::HTTP_CONFLICT;
        case ErrorKind::unauthorized:
            return HTTPResponse::HTTP_UNAUTHORIZED;
        case ErrorKind::forbidden:
            return HTTPResponse::HTTP_FORBIDDEN;
        case ErrorKind::too_large:
            return HTTPResponse::HTTP_REQUEST_ENTITY_TOO_LARGE;
        case ErrorKind::transient:
            return HTTPResponse::HTTP_SERVICE_UNAVAILABLE;
        case ErrorKind::internal:
            return HTTPResponse::HTTP_INTERNAL_SERVER_ERROR;
    }
    return HTTPResponse::HTTP_INTERNAL_SERVER_ERROR;
}

void send_error(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response,
                HTTPResponse::HTTPStatus status, std::string_view code, std::string_view message,
                Exchange& exchange) {
    if (status == HTTPResponse::HTTP_UNAUTHORIZED) response.set("WWW-Authenticate", "Bearer");
    // A 503 is transient (store busy, disk full, I/O error): nothing of the request was kept, and
    // the client may send it again. Retry-After says when, unless the route already said.
    if (status == HTTPResponse::HTTP_SERVICE_UNAVAILABLE && !response.has("Retry-After"))
        response.set("Retry-After", std::to_string(retry_after_seconds));
    exchange.error_code = std::string(code);
    send_json(request, response, status, error_body(code, message, exchange.request_id), exchange);
}

std::string error_body(std::string_view code, std::string_view message,
                       std::string_view request_id) {
    nlohmann::json body = {{"error", {{"code", code}, {"message", message}}}};
    if (!request_id.empty()) body["error"]["request_id"] = request_id;
    // A message may quote the offending request bytes (a JSON parse error does): invalid UTF-8
    // becomes U+FFFD so that the error is still answered, as valid JSON.
    return body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::optional<std::string> accepted_request_id(std::string_view header) {
    if (header.empty() || header.size() > max_request_id_length) return std::nullopt;
    for (char c : header)
        if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.'))
            return std::nullopt;
    return std::string(header);
}

std::string new_request_id() {
    return secrets::base64url(secrets::random_bytes(12));
}

}  // namespace ocop::server
