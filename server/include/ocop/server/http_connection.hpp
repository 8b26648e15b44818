// Poco's HTTP connection, registered with the slow-link watchdog for its whole life (so that the
// watchdog can cut it when it is too slow), and refused at once with 503
// http.too_many_connections when its address already holds the most connections allowed.
#pragma once

#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServerConnection.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/TCPServerConnectionFactory.h>

#include "ocop/server/connection_watchdog.hpp"

namespace ocop::server {

class WatchedHttpConnection final : public Poco::Net::HTTPServerConnection {
  public:
    WatchedHttpConnection(const Poco::Net::StreamSocket& socket,
                          Poco::Net::HTTPServerParams::Ptr params,
                          Poco::Net::HTTPRequestHandlerFactory::Ptr handlers,
                          ConnectionWatchdog& watchdog)
        : HTTPServerConnection(socket, params, handlers), watchdog_(watchdog) {}

    void run() override;

  private:
    void refuse();
    ConnectionWatchdog& watchdog_;
};

class WatchedHttpConnectionFactory final : public Poco::Net::TCPServerConnectionFactory {
  public:
    WatchedHttpConnectionFactory(Poco::Net::HTTPServerParams::Ptr params,
                                 Poco::Net::HTTPRequestHandlerFactory::Ptr handlers,
                                 ConnectionWatchdog& watchdog)
        : params_(params), handlers_(handlers), watchdog_(watchdog) {}

    Poco::Net::TCPServerConnection* createConnection(
        const Poco::Net::StreamSocket& socket) override {
        return new WatchedHttpConnection(socket, params_, handlers_, watchdog_);
    }

  private:
    Poco::Net::HTTPServerParams::Ptr params_;
    Poco::Net::HTTPRequestHandlerFactory::Ptr handlers_;
    ConnectionWatchdog& watchdog_;
};

}  // namespace ocop::server
