#include "ocop/server/routes/health_route.hpp"

#include <Poco/Net/HTTPRequest.h>

#include <nlohmann/json.hpp>

#include "ocop/server/http_response.hpp"

namespace ocop::server {

const std::string& HealthRoute::method() const {
    return Poco::Net::HTTPRequest::HTTP_GET;
}

void HealthRoute::handle(Poco::Net::HTTPServerRequest& request,
                         Poco::Net::HTTPServerResponse& response, Exchange& exchange) {
    const nlohmann::json body = {{"status", "ok"},
                                 {"server_id", context_.server_id},
                                 {"head", context_.store.head()},
                                 {"version", server_version}};
    send_json(request, response, Poco::Net::HTTPResponse::HTTP_OK, body.dump(), exchange);
}

}  // namespace ocop::server
