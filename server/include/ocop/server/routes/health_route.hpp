// GET /v1/health: {"status":"ok","server_id":"…","head":<store head>,"version":"…"}.
// Unauthenticated, cheap, used by monitoring and by devices to see that the server is reachable.
#pragma once

#include "ocop/server/route.hpp"
#include "ocop/server/server_context.hpp"

namespace ocop::server {

class HealthRoute final : public Route {
  public:
    explicit HealthRoute(ServerContext& context) : context_(context) {}
    const std::string& method() const override;
    void handle(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response,
                Exchange& exchange) override;

  private:
    ServerContext& context_;
};

}  // namespace ocop::server
