// The desk's routes, all under /desk, registered by add_desk_routes (the one table of them is in
// desk_routes.cpp). Pages answer a browser without a session with a redirect to the login page;
// actions and downloads answer it 401 desk.login_required. Every POST carries the session's CSRF
// token.
#pragma once

#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>

#include "ocop/server/dashboard/desk_context.hpp"
#include "ocop/server/dashboard/desk_http.hpp"
#include "ocop/server/route.hpp"
#include "ocop/server/router.hpp"

namespace ocop::server::desk {

// One request to a desk route.
struct DeskExchange {
    DeskContext& ctx;
    Poco::Net::HTTPServerRequest& request;
    Poco::Net::HTTPServerResponse& response;
    Exchange& exchange;
    const Viewer* viewer;  // set for every route but the public ones
    std::string peer() const { return exchange.client.toString(); }
};

using DeskHandler = void (*)(DeskExchange&);

void add_desk_routes(Router& router, DeskContext& ctx);

// The handlers (one file per area: desk_login_routes.cpp, desk_list_routes.cpp,
// desk_conflict_routes.cpp, desk_inspection_route.cpp, desk_export_routes.cpp,
// desk_pdf_routes.cpp).
void desk_home(DeskExchange& x);
void desk_login_page(DeskExchange& x);
void desk_login(DeskExchange& x);
void desk_logout(DeskExchange& x);
void desk_stylesheet(DeskExchange& x);
void desk_list_page(DeskExchange& x);  // the list named by the path's last part
void desk_inspection_page(DeskExchange& x);
void desk_resolve_conflict(DeskExchange& x);
void desk_set_target(DeskExchange& x);  // desk_target_route.cpp
void desk_export(DeskExchange& x);
void desk_pdf_minutes(DeskExchange& x);
void desk_pdf_form03(DeskExchange& x);
void desk_pdf_scores(DeskExchange& x);

}  // namespace ocop::server::desk
