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
    const std::string peer = request.clientAddress().host().toString();
    Enrollment enrolled;
    try {
        enrolled = context_.accounts.enroll(req);
    } catch (const Error& e) {
        log.notice("login refused (" + e.code() + ") for user '" + req.user.substr(0, 64) +
                   "' from " + peer);
        throw;
    }
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
