#include "ocop/server/request_handler.hpp"

#include <Poco/Exception.h>
#include <Poco/NestedDiagnosticContext.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerRequestImpl.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/StreamSocket.h>
#include <Poco/Timestamp.h>

#include <cstdio>

#include "ocop/core/error.hpp"
#include "ocop/core/error_codes.hpp"
#include "ocop/server/http_body.hpp"
#include "ocop/server/http_response.hpp"
#include "ocop/server/log_formatter.hpp"
#include "ocop/server/tuning.hpp"

namespace ocop::server {

using Poco::Net::HTTPResponse;

namespace {

// A request path as it may appear in a log line: printable ASCII only, bounded.
std::string printable(std::string_view text, size_t max = 200) {
    std::string out;
    for (char c : text.substr(0, max)) out.push_back(c >= 0x21 && c <= 0x7e ? c : '?');
    if (text.size() > max) out += "...";
    return out;
}

// A JSON error answer written and flushed at once, uncompressed (every client reads identity).
void send_error_now(Poco::Net::HTTPServerResponse& response, HTTPResponse::HTTPStatus status,
                    std::string_view code, std::string_view message, Exchange& exchange) {
    const std::string body = error_body(code, message, exchange.request_id);
    exchange.error_code = std::string(code);
    response.setStatusAndReason(status);
    response.setContentType("application/json");
    response.set("Cache-Control", "no-store");
    if (status == HTTPResponse::HTTP_UNAUTHORIZED) response.set("WWW-Authenticate", "Bearer");
    response.setChunkedTransferEncoding(false);
    response.setContentLength(static_cast<std::streamsize>(body.size()));
    exchange.bytes_out = body.size();
    std::ostream& out = response.send();
    out.write(body.data(), static_cast<std::streamsize>(body.size()));
    out.flush();
}

// After the answer to a body left unread: our side of a plain TCP connection is done (FIN), so a
// client that stopped sending and reads until the connection closes has its answer at once.
// (A TLS connection cannot be half-closed this way; its client reads by Content-Length.)
void end_our_side(Poco::Net::HTTPServerRequest& request) {
    auto* impl = dynamic_cast<Poco::Net::HTTPServerRequestImpl*>(&request);
    if (!impl || impl->socket().secure()) return;
    try {
        impl->socket().shutdownSend();
    } catch (const Poco::Exception&) {  // already gone
    }
}

}  // namespace

void RequestHandler::handleRequest(Poco::Net::HTTPServerRequest& request,
                                   Poco::Net::HTTPServerResponse& response) {
    const Poco::Timestamp started;
    Exchange exchange;
    exchange.request_id =
        accepted_request_id(request.get("X-Request-Id", "")).value_or(new_request_id());
    response.set("X-Request-Id", exchange.request_id);
    const Poco::Net::IPAddress peer = request.clientAddress().host();
    exchange.client = services_.proxies
                          ? services_.proxies->client_of(peer, request.get("X-Forwarded-For", ""))
                          : peer;
    handle(request, response, exchange);
    if (exchange.connection) exchange.connection->request_finished();

    const int status = static_cast<int>(response.getStatus());
    const double seconds = static_cast<double>(started.elapsed()) / 1e6;
    if (services_.metrics) {
        services_.metrics->count_request(!route_                  ? Metrics::other_route
                                         : metrics_route_.empty() ? std::string_view(path_)
                                                                  : metrics_route_,
                                         status, exchange.bytes_in, exchange.bytes_out, seconds);
        if (!exchange.error_code.empty())
            services_.metrics->count_error_answer(exchange.error_code);
    }

    const auto level = status >= 500 ? Poco::Message::PRIO_ERROR : Poco::Message::PRIO_INFORMATION;
    if (!access_log_.is(level)) return;
    char ms[32];
    std::snprintf(ms, sizeof ms, "%.1f", seconds * 1000.0);
    std::string line = printable(request.getMethod(), 16) + " " + printable(path_) + " " +
                       std::to_string(status) + " in=" + std::to_string(exchange.bytes_in) +
                       " out=" + std::to_string(exchange.bytes_out) + " ms=" + ms +
                       " device=" + (exchange.device_id.empty() ? "-" : exchange.device_id) +
                       " peer=" + exchange.client.toString() + " request_id=" + exchange.request_id;
    if (!exchange.error_code.empty()) line += " error=" + exchange.error_code;
    // Written after the request's diagnostic context ended: the id is in the line already, and
    // as the message's request_id parameter for the JSON log format (log_formatter.hpp).
    Poco::Message message(access_log_.name(), line, level);
    message.set(request_id_log_param, exchange.request_id);
    access_log_.log(message);
}

void RequestHandler::handle(Poco::Net::HTTPServerRequest& request,
                            Poco::Net::HTTPServerResponse& response, Exchange& exchange) {
    // Every line logged on this thread until the answer is out names the request
    // (log_formatter.hpp reads the context).
    const Poco::NDCScope context(exchange.request_id);
    exchange.memory.attach(services_.memory);
    if (services_.watchdog)
        if (auto* impl = dynamic_cast<Poco::Net::HTTPServerRequestImpl*>(&request))
            exchange.connection = services_.watchdog->find(impl->socket());
    if (exchange.connection) exchange.connection->headers_complete();

    // Answers an error unless an answer already went out (then the client only gets a cut).
    auto fail = [&](HTTPResponse::HTTPStatus status, std::string_view code,
                    std::string_view message) {
        if (response.sent()) return;
        try {
            discard_body(request, response, exchange);
            if (!exchange.body_left_unread) {
                send_error(request, response, status, code, message, exchange);
            } else {
                // The answer must be on the wire before the rest of the body is read and
                // dropped (Poco would send it only once the handler returns).
                send_error_now(response, status, code, message, exchange);
                end_our_side(request);
                drain_body(request, exchange);
            }
        } catch (const Poco::Exception& e) {  // the client went away; nothing left to tell it
            access_log_.debug("could not send the error answer: " + e.displayText());
        } catch (...) {  // runs inside catch blocks: nothing may escape from here
            access_log_.error("could not send the error answer");
        }
    };

    try {
        if (!route_) {
            fail(HTTPResponse::HTTP_NOT_FOUND, errc::http_not_found,
                 "no such path: " + printable(path_));
        } else if (!route_->accepts(request.getMethod())) {
            response.set("Allow", route_->method());
            fail(HTTPResponse::HTTP_METHOD_NOT_ALLOWED, errc::http_method_not_allowed,
                 printable(path_) + " takes " + route_->method() + ", not " +
                     printable(request.getMethod(), 16));
        } else {
            route_->handle(request, response, exchange);
            if (!response.sent())  // a route bug; still answer rather than leave the client hanging
                throw Error(ErrorKind::internal, errc::internal_error,
                            "route " + printable(path_) + " sent no answer");
        }
    } catch (const Error& e) {
        const auto status = e.code() == errc::http_too_slow ? HTTPResponse::HTTP_REQUEST_TIMEOUT
                            : e.code() == errc::blob_unsupported_type
                                ? HTTPResponse::HTTP_UNSUPPORTED_MEDIA_TYPE
                                : status_for(e.kind());
        if (e.code() == errc::http_busy)  // the server's memory for request bodies is taken
            response.set("Retry-After", std::to_string(tuning::busy_retry_after.count()));
        else if (status >= HTTPResponse::HTTP_INTERNAL_SERVER_ERROR)
            access_log_.error(std::string(e.code()) + ": " + e.what());
        fail(status, e.code(), e.what());
    } catch (const Poco::Exception& e) {
        access_log_.error("unexpected Poco exception: " + e.displayText());
        fail(HTTPResponse::HTTP_INTERNAL_SERVER_ERROR, errc::internal_error,
             "internal error; the server log has the details");
    } catch (const std::exception& e) {
        access_log_.error(std::string("unexpected exception: ") + e.what());
        fail(HTTPResponse::HTTP_INTERNAL_SERVER_ERROR, errc::internal_error,
             "internal error; the server log has the details");
    } catch (...) {
        access_log_.error("unexpected exception of unknown type");
        fail(HTTPResponse::HTTP_INTERNAL_SERVER_ERROR, errc::internal_error,
             "internal error; the server log has the details");
    }
}

}  // namespace ocop::server
