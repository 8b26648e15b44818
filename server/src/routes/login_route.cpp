#include "ocop/server/routes/login_route.hpp"

#include <Poco/Logger.h>
#include <Poco/Net/HTTPRequest.h>

#include <nlohmann/json.hpp>

#include "ocop/core/changeset_codec.hpp"
#include "ocop/core/error.hpp"
#include "ocop/core/error_codes.hpp"
#include "ocop/server/http_body.hpp"
#include "ocop/server/http_response.hpp"
#include "ocop/server/tuning.hpp"

namespace ocop::server {

namespace {

std::string text_member(const nlohmann::json& doc, const char* key, bool required) {
    const auto it = doc.find(key);
    if (it == doc.end() || it->is_null()) {
        if (!required) return {};
        throw Error(ErrorKind::invalid_input, errc::http_bad_json,
                    std::string("login request lacks '") + key + "'");
    }
    if (!it->is_string())
        throw Error(ErrorKind::invalid_input, errc::http_bad_json,
                    std::string("login request: '") + key + "' must be a string");
    return it->get<std::string>();
}

// A user name as it may appear in a log line: printable ASCII, at most 64 characters (what a
// request sends is not trusted to be a valid name; a newline must not forge a log line).
std::string loggable(std::string_view name) {
    std::string out;
    for (char c : name.substr(0, 64)) out.push_back(c >= 0x20 && c <= 0x7e ? c : '?');
    return out;
}

}  // namespace

const std::string& LoginRoute::method() const {
    return Poco::Net::HTTPRequest::HTTP_POST;
}

void LoginRoute::handle(Poco::Net::HTTPServerRequest& request,
                        Poco::Net::HTTPServerResponse& response, Exchange& exchange) {
    const BodyLimits limits{tuning::max_login_body_bytes, tuning::max_login_body_bytes};
    const std::string body = read_body(request, response, limits, exchange);
    const nlohmann::json doc = codec::parse_limited(body, limits.max_inflated, errc::http_bad_json,
                                                    errc::http_body_too_large);
    if (!doc.is_object())
        throw Error(ErrorKind::invalid_input, errc::http_bad_json,
                    "a login request is a JSON object");
    EnrollRequest req;
    req.user = text_member(doc, "user", true);
    req.password = text_member(doc, "password", true);
    req.replica = text_member(doc, "replica", true);
    req.device_name = text_member(doc, "device_name", false);
    req.app_version = text_member(doc, "app_version", false);

    auto& log = Poco::Logger::get("ocop.auth");
    const std::string peer = exchange.client.toString();
    const std::string address = LoginThrottle::address_key(exchange.client);
    if (const auto wait = throttle_.retry_after(req.user, address); wait.count() > 0) {
        // Answered before any password work: a guesser gets nothing for its request.
        const std::string seconds = std::to_string((wait.count() + 999) / 1000);
        log.notice("login throttled for user '" + loggable(req.user) + "' from " + peer + " (" +
                   seconds + " s left)");
        response.set("Retry-After", seconds);
        send_error(request, response, Poco::Net::HTTPResponse::HTTP_TOO_MANY_REQUESTS,
                   errc::auth_throttled,
                   "too many failed logins for this user or from this address: try again in " +
                       seconds + " s",
                   exchange);
        return;
    }
    Enrollment enrolled;
    try {
        enrolled = context_.accounts.enroll(req);
    } catch (const Error& e) {
        if (e.code() == errc::auth_bad_credentials) throttle_.record_failure(req.user, address);
        log.notice("login refused (" + e.code() + ") for user '" + loggable(req.user) + "' from " +
                   peer);
        throw;
    }
    throttle_.record_success(req.user);
    exchange.device_id = enrolled.device.id;
    log.information("device " + enrolled.device.id + " (replica " + enrolled.device.replica +
                    ") enrolled for user " + enrolled.device.user + " from " + peer);

    const nlohmann::json answer = {{"token", enrolled.token},
                                   {"device_id", enrolled.device.id},
                                   {"user", enrolled.device.user},
                                   {"server_id", context_.server_id},
                                   {"server_time_ms", context_.clock()}};
    send_json(request, response, Poco::Net::HTTPResponse::HTTP_OK, answer.dump(), exchange);
}

}  // namespace ocop::server
