// GET /desk/export?list=L&format=csv|xlsx&<the list's filters>: the rows the list page shows,
// whole (the page shows only the first ones).
#include "ocop/core/error.hpp"
#include "ocop/core/error_codes.hpp"
#include "ocop/server/dashboard/desk_export.hpp"
#include "ocop/server/dashboard/desk_routes.hpp"

namespace ocop::server::desk {

void desk_export(DeskExchange& x) {
    const Params params = query_params(x.request);
    const std::string format = param(params, "format");
    if (format != "csv" && format != "xlsx")
        throw Error(ErrorKind::invalid_input, errc::desk_bad_request,
                    "format must be csv or xlsx, not '" + format.substr(0, 16) + "'");
    DeskData data(x.ctx, *x.viewer);
    const DeskTable t = build_list(data, param(params, "list"), params);
    const std::string filename = "ocop-" + t.list + "." + format;
    if (format == "csv")
        send_download(x.request, x.response, "text/csv; charset=utf-8", filename, to_csv(t),
                      x.exchange);
    else
        send_download(x.request, x.response,
                      "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", filename,
                      to_xlsx(t), x.exchange);
}

}  // namespace ocop::server::desk
