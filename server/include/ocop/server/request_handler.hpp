// The one Poco request handler of the server: runs a Route (or answers 404/405 itself), turns
// every exception into a JSON error answer (never an HTML page, never a crash), and writes the
// access-log line: method, path, status, bytes in/out, milliseconds, device, peer.
#pragma once

#include <Poco/Logger.h>
#include <Poco/Net/HTTPRequestHandler.h>

#include <string>

#include "ocop/server/route.hpp"

namespace ocop::server {

class RequestHandler final : public Poco::Net::HTTPRequestHandler {
  public:
    // `route` null: no route has this path.
    RequestHandler(Route* route, std::string path, Poco::Logger& access_log)
        : route_(route), path_(std::move(path)), access_log_(access_log) {}

    void handleRequest(Poco::Net::HTTPServerRequest& request,
                       Poco::Net::HTTPServerResponse& response) override;

  private:
    Route* route_;
    std::string path_;
    Poco::Logger& access_log_;
};

}  // namespace ocop::server
