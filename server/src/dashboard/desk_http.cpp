#include "ocop/server/dashboard/desk_http.hpp"

#include <Poco/Net/HTTPCookie.h>
#include <Poco/Net/NameValueCollection.h>
#include <Poco/URI.h>

#include <algorithm>

#include "ocop/core/error.hpp"
#include "ocop/core/error_codes.hpp"
#include "ocop/server/http_body.hpp"
#include "ocop/server/http_response.hpp"
#include "ocop/server/secrets.hpp"

namespace ocop::server::desk {

namespace {

int hex_digit(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

std::string url_decode(std::string_view s) {
    std::string out;
    for (size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '+') {
            out.push_back(' ');
        } else if (s[i] == '%' && i + 2 < s.size() && hex_digit(s[i + 1]) >= 0 &&
                   hex_digit(s[i + 2]) >= 0) {
            out.push_back(static_cast<char>(hex_digit(s[i + 1]) * 16 + hex_digit(s[i + 2])));
            i += 2;
        } else {
            out.push_back(s[i]);
        }
    }
    return out;
}

constexpr size_t max_form_bytes = 64 * 1024;

}  // namespace

Params parse_urlencoded(std::string_view text) {
    Params out;
    while (!text.empty()) {
        const size_t amp = text.find('&');
        const std::string_view pair = text.substr(0, amp);
        text = amp == std::string_view::npos ? std::string_view() : text.substr(amp + 1);
        if (pair.empty()) continue;
        const size_t eq = pair.find('=');
        std::string key = url_decode(pair.substr(0, eq));
        std::string value = eq == std::string_view::npos ? "" : url_decode(pair.substr(eq + 1));
        out.emplace(std::move(key), std::move(value));  // the first of repeated keys counts
    }
    return out;
}

Params query_params(const Poco::Net::HTTPServerRequest& request) {
    const std::string& uri = request.getURI();
    const size_t q = uri.find('?');
    if (q == std::string::npos) return {};
    return parse_urlencoded(std::string_view(uri).substr(q + 1, uri.find('#', q) - q - 1));
}

Params form_params(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response,
                   Exchange& exchange) {
    const std::string body =
        read_body(request, response, {max_form_bytes, max_form_bytes}, exchange);
    return parse_urlencoded(body);
}

std::string param(const Params& params, std::string_view key) {
    const auto it = params.find(key);
    return it == params.end() ? std::string() : it->second;
}

std::string encode_params(const Params& params) {
    std::string out;
    for (const auto& [k, v] : params) {
        if (v.empty()) continue;
        std::string ek, ev;
        Poco::URI::encode(k, "&=+?#/", ek);
        Poco::URI::encode(v, "&=+?#/", ev);
        out += (out.empty() ? "" : "&") + ek + "=" + ev;
    }
    return out;
}

bool Viewer::covers(std::string_view unit) const {
    return std::binary_search(units.begin(), units.end(), unit);
}

std::optional<Viewer> current_viewer(DeskContext& ctx, Poco::Net::HTTPServerRequest& request) {
    Poco::Net::NameValueCollection cookies;
    request.getCookies(cookies);
    const std::string id = cookies.get(session_cookie_name, "");
    if (id.empty()) return std::nullopt;
    auto session = ctx.sessions.find(id);
    if (!session) return std::nullopt;
    const AuthResult auth = ctx.server.accounts.authenticate(session->token);
    if (!auth.who) {
        ctx.sessions.close(id);
        return std::nullopt;
    }
    if (auth.rotated_token) {
        ctx.sessions.replace_token(id, *auth.rotated_token);
        session->token = *auth.rotated_token;
    }
    Viewer v;
    v.session = std::move(*session);
    v.who = *auth.who;
    v.units = ctx.scope.covered_units(ctx.server.store, v.who.grants);
    std::sort(v.units.begin(), v.units.end());
    for (const auto& g : v.who.grants)
        if (const auto unit = ctx.server.store.read("admin_unit", g.unit))
            if (unit->get("level") == Value("province")) v.province_wide = true;
    return v;
}

void check_csrf(const Viewer& viewer, const Params& form,
                const Poco::Net::HTTPServerRequest& request) {
    const std::string sent = param(form, "csrf");
    if (sent.empty() || !secrets::constant_time_equal(sent, viewer.session.csrf))
        throw Error(ErrorKind::forbidden, errc::desk_csrf,
                    "the form does not carry this session's CSRF token: reload the page");
    const std::string origin = request.get("Origin", "");
    if (!origin.empty() && origin != "null") {
        // The Origin's host[:port] is the Host this request was sent to, or another site posted it.
        const std::string authority = Poco::URI(origin).getAuthority();
        if (authority != request.getHost())
            throw Error(ErrorKind::forbidden, errc::desk_csrf,
                        "the form was sent from another site (" + authority + ")");
    }
}

std::string session_cookie(const DeskContext& ctx, const std::string& value) {
    Poco::Net::HTTPCookie cookie(session_cookie_name, value);
    cookie.setPath("/desk");
    cookie.setHttpOnly(true);
    cookie.setSameSite(Poco::Net::HTTPCookie::SAME_SITE_STRICT);
    cookie.setSecure(ctx.secure_cookies);
    if (value.empty()) cookie.setMaxAge(0);
    return cookie.toString();
}

namespace {

void no_store(Poco::Net::HTTPServerResponse& response) {
    response.set("Cache-Control", "no-store");
    response.set("X-Content-Type-Options", "nosniff");
    response.set("X-Frame-Options", "DENY");
    response.set("Referrer-Policy", "same-origin");
    response.set("Content-Security-Policy",
                 "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
                 "form-action 'self'; frame-ancestors 'none'");
}

}  // namespace

void send_html(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response,
               const std::string& html, Exchange& exchange,
               Poco::Net::HTTPResponse::HTTPStatus status) {
    no_store(response);
    send_body(request, response, status, "text/html; charset=utf-8", html, exchange);
}

void redirect(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response,
              const std::string& location, Exchange& exchange) {
    no_store(response);
    response.set("Location", location);
    send_body(request, response, Poco::Net::HTTPResponse::HTTP_SEE_OTHER,
              "text/plain; charset=utf-8", "", exchange);
}

void send_download(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response,
                   const std::string& content_type, const std::string& filename,
                   const std::string& body, Exchange& exchange) {
    no_store(response);
    response.set("Content-Disposition", "attachment; filename=\"" + filename + "\"");
    send_body(request, response, Poco::Net::HTTPResponse::HTTP_OK, content_type, body, exchange);
}

}  // namespace ocop::server::desk
