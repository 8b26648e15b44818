#include "ocop/server/http_body.hpp"

#include <Poco/String.h>

#include <istream>

#include "ocop/core/error.hpp"
#include "ocop/core/error_codes.hpp"
#include "ocop/server/tuning.hpp"
#include "ocop/sync/gzip.hpp"

namespace ocop::server {

namespace {

constexpr size_t kChunk = 64 * 1024;

// RFC 9112 §6.3: a request with neither Content-Length nor chunked framing has no body. Poco
// would otherwise read a POST until the client closes, which an HTTP/1.1 client never does.
bool has_body(const Poco::Net::HTTPServerRequest& request) {
    return request.getChunkedTransferEncoding() || request.hasContentLength();
}

[[noreturn]] void too_large(Poco::Net::HTTPServerResponse& response, size_t limit) {
    response.setKeepAlive(false);  // the rest of the body stays unread: close the connection
    throw Error(ErrorKind::too_large, errc::http_body_too_large,
                "request body larger than " + std::to_string(limit) + " bytes");
}

[[noreturn]] void cut_short(Poco::Net::HTTPServerResponse& response, const std::string& what) {
    response.setKeepAlive(false);
    throw Error(ErrorKind::invalid_input, errc::http_bad_encoding, what);
}

}  // namespace

std::string read_body(Poco::Net::HTTPServerRequest& request,
                      Poco::Net::HTTPServerResponse& response, const BodyLimits& limits,
                      Exchange& exchange) {
    exchange.body_read = true;  // from here on the body is ours, read or refused
    std::string raw;
    if (has_body(request)) {
        const bool declared = request.hasContentLength();
        const auto length = declared ? request.getContentLength64() : 0;
        if (declared && static_cast<uint64_t>(length) > limits.max_body)
            too_large(response, limits.max_body);  // refused before reading a byte of it
        if (declared) raw.reserve(static_cast<size_t>(length));
        std::istream& in = request.stream();
        char buffer[kChunk];
        // Poco's body streams report a timeout or reset as a failed read (badbit), not a throw.
        while (in.read(buffer, sizeof buffer) || in.gcount() > 0) {
            raw.append(buffer, static_cast<size_t>(in.gcount()));
            exchange.bytes_in = raw.size();
            if (raw.size() > limits.max_body) too_large(response, limits.max_body);
        }
        if (in.bad()) cut_short(response, "the connection failed while reading the request body");
        if (declared && raw.size() != static_cast<size_t>(length))
            cut_short(response, "request body ended after " + std::to_string(raw.size()) + " of " +
                                    std::to_string(length) + " declared bytes");
    }

    const std::string encoding = Poco::toLower(Poco::trim(request.get("Content-Encoding", "")));
    if (encoding.empty() || encoding == "identity") return raw;
    if (encoding == "gzip" || encoding == "x-gzip")
        return sync::gzip_decompress(raw, limits.max_inflated);
    throw Error(ErrorKind::invalid_input, errc::http_bad_encoding,
                "unsupported Content-Encoding '" + encoding + "' (use gzip or none)");
}

void discard_body(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response,
                  Exchange& exchange) {
    if (exchange.body_read) return;
    exchange.body_read = true;
    if (!has_body(request)) return;
    if (request.hasContentLength() &&
        static_cast<uint64_t>(request.getContentLength64()) > tuning::max_discard_bytes) {
        response.setKeepAlive(false);
        return;
    }
    std::istream& in = request.stream();
    char buffer[kChunk];
    size_t total = 0;
    while (in.read(buffer, sizeof buffer) || in.gcount() > 0) {
        total += static_cast<size_t>(in.gcount());
        exchange.bytes_in = total;
        if (total > tuning::max_discard_bytes) {
            response.setKeepAlive(false);
            return;
        }
    }
    if (in.bad()) response.setKeepAlive(false);
}

}  // namespace ocop::server
