// GET /desk/inspection?id=: one inspection with its findings, samples and failed lab results.
// An inspection the viewer does not cover is answered as one that does not exist.
#include "ocop/core/error.hpp"
#include "ocop/core/error_codes.hpp"
#include "ocop/server/dashboard/desk_html.hpp"
#include "ocop/server/dashboard/desk_lists.hpp"
#include "ocop/server/dashboard/desk_routes.hpp"

namespace ocop::server::desk {

namespace {

std::string text_of(const Value& v) {
    if (v.is_null()) return {};
    return v.is_string() ? v.get<std::string>() : v.dump();
}

std::string row(std::initializer_list<std::string> cells, bool head = false) {
    std::string html = "<tr>";
    for (const auto& c : cells)
        html += (head ? "<th>" : "<td>") + esc(c) + (head ? "</th>" : "</td>");
    return html + "</tr>";
}

}  // namespace

void desk_inspection_page(DeskExchange& x) {
    const Params params = query_params(x.request);
    DeskData data(x.ctx, *x.viewer);
    const auto insp = data.record("inspection", param(params, "id"));
    if (!insp)
        throw Error(ErrorKind::not_found, errc::record_not_found,
                    "no inspection " + param(params, "id").substr(0, 64) + " for this user");
    std::string body = "<table class=\"record\">";
    for (const char* f : {"site_name", "kind", "started_at", "ended_at", "gps_lat", "gps_lon",
                          "conclusion", "status", "signed_by", "signed_at"})
        body += row({field_label("inspection", f), shown("inspection", f, insp->get(f))});
    body += row({"Xã/phường", data.unit_name(text_of(insp->get("unit")))}) + "</table>";
    body +=
        "<p><a href=\"/desk/pdf/minutes?id=" + esc(insp->id) + "\">Biên bản kiểm tra (PDF)</a></p>";

    body += "<h2>Phát hiện</h2><table>" + row({"Tiêu chí", "Mức độ", "Mô tả"}, true);
    for (const auto& f : data.referencing("finding", "inspection", insp->id))
        body += row({text_of(f.get("criterion")), shown("finding", "severity", f.get("severity")),
                     text_of(f.get("description"))});
    body += "</table><h2>Mẫu</h2><table>" +
            row({"Mã mẫu", "Lô", "Số niêm phong", "Phòng thử nghiệm", "Kết quả", "Ngày có kết quả"},
                true);
    std::string failed;
    for (const auto& s : data.referencing("sample", "inspection", insp->id)) {
        body +=
            row({text_of(s.get("sample_code")), text_of(s.get("lot")), text_of(s.get("seal_no")),
                 text_of(s.get("lab")), shown("sample", "result_status", s.get("result_status")),
                 text_of(s.get("results_received_on"))});
        if (s.get("result_status") == Value("fail"))
            failed += row(
                {text_of(s.get("sample_code")), text_of(s.get("lab")), text_of(s.get("results"))});
    }
    body += "</table><h2>Kết quả thử nghiệm không đạt</h2>";
    body += failed.empty()
                ? "<p>Không có.</p>"
                : "<table class=\"failed\">" +
                      row({"Mã mẫu", "Phòng thử nghiệm", "Kết quả"}, true) + failed + "</table>";
    send_html(
        x.request, x.response,
        page("Kiểm tra: " + text_of(insp->get("site_name")), x.viewer, "/desk/inspections", body),
        x.exchange);
}

}  // namespace ocop::server::desk
