// POST /desk/conflicts/resolve: the person chose one of a conflict's values. The resolution is
// a changeset of the desk replica (desk_writer.hpp): refused by the permission table like a
// device's would be, audited like one.
#include <Poco/Logger.h>
#include <Poco/NumberParser.h>

#include "ocop/core/error.hpp"
#include "ocop/core/error_codes.hpp"
#include "ocop/server/dashboard/desk_routes.hpp"
#include "ocop/server/dashboard/desk_writer.hpp"

namespace ocop::server::desk {

void desk_resolve_conflict(DeskExchange& x) {
    const Params form = form_params(x.request, x.response, x.exchange);
    check_csrf(*x.viewer, form, x.request);
    const std::string id = param(form, "id");
    unsigned index = 0;
    if (id.empty() || !Poco::NumberParser::tryParseUnsigned(param(form, "index"), index))
        throw Error(ErrorKind::invalid_input, errc::desk_bad_request,
                    "a resolution names the conflict (id) and the chosen value (index)");
    const DeskPushResult r = resolve_conflict(x.ctx, *x.viewer, id, index, x.peer());
    Poco::Logger::get("ocop.server")
        .information("conflict " + id + " resolution by " + x.viewer->who.user + ": " +
                     (r.applied ? "applied" : "refused " + r.code));
    redirect(x.request, x.response,
             r.applied ? "/desk/conflicts?ok=1" : "/desk/conflicts?refused=" + r.code, x.exchange);
}

}  // namespace ocop::server::desk
