// The desk's HTTP plumbing: form and query parameters, the session cookie, who is looking
// (the session's device token authenticated again, with the units the user's grants cover) and
// the CSRF check of every form sent back.
#pragma once

#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ocop/server/dashboard/desk_context.hpp"
#include "ocop/server/route.hpp"

namespace ocop::server::desk {

using Params = std::map<std::string, std::string, std::less<>>;

inline constexpr const char* session_cookie_name = "ocop_desk";

// application/x-www-form-urlencoded text: "a=1&b=x+y" ("+" is a space, %XX a byte).
Params parse_urlencoded(std::string_view text);
Params query_params(const Poco::Net::HTTPServerRequest& request);
// A form POSTed as application/x-www-form-urlencoded, at most 64 KiB.
Params form_params(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response,
                   Exchange& exchange);
std::string param(const Params& params, std::string_view key);
// "a=1&b=2" of `params` (values percent-encoded), for links that keep the filters.
std::string encode_params(const Params& params);

struct Viewer {
    DeskSession session;
    sync::Principal who;
    std::vector<std::string> units;  // what the grants cover (ScopePolicy::covered_units), sorted
    bool province_wide = false;      // a grant on a province: sees devices and refusals of all
    bool covers(std::string_view unit) const;
};

// The logged-in viewer, or nullopt: no cookie, an unknown or idle session, or a device token
// that no longer works (revoked, user disabled: the session is closed).
std::optional<Viewer> current_viewer(DeskContext& ctx, Poco::Net::HTTPServerRequest& request);

// A form must carry the session's CSRF token, and a browser's Origin (when sent) must be this
// server. Throws Error(forbidden, desk.csrf).
void check_csrf(const Viewer& viewer, const Params& form,
                const Poco::Net::HTTPServerRequest& request);

// Set-Cookie for the session id (empty `value`: the cookie is cleared).
std::string session_cookie(const DeskContext& ctx, const std::string& value);

void send_html(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response,
               const std::string& html, Exchange& exchange,
               Poco::Net::HTTPResponse::HTTPStatus status = Poco::Net::HTTPResponse::HTTP_OK);
// 303 See Other to `location` (a path of this server).
void redirect(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response,
              const std::string& location, Exchange& exchange);
// Sends a download: `filename` is ASCII.
void send_download(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response,
                   const std::string& content_type, const std::string& filename,
                   const std::string& body, Exchange& exchange);

}  // namespace ocop::server::desk
