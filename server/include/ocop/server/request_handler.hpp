// The one Poco request handler of the server: runs a Route (or answers 404/405 itself), turns
// every exception into a JSON error answer (never an HTML page, never a crash), and writes the
// access-log line: method, path, status, bytes in/out, milliseconds, device, peer, request id and
// the error code answered. Every request has an id (X-Request-Id, http_response.hpp), echoed in
// the answer's header and JSON error body and named in every line logged while it is handled.
#pragma once

#include <Poco/Logger.h>
#include <Poco/Net/HTTPRequestHandler.h>

#include <string>

#include "ocop/server/client_address.hpp"
#include "ocop/server/connection_watchdog.hpp"
#include "ocop/server/memory_budget.hpp"
#include "ocop/server/metrics.hpp"
#include "ocop/server/route.hpp"

namespace ocop::server {

// What Server gives every request besides its route; either may be null (tests of the handler).
struct RequestServices {
    ConnectionWatchdog* watchdog = nullptr;   // slow-link watchdog: progress reports
    MemoryBudget* memory = nullptr;           // request-memory budget: each body's share
    Metrics* metrics = nullptr;               // counts every request and error answer
    const TrustedProxies* proxies = nullptr;  // whose X-Forwarded-For names the client
};

class RequestHandler final : public Poco::Net::HTTPRequestHandler {
  public:
    // `route` null: no route has this path.
    RequestHandler(Route* route, std::string path, Poco::Logger& access_log,
                   RequestServices services = {})
        : route_(route), path_(std::move(path)), access_log_(access_log), services_(services) {}

    void handleRequest(Poco::Net::HTTPServerRequest& request,
                       Poco::Net::HTTPServerResponse& response) override;
    // The route name the metrics count this request under (default: its path).
    void count_as(std::string route) { metrics_route_ = std::move(route); }

  private:
    // Runs the route (or answers 404/405) with the request id as the thread's log context.
    void handle(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response,
                Exchange& exchange);

    Route* route_;
    std::string path_;
    std::string metrics_route_;
    Poco::Logger& access_log_;
    RequestServices services_;
};

}  // namespace ocop::server
