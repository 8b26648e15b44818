// The desk's login, logout, home and stylesheet. The login goes through the same account store
// and login throttle as POST /v1/login.
#include <Poco/Logger.h>

#include "ocop/core/error.hpp"
#include "ocop/core/error_codes.hpp"
#include "ocop/server/dashboard/desk_html.hpp"
#include "ocop/server/dashboard/desk_routes.hpp"
#include "ocop/server/http_response.hpp"

namespace ocop::server::desk {

extern const char* const desk_css;  // server/web/desk.css, embedded by CMake

namespace {

std::string login_form(std::string_view message, bool error) {
    std::string body;
    if (!message.empty()) body += notice(message, error);
    body +=
        "<form class=\"login\" method=\"post\" action=\"/desk/session\">"
        "<label>Tên đăng nhập <input name=\"user\" autocomplete=\"username\" required></label>"
        "<label>Mật khẩu <input name=\"password\" type=\"password\" "
        "autocomplete=\"current-password\" required></label>"
        "<button type=\"submit\">Đăng nhập</button></form>";
    return page("Đăng nhập", nullptr, "", body);
}

// Login forms have no session yet, so no CSRF token: a browser's Origin must be this server.
bool same_origin(const Poco::Net::HTTPServerRequest& request) {
    const std::string origin = request.get("Origin", "");
    if (origin.empty()) return true;
    const auto scheme_end = origin.find("://");
    return scheme_end != std::string::npos && origin.substr(scheme_end + 3) == request.getHost();
}

std::string loggable(std::string_view name) {
    std::string out;
    for (char c : name.substr(0, 64)) out.push_back(c >= 0x20 && c <= 0x7e ? c : '?');
    return out;
}

}  // namespace

void desk_home(DeskExchange& x) {
    const bool in = current_viewer(x.ctx, x.request).has_value();
    redirect(x.request, x.response, in ? "/desk/products" : "/desk/login", x.exchange);
}

void desk_login_page(DeskExchange& x) {
    send_html(x.request, x.response, login_form("", false), x.exchange);
}

void desk_login(DeskExchange& x) {
    const Params form = form_params(x.request, x.response, x.exchange);
    if (!same_origin(x.request))
        throw Error(ErrorKind::forbidden, errc::desk_csrf, "the login was sent from another site");
    EnrollRequest req;
    req.user = param(form, "user");
    req.password = param(form, "password");
    req.replica = desk_replica(req.user);
    req.device_name = "Bàn làm việc (trình duyệt)";
    req.app_version = std::string("ocop-desk/") + server_version;

    auto& log = Poco::Logger::get("ocop.auth");
    const std::string address = LoginThrottle::address_key(x.exchange.client);
    if (const auto wait = x.ctx.throttle.retry_after(req.user, address); wait.count() > 0) {
        const std::string seconds = std::to_string((wait.count() + 999) / 1000);
        log.notice("desk login throttled for user '" + loggable(req.user) + "' from " + x.peer());
        x.response.set("Retry-After", seconds);
        x.exchange.error_code = errc::auth_throttled;
        send_html(
            x.request, x.response,
            login_form("Đăng nhập sai quá nhiều lần. Vui lòng thử lại sau " + seconds + " giây.",
                       true),
            x.exchange, Poco::Net::HTTPResponse::HTTP_TOO_MANY_REQUESTS);
        return;
    }
    Enrollment enrolled;
    try {
        enrolled = x.ctx.server.accounts.enroll(req);
    } catch (const Error& e) {
        if (e.code() != errc::auth_bad_credentials && e.code() != errc::auth_bad_username) throw;
        x.ctx.throttle.record_failure(req.user, address);
        log.notice("desk login refused (" + e.code() + ") for user '" + loggable(req.user) +
                   "' from " + x.peer());
        x.exchange.error_code = e.code();
        send_html(x.request, x.response,
                  login_form("Tên đăng nhập hoặc mật khẩu không đúng.", true), x.exchange,
                  Poco::Net::HTTPResponse::HTTP_UNAUTHORIZED);
        return;
    }
    x.ctx.throttle.record_success(req.user);
    x.exchange.device_id = enrolled.device.id;
    log.information("desk session for user " + enrolled.device.user + " from " + x.peer());
    const DeskSession s =
        x.ctx.sessions.open(enrolled.device.user, enrolled.token, enrolled.device.replica);
    x.response.set("Set-Cookie", session_cookie(x.ctx, s.id));
    redirect(x.request, x.response, "/desk/products", x.exchange);
}

void desk_logout(DeskExchange& x) {
    const Params form = form_params(x.request, x.response, x.exchange);
    check_csrf(*x.viewer, form, x.request);
    x.ctx.sessions.close(x.viewer->session.id);
    x.response.set("Set-Cookie", session_cookie(x.ctx, ""));
    redirect(x.request, x.response, "/desk/login", x.exchange);
}

void desk_stylesheet(DeskExchange& x) {
    x.response.set("Cache-Control", "max-age=3600");
    send_body(x.request, x.response, Poco::Net::HTTPResponse::HTTP_OK, "text/css; charset=utf-8",
              desk_css, x.exchange);
}

}  // namespace ocop::server::desk
