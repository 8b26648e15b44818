#include "ocop/server/routes/sync_route.hpp"

#include <Poco/Net/HTTPRequest.h>
#include <Poco/String.h>

#include "ocop/core/error.hpp"
#include "ocop/core/error_codes.hpp"
#include "ocop/server/http_body.hpp"
#include "ocop/server/http_response.hpp"
#include "ocop/sync/wire.hpp"

namespace ocop::server {

std::string bearer_token(const std::string& authorization) {
    const std::string value = Poco::trim(authorization);
    constexpr std::string_view scheme = "bearer ";
    if (value.size() <= scheme.size() ||
        Poco::icompare(value.substr(0, scheme.size()), std::string(scheme)) != 0)
        return {};
    return Poco::trim(value.substr(scheme.size()));
}

const std::string& SyncRoute::method() const {
    return Poco::Net::HTTPRequest::HTTP_POST;
}

void SyncRoute::handle(Poco::Net::HTTPServerRequest& request,
                       Poco::Net::HTTPServerResponse& response, Exchange& exchange) {
    // Authenticate before reading the body: an unknown client gets no 16 MiB of our memory.
    const std::string token = bearer_token(request.get("Authorization", ""));
    if (token.empty())
        throw Error(ErrorKind::unauthorized, errc::auth_missing_token,
                    "this route needs 'Authorization: Bearer <device token>'; log in first");
    const auto who = context_.accounts.authenticate(token);
    if (!who)
        throw Error(ErrorKind::unauthorized, errc::auth_invalid_token,
                    "unknown or revoked device token; log in again");
    exchange.device_id = who->device_id;

    const std::string body = read_body(request, response, context_.limits, exchange);
    const sync::SyncRequest req = sync::wire::decode_request(body);
    if (req.replica != who->replica)
        throw Error(ErrorKind::forbidden, errc::sync_replica_mismatch,
                    "this device enrolled as replica " + who->replica + ", not " + req.replica);
    const sync::SyncResponse answer = context_.sync.handle(req, *who);
    send_json(request, response, Poco::Net::HTTPResponse::HTTP_OK, sync::wire::encode(answer),
              exchange);
}

}  // namespace ocop::server
