#include "ocop/server/http_body.hpp"

#include <Poco/NumberParser.h>
#include <Poco/String.h>

#include <istream>
#include <optional>

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

// The body's declared length, if it has one. Chunked framing overrides Content-Length (RFC 9112
// §6.3), which is then ignored whatever it says (Poco frames such a body by its chunks too); a
// length that is not a number is none (fuzz finding F2: Poco's getContentLength64 throws).
std::optional<uint64_t> declared_length(const Poco::Net::HTTPServerRequest& request) {
    if (request.getChunkedTransferEncoding() || !request.hasContentLength()) return std::nullopt;
    Poco::UInt64 length = 0;
    if (!Poco::NumberParser::tryParseUnsigned64(request.get(Poco::Net::HTTPMessage::CONTENT_LENGTH),
                                                length))
        return std::nullopt;
    return length;
}

[[noreturn]] void too_large(Poco::Net::HTTPServerResponse& response, Exchange& exchange,
                            size_t limit) {
    response.setKeepAlive(false);      // the rest of the body stays unread: close the connection
    exchange.body_left_unread = true;  // after the answer is out (RequestHandler drains it)
    throw Error(ErrorKind::too_large, errc::http_body_too_large,
                "request body larger than " + std::to_string(limit) + " bytes");
}

[[noreturn]] void cut_short(Poco::Net::HTTPServerResponse& response, const Exchange& exchange,
                            const std::string& what) {
    response.setKeepAlive(false);
    if (exchange.connection && exchange.connection->cut())
        throw Error(ErrorKind::invalid_input, errc::http_too_slow,
                    "the request body arrived too slowly (the server needs " +
                        std::to_string(tuning::http_min_body_bytes_per_second) +
                        " bytes per second after a grace period); the connection is closed");
    throw Error(ErrorKind::invalid_input, errc::http_bad_encoding, what);
}

void body_progress(Exchange& exchange, size_t total) {
    exchange.bytes_in = total;
    if (exchange.connection) exchange.connection->body_progress(total);
}

// Reads and drops what is left of the body, at most `limit` bytes; false if more was left.
bool skip_body(Poco::Net::HTTPServerRequest& request, Exchange& exchange, size_t limit) {
    std::istream& in = request.stream();
    char buffer[kChunk];
    size_t total = exchange.bytes_in;
    while (in.read(buffer, sizeof buffer) || in.gcount() > 0) {
        total += static_cast<size_t>(in.gcount());
        body_progress(exchange, total);
        if (total > limit) return false;
    }
    return !in.bad();
}

}  // namespace

size_t json_parse_cost(std::string_view text) noexcept {
    // What nlohmann::json takes for a document, from counting what makes its nodes: 16 bytes a
    // value, twice over because a growing array briefly holds its old and new storage (counted
    // at each ',' and once more), a container's allocation (64 at each '[' or '{'), an object
    // member's map node and key (96 at each ':'), and the text of strings and numbers twice over
    // (short-string slack, allocator headers). Characters inside strings count too: that only
    // overestimates. tests/server/request_memory_test.cpp holds the server to its budget with it.
    size_t values = 1, containers = 0, members = 0;
    for (const char c : text) {
        values += c == ',';
        containers += c == '[' || c == '{';
        members += c == ':';
    }
    return 2 * text.size() + 32 * values + 64 * containers + 96 * members;
}

std::string read_body(Poco::Net::HTTPServerRequest& request,
                      Poco::Net::HTTPServerResponse& response, const BodyLimits& limits,
                      Exchange& exchange) {
    exchange.body_read = true;  // from here on the body is ours, read or refused
    if (exchange.connection) exchange.connection->body_started();
    std::string raw;
    if (has_body(request)) {
        const std::optional<uint64_t> declared_bytes = declared_length(request);
        const bool declared = declared_bytes.has_value();
        const uint64_t length = declared_bytes.value_or(0);
        if (declared && static_cast<uint64_t>(length) > limits.max_body)
            too_large(response, exchange, limits.max_body);  // refused before reading a byte
        // Until the whole body is in, any failure (too large, no memory, cut) leaves the rest
        // unread: the connection is then closed after the answer, once the rest is drained.
        const bool keep_alive = response.getKeepAlive();
        response.setKeepAlive(false);
        exchange.body_left_unread = true;
        if (declared) {
            exchange.memory.grow_to(static_cast<size_t>(length));
            raw.reserve(static_cast<size_t>(length));
        }
        std::istream& in = request.stream();
        char buffer[kChunk];
        // Poco's body streams report a timeout or reset as a failed read (badbit), not a throw.
        while (in.read(buffer, sizeof buffer) || in.gcount() > 0) {
            const auto got = static_cast<size_t>(in.gcount());
            if (raw.size() + got > limits.max_body) {
                body_progress(exchange, raw.size() + got);
                too_large(response, exchange, limits.max_body);
            }
            if (raw.size() + got > raw.capacity())
                exchange.memory.grow_to(std::max(raw.capacity() * 2, raw.size() + got));
            raw.append(buffer, got);
            body_progress(exchange, raw.size());
        }
        if (in.bad())
            cut_short(response, exchange, "the connection failed while reading the request body");
        if (declared && raw.size() != static_cast<size_t>(length))
            cut_short(response, exchange,
                      "request body ended after " + std::to_string(raw.size()) + " of " +
                          std::to_string(length) + " declared bytes");
        exchange.body_left_unread = false;
        response.setKeepAlive(keep_alive);
    }
    if (exchange.connection) exchange.connection->body_done();

    const std::string encoding = Poco::toLower(Poco::trim(request.get("Content-Encoding", "")));
    std::string text;
    if (encoding.empty() || encoding == "identity") {
        text = std::move(raw);
    } else if (encoding == "gzip" || encoding == "x-gzip") {
        const size_t received = raw.capacity();
        text = sync::gzip_decompress(raw, limits.max_inflated, [&](size_t inflated) {
            exchange.memory.grow_to(received + inflated);
        });
    } else {
        throw Error(ErrorKind::invalid_input, errc::http_bad_encoding,
                    "unsupported Content-Encoding '" + encoding + "' (use gzip or none)");
    }
    // Every body is JSON, parsed next: its share of memory is taken before the parse begins.
    exchange.memory.grow_to(exchange.memory.held() + json_parse_cost(text));
    return text;
}

void discard_body(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response,
                  Exchange& exchange) {
    if (exchange.body_read) return;
    exchange.body_read = true;
    if (!has_body(request)) return;
    // A small body is dropped before the answer and the connection stays usable; a larger one
    // after the answer is out (drain_body), and the connection is closed.
    const std::optional<uint64_t> length = declared_length(request);
    const bool small = !length || *length <= tuning::max_discard_keep_alive_bytes;
    if (small && skip_body(request, exchange, tuning::max_discard_keep_alive_bytes)) return;
    response.setKeepAlive(false);
    exchange.body_left_unread = true;
}

void drain_body(Poco::Net::HTTPServerRequest& request, Exchange& exchange) noexcept {
    if (!exchange.body_left_unread) return;
    exchange.body_left_unread = false;
    try {
        if (const auto length = declared_length(request);
            length && *length > tuning::max_discard_bytes)
            return;  // not worth reading: the client gets the answer, then probably a reset
        if (exchange.connection) exchange.connection->body_started();
        skip_body(request, exchange, tuning::max_discard_bytes);
    } catch (...) {  // the client went away or was cut: nothing left to do for it
    }
}

}  // namespace ocop::server
