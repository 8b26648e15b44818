#include "ocop/server/routes/blob_route.hpp"

#include <Poco/Net/HTTPRequest.h>
#include <Poco/NumberParser.h>
#include <Poco/String.h>

#include <nlohmann/json.hpp>

#include "ocop/core/error.hpp"
#include "ocop/core/error_codes.hpp"
#include "ocop/core/schema.hpp"
#include "ocop/server/http_body.hpp"
#include "ocop/server/http_response.hpp"
#include "ocop/server/routes/sync_route.hpp"
#include "ocop/sync/blob_protocol.hpp"

namespace ocop::server {

namespace bp = sync::blob_protocol;
using Poco::Net::HTTPRequest;
using Poco::Net::HTTPResponse;

namespace {

// What one socket read hands the store: small enough that a cut loses nothing that arrived
// (each piece is appended as soon as it is in), large enough not to cost a write per packet.
constexpr size_t kPiece = 16 * 1024;

uint64_t header_u64(const Poco::Net::HTTPServerRequest& request, const char* name) {
    Poco::UInt64 value = 0;
    if (!Poco::NumberParser::tryParseUnsigned64(request.get(name, ""), value))
        throw Error(ErrorKind::invalid_input, errc::blob_bad_ref,
                    std::string("this request needs the header ") + name + ": a byte count");
    return value;
}

// The offset of "Range: bytes=N-" (0 without a Range header).
uint64_t range_start(const Poco::Net::HTTPServerRequest& request) {
    const std::string range = Poco::trim(request.get("Range", ""));
    if (range.empty()) return 0;
    Poco::UInt64 start = 0;
    if (!range.starts_with("bytes=") || range.back() != '-' ||
        !Poco::NumberParser::tryParseUnsigned64(range.substr(6, range.size() - 7), start))
        throw Error(ErrorKind::invalid_input, errc::blob_bad_ref,
                    "only 'Range: bytes=N-' is served, not '" + range.substr(0, 60) + "'");
    return start;
}

sync::Principal authenticate(ServerContext& context, Poco::Net::HTTPServerRequest& request,
                             Poco::Net::HTTPServerResponse& response, Exchange& exchange) {
    const std::string token = bearer_token(request.get("Authorization", ""));
    if (token.empty())
        throw Error(ErrorKind::unauthorized, errc::auth_missing_token,
                    "this route needs 'Authorization: Bearer <device token>'; log in first");
    AuthResult auth = context.accounts.authenticate(token);
    if (!auth.who)
        throw Error(
            ErrorKind::unauthorized, auth.code.empty() ? errc::auth_invalid_token : auth.code,
            auth.message.empty() ? "unknown or revoked device token; log in again" : auth.message);
    // A token rotated on a blob request reaches the device as a header (a sync answer carries it
    // in its body).
    if (auth.rotated_token) response.set("X-Device-Token", *auth.rotated_token);
    exchange.device_id = auth.who->device_id;
    return std::move(*auth.who);
}

}  // namespace

const std::string& BlobRoute::method() const {
    static const std::string methods = "GET, HEAD, PATCH";
    return methods;
}

bool BlobRoute::accepts(std::string_view method) const {
    return method == HTTPRequest::HTTP_GET || method == HTTPRequest::HTTP_HEAD ||
           method == HTTPRequest::HTTP_PATCH;
}

void BlobRoute::handle(Poco::Net::HTTPServerRequest& request,
                       Poco::Net::HTTPServerResponse& response, Exchange& exchange) {
    const std::string& uri = request.getURI();
    const std::string ref =
        uri.substr(bp::path_prefix.size(), uri.find_first_of("?#") - bp::path_prefix.size());
    if (!is_blob_ref(ref))
        throw Error(ErrorKind::invalid_input, errc::blob_bad_ref,
                    "a blob is named sha256: and 64 lowercase hex digits");
    const sync::Principal who = authenticate(context_, request, response, exchange);
    const std::string hex = ref.substr(7);
    const std::string& method = request.getMethod();
    if (method == HTTPRequest::HTTP_PATCH) {
        if (!access_.may_upload(ref, who))
            throw Error(ErrorKind::forbidden, errc::blob_not_referenced,
                        "no change of this device references " + ref +
                            ": sync the record that holds it first");
        upload(request, response, exchange, hex);
        return;
    }
    // Who wrote a reference may ask how far its upload got; reading needs a visible record.
    if (!access_.may_download(ref, who) &&
        !(method == HTTPRequest::HTTP_HEAD && access_.may_upload(ref, who)))
        throw Error(ErrorKind::forbidden, errc::blob_not_referenced,
                    "no record this device may hold references " + ref);
    if (method == HTTPRequest::HTTP_HEAD)
        status(request, response, hex);
    else
        download(request, response, exchange, hex);
}

void BlobRoute::status(Poco::Net::HTTPServerRequest&, Poco::Net::HTTPServerResponse& response,
                       const std::string& hex) {
    response.set("Cache-Control", "no-store");
    if (const auto info = blobs_.find(hex)) {
        response.set(bp::header_received, std::to_string(info->size));
        response.set(bp::header_complete, "1");
        response.set(bp::header_length, std::to_string(info->size));
    } else {
        response.set(bp::header_received, std::to_string(blobs_.received(hex)));
        response.set(bp::header_complete, "0");
    }
    response.setContentLength(0);
    response.setStatusAndReason(HTTPResponse::HTTP_OK);
    response.send();
}

void BlobRoute::upload(Poco::Net::HTTPServerRequest& request,
                       Poco::Net::HTTPServerResponse& response, Exchange& exchange,
                       const std::string& hex) {
    const auto answer = [&](uint64_t received, bool complete) {
        response.set(bp::header_received, std::to_string(received));
        response.set(bp::header_complete, complete ? "1" : "0");
        send_json(request, response, HTTPResponse::HTTP_OK,
                  nlohmann::json{{"received", received}, {"complete", complete}}.dump(), exchange);
    };
    if (const auto info = blobs_.find(hex)) {  // deduplicated: someone sent it already
        discard_body(request, response, exchange);
        answer(info->size, true);
        return;
    }
    const uint64_t offset = header_u64(request, bp::header_offset);
    const uint64_t total = header_u64(request, bp::header_length);
    const std::string type = Poco::toLower(Poco::trim(request.getContentType()));
    if (total > bp::max_blob_bytes)
        throw Error(ErrorKind::too_large, errc::blob_too_large,
                    "a blob may have at most " + std::to_string(bp::max_blob_bytes) +
                        " bytes, not " + std::to_string(total));
    if (!bp::accepted_type(type))
        throw Error(ErrorKind::invalid_input, errc::blob_unsupported_type,
                    "blobs of type '" + type.substr(0, 60) +
                        "' are not kept: send image/jpeg, image/png, image/webp, image/heic or "
                        "application/pdf");
    const uint64_t have = blobs_.received(hex);
    response.set(bp::header_received, std::to_string(have));
    if (offset != have)
        throw Error(ErrorKind::conflict, errc::blob_offset_mismatch,
                    "the server holds " + std::to_string(have) + " bytes of this blob; send from " +
                        std::to_string(have) + ", not " + std::to_string(offset));
    if (const auto declared = blobs_.declared_size(hex); declared && *declared != total)
        throw Error(ErrorKind::invalid_input, errc::blob_hash_mismatch,
                    "this upload began as a blob of " + std::to_string(*declared) + " bytes, not " +
                        std::to_string(total));
    if (!request.hasContentLength() ||
        static_cast<uint64_t>(request.getContentLength64()) > total - offset)
        throw Error(ErrorKind::too_large, errc::blob_too_large,
                    "a chunk needs a Content-Length of at most the " +
                        std::to_string(total - offset) + " bytes the blob still lacks");

    // From here the body is ours: every piece that arrives is stored before the next is read.
    exchange.body_read = true;
    exchange.body_left_unread = true;
    response.setKeepAlive(false);  // unless the whole chunk arrives
    if (exchange.connection) exchange.connection->body_started();
    exchange.memory.grow_to(kPiece);
    const auto length = static_cast<uint64_t>(request.getContentLength64());
    std::istream& in = request.stream();
    char buffer[kPiece];
    uint64_t got = 0, received = have;
    while (got < length && (in.read(buffer, static_cast<std::streamsize>(
                                                std::min<uint64_t>(sizeof buffer, length - got))) ||
                            in.gcount() > 0)) {
        const auto n = static_cast<size_t>(in.gcount());
        received = blobs_.append(hex, received, std::string_view(buffer, n), total, type);
        got += n;
        exchange.bytes_in = got;
        if (exchange.connection) exchange.connection->body_progress(got);
    }
    if (got < length)
        throw Error(ErrorKind::invalid_input,
                    exchange.connection && exchange.connection->cut() ? errc::http_too_slow
                                                                      : errc::http_bad_encoding,
                    "the chunk ended after " + std::to_string(got) + " of " +
                        std::to_string(length) + " bytes; " + std::to_string(received) +
                        " bytes of the blob are kept: resume from there");
    exchange.body_left_unread = false;
    response.setKeepAlive(request.getKeepAlive());
    if (exchange.connection) exchange.connection->body_done();
    if (received < total) {
        answer(received, false);
        return;
    }
    const BlobInfo info = blobs_.finish(hex);
    answer(info.size, true);
}

void BlobRoute::download(Poco::Net::HTTPServerRequest& request,
                         Poco::Net::HTTPServerResponse& response, Exchange& exchange,
                         const std::string& hex) {
    const auto info = blobs_.find(hex);
    if (!info)
        throw Error(ErrorKind::not_found, errc::blob_not_found,
                    "the server holds no complete blob sha256:" + hex + " (not uploaded yet?)");
    const uint64_t start = std::min(range_start(request), info->size);
    response.setContentType(info->content_type.empty() ? "application/octet-stream"
                                                       : info->content_type);
    // Content-addressed: the bytes under a name never change.
    response.set("Cache-Control", "private, max-age=31536000, immutable");
    response.set(bp::header_length, std::to_string(info->size));
    response.setChunkedTransferEncoding(false);
    response.setContentLength64(static_cast<Poco::Int64>(info->size - start));
    if (request.has("Range")) {
        response.setStatusAndReason(HTTPResponse::HTTP_PARTIAL_CONTENT);
        response.set("Content-Range", "bytes " + std::to_string(start) + "-" +
                                          std::to_string(info->size == 0 ? 0 : info->size - 1) +
                                          "/" + std::to_string(info->size));
    } else {
        response.setStatusAndReason(HTTPResponse::HTTP_OK);
    }
    std::ostream& out = response.send();
    for (uint64_t at = start; at < info->size && out;) {
        const std::string piece = blobs_.read(hex, at, bp::io_bytes * 16);
        if (piece.empty()) break;
        out.write(piece.data(), static_cast<std::streamsize>(piece.size()));
        at += piece.size();
        exchange.bytes_out += piece.size();
    }
    out.flush();
}

}  // namespace ocop::server
