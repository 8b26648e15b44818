// The request-handler factory: maps a request's path to its Route and wraps it in a
// RequestHandler (request_handler.hpp) that answers unknown paths (404 http.not_found) and wrong
// methods (405 http.method_not_allowed), turns every exception into a JSON error and logs one line
// per request. Routes are registered before the server starts and never change afterwards.
#pragma once

#include <Poco/Logger.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>

#include <map>
#include <memory>
#include <string>

#include "ocop/server/request_handler.hpp"
#include "ocop/server/route.hpp"

namespace ocop::server {

class Router final : public Poco::Net::HTTPRequestHandlerFactory {
  public:
    // `access_log` receives the one-line summary of every request; `services` are handed to
    // every request (request_handler.hpp).
    explicit Router(Poco::Logger& access_log, RequestServices services = {});

    Router& add(std::string path, std::unique_ptr<Route> route);

    // Tells every open connection to end after its current request (as HTTPServer::stopAll does;
    // Server runs Poco's TCPServer with its own connection factory, http_connection.hpp).
    void server_stopped() { serverStopped(this, false); }

    Poco::Net::HTTPRequestHandler* createRequestHandler(
        const Poco::Net::HTTPServerRequest& request) override;

  private:
    Poco::Logger& access_log_;
    RequestServices services_;
    std::map<std::string, std::unique_ptr<Route>, std::less<>> routes_;
};

}  // namespace ocop::server
