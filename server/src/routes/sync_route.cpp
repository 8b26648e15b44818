#include "ocop/server/routes/sync_route.hpp"

#include <Poco/Net/HTTPRequest.h>
#include <Poco/String.h>

#include <optional>

#include "ocop/core/error.hpp"
#include "ocop/core/error_codes.hpp"
#include "ocop/server/http_body.hpp"
#include "ocop/server/http_response.hpp"
#include "ocop/server/push_audit.hpp"
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
    const int64_t received_ms = context_.clock();
    const std::string peer = exchange.client.toString();
    // Authenticate before reading the body: an unknown client gets no 16 MiB of our memory.
    const std::string token = bearer_token(request.get("Authorization", ""));
    if (token.empty())
        throw Error(ErrorKind::unauthorized, errc::auth_missing_token,
                    "this route needs 'Authorization: Bearer <device token>'; log in first");
    const AuthResult auth = context_.accounts.authenticate(token);
    if (!auth.who) {
        // A known device that may no longer sync (revoked, user disabled, token expired) is
        // audited; unknown tokens are not, so that guessing cannot flood the trail.
        if (!auth.device_id.empty())
            context_.audit.append({audit_entry(auth.user, auth.device_id, {}, received_ms, peer,
                                               "rejected", auth.code, auth.message)});
        throw Error(
            ErrorKind::unauthorized, auth.code.empty() ? errc::auth_invalid_token : auth.code,
            auth.message.empty() ? "unknown or revoked device token; log in again" : auth.message);
    }
    const sync::Principal& who = *auth.who;
    exchange.device_id = who.device_id;

    sync::SyncResponse answer;
    sync::SyncRequest req;
    std::optional<WorkGate::Turn> turn;
    try {
        const std::string body = read_body(request, response, context_.limits, exchange);
        // The body is in: from here to the encoded answer the request runs at CPU and disk
        // speed, in its turn.
        if (context_.sync_work) turn.emplace(context_.sync_work->enter());
        req = sync::wire::decode_request(body);
        if (req.replica != who.replica)
            throw Error(ErrorKind::forbidden, errc::sync_replica_mismatch,
                        "this device enrolled as replica " + who.replica + ", not " + req.replica);
        answer = context_.sync.handle(req, who);
    } catch (const Error& e) {
        if (e.kind() != ErrorKind::internal && e.kind() != ErrorKind::transient)
            context_.audit.append({audit_entry(who.user, who.device_id, who.replica, received_ms,
                                               peer, "rejected", e.code(), e.what())});
        throw;
    }
    if (context_.metrics) context_.metrics->count_sync(req, answer);

    // Every changeset's outcome, before the answer leaves: if the trail cannot be written the
    // device gets an error and retries, and the retry is audited as a duplicate with the stored
    // outcome, so no pushed changeset goes unrecorded.
    std::vector<AuditEntry> entries = push_audit_entries(who, received_ms, peer, req, answer);
    if (!entries.empty()) context_.audit.append(std::move(entries));

    answer.new_token = auth.rotated_token;
    std::string encoded = sync::wire::encode(answer);
    turn.reset();  // the answer goes out at the link's speed, without holding a turn
    send_json(request, response, Poco::Net::HTTPResponse::HTTP_OK, encoded, exchange);
}

}  // namespace ocop::server
