// POST /desk/progress/target: the province enters a commune's yearly target (how many products
// it is to have certified that year). An ocop_target record, one per commune and year: entered
// again, the same record is updated. A changeset of the desk replica like every desk change
// (desk_writer.hpp): the permission table lets provincial staff write it, nobody else.
#include <Poco/NumberParser.h>

#include "ocop/core/error.hpp"
#include "ocop/core/error_codes.hpp"
#include "ocop/core/uuid.hpp"
#include "ocop/server/dashboard/desk_routes.hpp"
#include "ocop/server/dashboard/desk_writer.hpp"

namespace ocop::server::desk {

void desk_set_target(DeskExchange& x) {
    const Params form = form_params(x.request, x.response, x.exchange);
    check_csrf(*x.viewer, form, x.request);
    const std::string unit = param(form, "unit");
    int year = 0, products = -1;
    if (unit.empty() || !x.viewer->covers(unit) ||
        !Poco::NumberParser::tryParse(param(form, "year"), year) || year < 2018 || year > 2100 ||
        !Poco::NumberParser::tryParse(param(form, "products"), products) || products < 0 ||
        products > 100000)
        throw Error(ErrorKind::invalid_input, errc::desk_bad_request,
                    "a target names a commune of yours, a year (2018-2100) and a number of "
                    "products (0-100000)");
    // The id names the commune and the year, so that every replica writes the same record.
    const std::string id = name_based_uuid("ocop_target/" + unit + "/" + std::to_string(year));
    std::vector<RecordChange> records{
        {"ocop_target", id, {{"unit", unit, {}}, {"year", year, {}}, {"products", products, {}}}}};
    if (const std::string note = param(form, "note"); !note.empty())
        records.front().fields.push_back({"note", note, {}});
    const DeskPushResult r = push_changes(x.ctx, *x.viewer, std::move(records), x.peer());
    redirect(x.request, x.response,
             r.applied ? "/desk/progress?ok=1" : "/desk/progress?refused=" + r.code, x.exchange);
}

}  // namespace ocop::server::desk
