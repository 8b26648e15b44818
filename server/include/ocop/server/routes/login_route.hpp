// POST /v1/login: enrols a device. Body {"user","password","replica","device_name","app_version"};
// answer {"token","device_id","user","server_id","server_time_ms"}. The token is shown only here;
// the server keeps its SHA-256. Logging in again with the same replica re-enrols the device.
// Failed logins are throttled per user name and per address (login_throttle.hpp): while locked
// out the answer is 429 auth.throttled with Retry-After (seconds), and no password is checked.
#pragma once

#include "ocop/server/login_throttle.hpp"
#include "ocop/server/route.hpp"
#include "ocop/server/server_context.hpp"

namespace ocop::server {

class LoginRoute final : public Route {
  public:
    LoginRoute(ServerContext& context, LoginThrottle& throttle)
        : context_(context), throttle_(throttle) {}
    const std::string& method() const override;
    void handle(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response,
                Exchange& exchange) override;

  private:
    ServerContext& context_;
    LoginThrottle& throttle_;
};

}  // namespace ocop::server
