// The list pages: filters, the table (the same rows the exports hold), export links; the
// inspections page adds its GPS plot, the conflicts page a choice of value for each conflict.
#include <algorithm>
#include <cstdio>

#include "ocop/core/messages_vi.hpp"
#include "ocop/server/dashboard/desk_html.hpp"
#include "ocop/server/dashboard/desk_lists.hpp"
#include "ocop/server/dashboard/desk_routes.hpp"

namespace ocop::server::desk {

namespace {

constexpr size_t max_rows_shown = 500;

std::string filters_form(DeskData& data, std::string_view list, const Params& params) {
    std::string html =
        "<form class=\"filters\" method=\"get\" action=\"/desk/" + std::string(list) + "\">";
    for (const auto& f : list_filters(data, list)) {
        const std::string current = param(params, f.name);
        html += "<label>" + esc(f.label) + " ";
        if (f.options.empty()) {
            html += "<input type=\"search\" name=\"" + esc(f.name) + "\" value=\"" + esc(current) +
                    "\">";
        } else {
            html += "<select name=\"" + esc(f.name) + "\"><option value=\"\">Tất cả</option>";
            for (const auto& [value, label] : f.options)
                html += "<option value=\"" + esc(value) + "\"" +
                        (value == current ? " selected" : "") + ">" + esc(label) + "</option>";
            html += "</select>";
        }
        html += "</label>";
    }
    html += "<button type=\"submit\">Lọc</button></form>";
    return html;
}

std::string export_links(std::string_view list, Params params) {
    params.erase("ok");
    params.erase("refused");
    params["list"] = std::string(list);
    std::string html = "<p class=\"exports\">Tải về: ";
    for (const char* format : {"csv", "xlsx"}) {
        params["format"] = format;
        html += "<a class=\"export-" + std::string(format) + "\" href=\"/desk/export?" +
                esc(encode_params(params)) + "\">" +
                (format == std::string("csv") ? "CSV" : "Excel") + "</a> ";
    }
    return html + "</p>";
}

std::string table_html(const DeskTable& t) {
    std::string html = "<p class=\"count\">" + std::to_string(t.rows.size()) + " dòng";
    if (t.rows.size() > max_rows_shown)
        html += " (hiển thị " + std::to_string(max_rows_shown) + " dòng đầu; tải về để xem đủ)";
    html += "</p><table><thead><tr>";
    for (const auto& h : t.headers) html += "<th>" + esc(h) + "</th>";
    const bool links =
        std::any_of(t.links.begin(), t.links.end(), [](const auto& l) { return !l.empty(); });
    if (links) html += "<th></th>";
    html += "</tr></thead><tbody>";
    for (size_t i = 0; i < t.rows.size() && i < max_rows_shown; ++i) {
        html += "<tr data-id=\"" + esc(t.ids[i]) + "\">";
        for (const auto& c : t.rows[i])
            html += std::string(c.kind == DeskCell::Kind::number ? "<td class=\"num\">" : "<td>") +
                    esc(c.text) + "</td>";
        if (links) {
            html += "<td class=\"links\">";
            for (const auto& l : t.links[i])
                html += "<a href=\"" + esc(l.href) + "\">" + esc(l.label) + "</a> ";
            html += "</td>";
        }
        html += "</tr>";
    }
    return html + "</tbody></table>";
}

// The inspections' GPS points on an equirectangular plot of their bounding box: red where a
// sample failed.
std::string gps_plot(const DeskTable& t) {
    constexpr size_t lat = 7, lon = 8, failed = 6;
    double min_lat = 90, max_lat = -90, min_lon = 180, max_lon = -180;
    size_t points = 0;
    for (const auto& r : t.rows) {
        if (r[lat].kind != DeskCell::Kind::number || r[lon].kind != DeskCell::Kind::number)
            continue;
        min_lat = std::min(min_lat, r[lat].number);
        max_lat = std::max(max_lat, r[lat].number);
        min_lon = std::min(min_lon, r[lon].number);
        max_lon = std::max(max_lon, r[lon].number);
        ++points;
    }
    if (points == 0) return "<p>Không có tọa độ GPS để vẽ.</p>";
    const double w = 640, h = 400, pad = 20;
    const double dlat = std::max(max_lat - min_lat, 1e-4), dlon = std::max(max_lon - min_lon, 1e-4);
    std::string svg =
        "<figure><svg class=\"gps\" viewBox=\"0 0 640 400\" role=\"img\" "
        "aria-label=\"Vị trí các cuộc kiểm tra\"><rect width=\"640\" height=\"400\" "
        "class=\"frame\"/>";
    char buf[200];
    size_t drawn = 0;
    for (size_t i = 0; i < t.rows.size() && drawn < 5000; ++i) {
        const auto& r = t.rows[i];
        if (r[lat].kind != DeskCell::Kind::number || r[lon].kind != DeskCell::Kind::number)
            continue;
        const double x = pad + (r[lon].number - min_lon) / dlon * (w - 2 * pad);
        const double y = pad + (max_lat - r[lat].number) / dlat * (h - 2 * pad);
        std::snprintf(buf, sizeof buf, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"4\" class=\"%s\">", x,
                      y, r[failed].number > 0 ? "fail" : "ok");
        svg += buf;
        svg += "<title>" + esc(r[0].text) + "</title></circle>";
        ++drawn;
    }
    std::snprintf(buf, sizeof buf,
                  "</svg><figcaption>%zu điểm; vĩ độ %.4f–%.4f, kinh độ %.4f–%.4f; đỏ: có mẫu "
                  "không đạt</figcaption></figure>",
                  drawn, min_lat, max_lat, min_lon, max_lon);
    return svg + buf;
}

// Each open conflict with a button per listed value: choosing one pushes the resolution.
std::string conflict_forms(DeskData& data, const DeskTable& t, const Viewer& viewer) {
    std::string html = "<div class=\"conflicts\">";
    for (size_t i = 0; i < t.rows.size() && i < max_rows_shown; ++i) {
        const auto c = data.record("conflict", t.ids[i]);
        if (!c) continue;
        html += "<section class=\"conflict\" data-id=\"" + esc(c->id) + "\"><h2>" +
                esc(t.rows[i][0].text) + " – " + esc(t.rows[i][1].text) + "</h2>";
        const Value& values = c->get("values");
        if (values.is_array())
            for (size_t v = 0; v < values.size(); ++v) {
                const Value& value = values[v].value("value", Value());
                html += "<form method=\"post\" action=\"/desk/conflicts/resolve\">" +
                        csrf_input(viewer) + "<input type=\"hidden\" name=\"id\" value=\"" +
                        esc(c->id) + "\"><input type=\"hidden\" name=\"index\" value=\"" +
                        std::to_string(v + 1) + "\"><button type=\"submit\">Chọn: " +
                        esc(value.is_string() ? value.get<std::string>() : value.dump()) +
                        "</button> <span class=\"writer\">" +
                        esc(values[v].value("user", Value("")).is_string()
                                ? values[v].value("user", Value("")).get<std::string>()
                                : "") +
                        " " +
                        esc(values[v].value("written_at", Value("")).is_string()
                                ? values[v].value("written_at", Value("")).get<std::string>()
                                : "") +
                        "</span></form>";
            }
        html += "</section>";
    }
    return html + "</div>";
}

// The province enters a commune's yearly target here (desk_target_route.cpp).
std::string target_form(DeskData& data, const Viewer& viewer) {
    std::string html =
        "<form class=\"filters target\" method=\"post\" "
        "action=\"/desk/progress/target\">" +
        csrf_input(viewer) + "<label>Xã/phường <select name=\"unit\" required>";
    for (const auto& [id, name] : data.communes())
        html += "<option value=\"" + esc(id) + "\">" + esc(name) + "</option>";
    const int year = data.ctx().today().year();
    html +=
        "</select></label><label>Năm <input name=\"year\" type=\"number\" min=\"2018\" "
        "max=\"2100\" value=\"" +
        std::to_string(year) +
        "\" required></label><label>Chỉ tiêu (sản phẩm) <input name=\"products\" "
        "type=\"number\" min=\"0\" required></label><label>Ghi chú <input name=\"note\">"
        "</label><button type=\"submit\">Lưu chỉ tiêu</button></form>";
    return html;
}

}  // namespace

void desk_list_page(DeskExchange& x) {
    const std::string& uri = x.request.getURI();
    const std::string path = uri.substr(0, uri.find_first_of("?#"));
    const std::string list = path.substr(path.rfind('/') + 1);
    const Params params = query_params(x.request);
    DeskData data(x.ctx, *x.viewer);
    const DeskTable t = build_list(data, list, params);

    std::string body;
    if (param(params, "ok") == "1") body += notice("Đã ghi nhận lựa chọn.", false);
    if (const std::string code = param(params, "refused"); !code.empty()) {
        const std::string_view vi = message_vi(code);
        body += notice("Thay đổi bị từ chối (" + code + ")" +
                           (vi.empty() ? std::string() : ": " + std::string(vi)),
                       true);
    }
    body += filters_form(data, list, params) + export_links(list, params);
    if (list == "inspections") body += gps_plot(t);
    if (list == "conflicts") body += conflict_forms(data, t, *x.viewer);
    if (list == "progress" && x.viewer->province_wide) body += target_form(data, *x.viewer);
    body += table_html(t);
    send_html(x.request, x.response, page(t.title, x.viewer, path, body), x.exchange);
}

}  // namespace ocop::server::desk
