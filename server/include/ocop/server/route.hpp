// One route of the HTTP API: a path, the one method it accepts, and the code that answers it.
// Routes are created once and shared by every worker thread, so handle() must be thread-safe.
// Errors are thrown as ocop::Error; the request handler (request_handler.hpp) turns them, and
// anything else thrown, into JSON error answers and logs one line per request.
#pragma once

#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>

#include <cstddef>
#include <string>

namespace ocop::server {

// What one request did, for the access log and for the error path.
struct Exchange {
    size_t bytes_in = 0;     // request body bytes read (as sent, before gunzip)
    size_t bytes_out = 0;    // response body bytes sent (as sent, after gzip)
    std::string device_id;   // set once a device token was accepted
    bool body_read = false;  // the request body was consumed (or had none)
};

class Route {
  public:
    virtual ~Route() = default;
    virtual const std::string& method() const = 0;
    virtual void handle(Poco::Net::HTTPServerRequest& request,
                        Poco::Net::HTTPServerResponse& response, Exchange& exchange) = 0;
};

}  // namespace ocop::server
