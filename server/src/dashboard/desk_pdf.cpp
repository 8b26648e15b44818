#include "ocop/server/dashboard/desk_pdf.hpp"

#include <algorithm>

#include "pdf_doc.hpp"

namespace ocop::server::desk {

namespace {

std::string t(const Record& r, std::string_view field) {
    const Value& v = r.get(field);
    if (v.is_null()) return {};
    return v.is_string() ? v.get<std::string>() : v.dump();
}

std::string issuer_of(DeskData& data, const Record& r) {
    const std::string unit = data.unit_name(t(r, "unit"));
    return unit.empty() ? "ỦY BAN NHÂN DÂN" : "UBND " + unit;
}

}  // namespace

std::string inspection_minutes_pdf(DeskData& data, const Record& insp) {
    PdfDoc pdf(OCOP_PDF_FONT);
    pdf.letterhead(issuer_of(data, insp), "");
    pdf.title("BIÊN BẢN KIỂM TRA, GIÁM SÁT SẢN PHẨM OCOP");
    pdf.field("Loại kiểm tra", shown("inspection", "kind", insp.get("kind")));
    pdf.field("Địa điểm", t(insp, "site_name"));
    pdf.field("Chủ thể", data.name_of("applicant", t(insp, "applicant")));
    pdf.field("Sản phẩm", data.name_of("product", t(insp, "product")));
    pdf.field("Thời gian bắt đầu", t(insp, "started_at"));
    pdf.field("Thời gian kết thúc", t(insp, "ended_at"));
    pdf.field("Tọa độ GPS", t(insp, "gps_lat") + ", " + t(insp, "gps_lon"));

    std::vector<std::pair<std::string, std::string>> signers;
    pdf.heading("I. Thành phần đoàn kiểm tra");
    std::vector<std::vector<std::string>> team;
    const Value& members = insp.get("team");
    if (members.is_array())
        for (const auto& m : members) {
            team.push_back({m.value("name", ""), m.value("role", ""), m.value("agency", "")});
            signers.emplace_back(m.value("role", ""), m.value("name", ""));
        }
    pdf.table({"Họ và tên", "Chức danh", "Cơ quan"}, team, {0.35f, 0.25f, 0.4f});

    pdf.heading("II. Nội dung kiểm tra");
    std::vector<std::vector<std::string>> checks;
    const Value& checklist = insp.get("checklist");
    if (checklist.is_array())
        for (const auto& c : checklist)
            checks.push_back({c.value("title", c.value("criterion", "")), c.value("result", "")});
    pdf.table({"Nội dung", "Kết quả"}, checks, {0.75f, 0.25f});

    pdf.heading("III. Phát hiện");
    std::vector<std::vector<std::string>> findings;
    for (const auto& f : data.referencing("finding", "inspection", insp.id))
        findings.push_back({t(f, "criterion"), shown("finding", "severity", f.get("severity")),
                            t(f, "description")});
    pdf.table({"Tiêu chí", "Mức độ", "Mô tả"}, findings, {0.25f, 0.15f, 0.6f});

    pdf.heading("IV. Mẫu lấy và kết quả thử nghiệm");
    std::vector<std::vector<std::string>> samples;
    for (const auto& s : data.referencing("sample", "inspection", insp.id))
        samples.push_back({t(s, "sample_code"), t(s, "seal_no"), t(s, "lab"),
                           shown("sample", "result_status", s.get("result_status")),
                           t(s, "results")});
    pdf.table({"Mã mẫu", "Số niêm phong", "Phòng thử nghiệm", "Kết quả", "Chi tiết"}, samples,
              {0.15f, 0.15f, 0.25f, 0.12f, 0.33f});

    pdf.heading("V. Kết luận");
    pdf.text(t(insp, "conclusion"));
    if (!t(insp, "signed_at").empty())
        pdf.text("Biên bản đã ký lúc " + t(insp, "signed_at") + " bởi tài khoản " +
                 t(insp, "signed_by") + ".");
    pdf.space(12);
    signers.insert(signers.begin(), {"ĐẠI DIỆN CƠ SỞ", ""});
    pdf.signatures(signers);
    return pdf.bytes();
}

std::string commune_report_pdf(DeskData& data, const Record& registration) {
    PdfDoc pdf(OCOP_PDF_FONT);
    pdf.letterhead(issuer_of(data, registration), "Mẫu số 03");
    pdf.title("PHIẾU ĐÁNH GIÁ CỦA ỦY BAN NHÂN DÂN CẤP XÃ ĐỐI VỚI SẢN PHẨM OCOP");
    pdf.field("Tên sản phẩm", data.name_of("product", t(registration, "product")));
    pdf.field("Chủ thể", data.name_of("applicant", t(registration, "applicant")));
    pdf.field("Số tiếp nhận tại xã", t(registration, "commune_receipt_no"));
    pdf.field("Ngày nộp hồ sơ", t(registration, "filed_on"));
    const auto reports = data.referencing("commune_report", "registration", registration.id);
    if (reports.empty()) {
        pdf.text("Chưa có phiếu đánh giá của UBND cấp xã cho hồ sơ này.");
    }
    for (const auto& r : reports) {
        pdf.heading("Nội dung đánh giá");
        std::vector<std::vector<std::string>> rows;
        for (const char* f :
             {"origin_raw_materials", "local_labour", "idea_origin", "local_identity"})
            rows.push_back(
                {field_label("commune_report", f), shown("commune_report", f, r.get(f))});
        rows.push_back({field_label("commune_report", "samples_sent"), t(r, "samples_sent")});
        pdf.table({"Tiêu chí", "Đánh giá"}, rows, {0.55f, 0.45f});
        pdf.heading("Kết luận");
        pdf.text(t(r, "conclusion"));
        pdf.text("Ngày ký: " + t(r, "signed_on"));
    }
    pdf.space(12);
    pdf.signatures({{"NGƯỜI LẬP PHIẾU", ""}, {"TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH"}});
    return pdf.bytes();
}

std::string score_sheets_pdf(DeskData& data, const Record& evaluation) {
    PdfDoc pdf(OCOP_PDF_FONT);
    pdf.letterhead("HỘI ĐỒNG ĐÁNH GIÁ, PHÂN HẠNG SẢN PHẨM OCOP", "");
    pdf.title("PHIẾU CHẤM ĐIỂM ĐÁNH GIÁ, PHÂN HẠNG SẢN PHẨM OCOP");
    pdf.field("Sản phẩm", data.name_of("product", t(evaluation, "product")));
    pdf.field("Vòng đánh giá", t(evaluation, "round"));
    pdf.field("Cấp đánh giá", shown("evaluation", "level", evaluation.get("level")));
    pdf.field("Bộ tiêu chí", t(evaluation, "rubric"));
    pdf.field("Điểm trung bình", t(evaluation, "average_score"));
    pdf.field("Hạng sao", t(evaluation, "stars"));
    auto sheets = data.referencing("council_sheet", "evaluation", evaluation.id);
    std::vector<std::vector<std::string>> summary;
    for (const auto& s : sheets)
        summary.push_back(
            {t(s, "member_name"), t(s, "member_role"), t(s, "total"), t(s, "signed_at")});
    pdf.heading("Tổng hợp điểm của thành viên Hội đồng");
    pdf.table({"Thành viên", "Vai trò", "Tổng điểm", "Ký lúc"}, summary,
              {0.32f, 0.28f, 0.15f, 0.25f});
    for (const auto& s : sheets) {
        pdf.heading("Phiếu của " + t(s, "member_name") + " (" + t(s, "member_role") + ")");
        std::vector<std::vector<std::string>> rows;
        const Value& scores = s.get("scores");
        if (scores.is_object())
            for (const auto& [code, choice] : scores.items())
                rows.push_back({code, choice.is_number() ? choice.dump() : choice.dump()});
        pdf.table({"Mã tiêu chí", "Mức đạt được"}, rows, {0.6f, 0.4f});
        pdf.field("Tổng điểm", t(s, "total"));
        pdf.signatures({{"THÀNH VIÊN HỘI ĐỒNG", t(s, "member_name")}});
    }
    return pdf.bytes();
}

}  // namespace ocop::server::desk
