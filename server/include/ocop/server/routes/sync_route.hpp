// POST /v1/sync with "Authorization: Bearer <device token>": one push-and-pull exchange of the sync
// protocol (docs/sync-protocol.md). The token names the device and its replica; the request must
// be for that replica. The work is SyncService's; this route authenticates, decodes and encodes.
#pragma once

#include "ocop/server/route.hpp"
#include "ocop/server/server_context.hpp"

namespace ocop::server {

class SyncRoute final : public Route {
  public:
    explicit SyncRoute(ServerContext& context) : context_(context) {}
    const std::string& method() const override;
    void handle(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response,
                Exchange& exchange) override;

  private:
    ServerContext& context_;
};

// The token of an "Authorization: Bearer <token>" header value; empty if there is none.
std::string bearer_token(const std::string& authorization);

}  // namespace ocop::server
