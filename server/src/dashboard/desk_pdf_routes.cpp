// GET /desk/pdf/minutes?id=<inspection>, /desk/pdf/form03?id=<registration>,
// /desk/pdf/scores?id=<evaluation>: the printable papers. A record the viewer does not cover is
// answered as one that does not exist.
#include "ocop/core/error.hpp"
#include "ocop/core/error_codes.hpp"
#include "ocop/server/dashboard/desk_pdf.hpp"
#include "ocop/server/dashboard/desk_routes.hpp"

namespace ocop::server::desk {

namespace {

template <typename Render>
void send_pdf(DeskExchange& x, const char* collection, const char* name, Render render) {
    const std::string id = param(query_params(x.request), "id");
    DeskData data(x.ctx, *x.viewer);
    const auto record = data.record(collection, id);
    if (!record)
        throw Error(ErrorKind::not_found, errc::record_not_found,
                    std::string("no ") + collection + " " + id.substr(0, 64) + " for this user");
    std::string safe_id;
    for (char c : id.substr(0, 36))
        safe_id += std::isalnum(static_cast<unsigned char>(c)) || c == '-' ? c : '_';
    send_download(x.request, x.response, "application/pdf",
                  std::string(name) + "-" + safe_id + ".pdf", render(data, *record), x.exchange);
}

}  // namespace

void desk_pdf_minutes(DeskExchange& x) {
    send_pdf(x, "inspection", "bien-ban", inspection_minutes_pdf);
}

void desk_pdf_form03(DeskExchange& x) {
    send_pdf(x, "registration", "mau-03", commune_report_pdf);
}

void desk_pdf_scores(DeskExchange& x) {
    send_pdf(x, "evaluation", "phieu-cham", score_sheets_pdf);
}

}  // namespace ocop::server::desk
