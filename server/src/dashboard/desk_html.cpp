#include "ocop/server/dashboard/desk_html.hpp"

#include <utility>

namespace ocop::server::desk {

std::string esc(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (char c : text) {
        switch (c) {
            case '&':
                out += "&amp;";
                break;
            case '<':
                out += "&lt;";
                break;
            case '>':
                out += "&gt;";
                break;
            case '"':
                out += "&quot;";
                break;
            case '\'':
                out += "&#39;";
                break;
            default:
                out.push_back(c);
        }
    }
    return out;
}

namespace {

// The pages of the navigation bar: path, label.
constexpr std::pair<const char*, const char*> nav_items[] = {
    {"/desk/products", "Sản phẩm"},    {"/desk/certificates", "Giấy chứng nhận"},
    {"/desk/evaluations", "Đánh giá"}, {"/desk/inspections", "Kiểm tra"},
    {"/desk/conflicts", "Xung đột"},   {"/desk/refused", "Thay đổi bị từ chối"},
    {"/desk/devices", "Thiết bị"},     {"/desk/progress", "Tiến độ"},
};

}  // namespace

std::string csrf_input(const Viewer& viewer) {
    return "<input type=\"hidden\" name=\"csrf\" value=\"" + esc(viewer.session.csrf) + "\">";
}

std::string notice(std::string_view text, bool error) {
    return std::string("<p class=\"notice ") + (error ? "error" : "ok") + "\" role=\"status\">" +
           esc(text) + "</p>";
}

std::string page(std::string_view title, const Viewer* viewer, std::string_view active,
                 const std::string& body) {
    std::string html =
        "<!DOCTYPE html><html lang=\"vi\"><head><meta charset=\"utf-8\">"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
        "<title>" +
        esc(title) +
        " – Bàn làm việc OCOP</title><link rel=\"stylesheet\" href=\"/desk/static/desk.css\">"
        "</head><body><header><span class=\"brand\">OCOP – Bàn làm việc</span>";
    if (viewer) {
        html += "<nav>";
        for (const auto& [path, label] : nav_items)
            html += std::string("<a href=\"") + path + "\"" +
                    (active == path ? " class=\"active\" aria-current=\"page\"" : "") + ">" +
                    label + "</a>";
        html += "</nav><form class=\"logout\" method=\"post\" action=\"/desk/logout\">" +
                csrf_input(*viewer) + "<span class=\"who\">" + esc(viewer->who.user) +
                "</span><button type=\"submit\">Đăng xuất</button></form>";
    }
    html += "</header><main><h1>" + esc(title) + "</h1>" + body + "</main></body></html>";
    return html;
}

}  // namespace ocop::server::desk
