// One route of the HTTP API: a path, the one method it accepts, and the code that answers it.
// Routes are created once and shared by every worker thread, so handle() must be thread-safe.
// Errors are thrown as ocop::Error; the request handler (request_handler.hpp) turns them, and
// anything else thrown, into JSON error answers and logs one line per request.
#pragma once

#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "ocop/server/connection_watchdog.hpp"
#include "ocop/server/memory_budget.hpp"

namespace ocop::server {

// What one request did, for the access log and for the error path.
struct Exchange {
    size_t bytes_in = 0;     // request body bytes read (as sent, before gunzip)
    size_t bytes_out = 0;    // response body bytes sent (as sent, after gzip)
    std::string device_id;   // set once a device token was accepted
    std::string request_id;  // X-Request-Id: the client's (when acceptable) or the server's own
    // The client: the peer, or behind a trusted proxy the address it forwarded
    // (client_address.hpp).
    Poco::Net::IPAddress client;
    std::string error_code;  // the code of the JSON error answered, if one was
    bool body_read = false;  // the request body was consumed (or had none)
    // Part of the body was left unread (refused before or while reading it): after the answer
    // the handler reads and drops a bounded amount, so the client sees the answer, not a reset.
    bool body_left_unread = false;
    // The connection's entry with the slow-link watchdog (null when not served by Server).
    std::shared_ptr<WatchedConnection> connection;
    // This request's share of the server's request-memory budget (memory_budget.hpp).
    MemoryLease memory;
};

class Route {
  public:
    virtual ~Route() = default;
    virtual const std::string& method() const = 0;
    // Whether the route answers this method; a route of several methods overrides it (and its
    // method() is then the Allow header's list).
    virtual bool accepts(std::string_view method) const { return method == this->method(); }
    virtual void handle(Poco::Net::HTTPServerRequest& request,
                        Poco::Net::HTTPServerResponse& response, Exchange& exchange) = 0;
};

}  // namespace ocop::server
