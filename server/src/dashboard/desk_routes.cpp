#include "ocop/server/dashboard/desk_routes.hpp"

#include <Poco/Net/HTTPRequest.h>

#include "ocop/core/error.hpp"
#include "ocop/core/error_codes.hpp"

namespace ocop::server::desk {

namespace {

enum class Access {
    open,    // no session needed (the login page, the stylesheet)
    page,    // without a session: redirect to the login page
    action,  // without a session: 401 desk.login_required
};

class DeskRoute final : public Route {
  public:
    DeskRoute(DeskContext& ctx, const std::string& method, Access access, DeskHandler handler)
        : ctx_(ctx), method_(method), access_(access), handler_(handler) {}
    const std::string& method() const override { return method_; }
    void handle(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response,
                Exchange& exchange) override {
        std::optional<Viewer> viewer;
        if (access_ != Access::open) {
            viewer = current_viewer(ctx_, request);
            if (!viewer && access_ == Access::page) {
                redirect(request, response, "/desk/login", exchange);
                return;
            }
            if (!viewer)
                throw Error(ErrorKind::unauthorized, errc::desk_login_required,
                            "log in to the desk first (/desk/login)");
            exchange.device_id = viewer->who.device_id;
        }
        DeskExchange x{ctx_, request, response, exchange, viewer ? &*viewer : nullptr};
        handler_(x);
    }

  private:
    DeskContext& ctx_;
    const std::string& method_;
    Access access_;
    DeskHandler handler_;
};

}  // namespace

void add_desk_routes(Router& router, DeskContext& ctx) {
    const std::string& get = Poco::Net::HTTPRequest::HTTP_GET;
    const std::string& post = Poco::Net::HTTPRequest::HTTP_POST;
    const auto add = [&](const char* path, const std::string& method, Access access,
                         DeskHandler handler) {
        router.add(path, std::make_unique<DeskRoute>(ctx, method, access, handler));
    };
    add("/desk", get, Access::open, desk_home);
    add("/desk/login", get, Access::open, desk_login_page);
    add("/desk/session", post, Access::open, desk_login);
    add("/desk/logout", post, Access::action, desk_logout);
    add("/desk/static/desk.css", get, Access::open, desk_stylesheet);
    for (const char* list :
         {"/desk/products", "/desk/certificates", "/desk/evaluations", "/desk/inspections",
          "/desk/conflicts", "/desk/refused", "/desk/devices", "/desk/progress"})
        add(list, get, Access::page, desk_list_page);
    add("/desk/inspection", get, Access::page, desk_inspection_page);
    add("/desk/conflicts/resolve", post, Access::action, desk_resolve_conflict);
    add("/desk/progress/target", post, Access::action, desk_set_target);
    add("/desk/export", get, Access::action, desk_export);
    add("/desk/pdf/minutes", get, Access::action, desk_pdf_minutes);
    add("/desk/pdf/form03", get, Access::action, desk_pdf_form03);
    add("/desk/pdf/scores", get, Access::action, desk_pdf_scores);
}

}  // namespace ocop::server::desk
