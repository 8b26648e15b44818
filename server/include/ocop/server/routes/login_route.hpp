// POST /v1/login: enrols a device. Body {"user","password","replica","device_name","app_version"};
// answer {"token","device_id","user","server_id","server_time_ms"}. The token is shown only here;
// the server keeps its SHA-256. Logging in again with the same replica re-enrols the device.
#pragma once

#include "ocop/server/route.hpp"
#include "ocop/server/server_context.hpp"

namespace ocop::server {

class LoginRoute final : public Route {
  public:
    explicit LoginRoute(ServerContext& context) : context_(context) {}
    const std::string& method() const override;
    void handle(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response,
                Exchange& exchange) override;

  private:
    ServerContext& context_;
};

}  // namespace ocop::server
