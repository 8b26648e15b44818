#include "pdf_doc.hpp"

#include <cstring>
#include <vector>

#include "ocop/core/error.hpp"
#include "ocop/core/error_codes.hpp"

namespace ocop::server::desk {

namespace {

// libharu reports errors through this callback and then returns from the failing call; the code
// is kept and check() throws once control is back in C++.
void on_error(HPDF_STATUS error, HPDF_STATUS /*detail*/, void* user) {
    *static_cast<HPDF_STATUS*>(user) = error;
}

constexpr float page_w = 595.276f, page_h = 841.89f;  // A4 in points

}  // namespace

PdfDoc::PdfDoc(const std::string& font_file) {
    pdf_ = HPDF_New(on_error, &error_);
    if (!pdf_) throw Error(ErrorKind::internal, errc::internal_error, "PDF: out of memory");
    HPDF_SetCompressionMode(pdf_, HPDF_COMP_ALL);
    HPDF_UseUTFEncodings(pdf_);
    HPDF_SetCurrentEncoder(pdf_, "UTF-8");
    const char* name = HPDF_LoadTTFontFromFile(pdf_, font_file.c_str(), HPDF_TRUE);
    check("loading the font");
    font_ = HPDF_GetFont(pdf_, name, "UTF-8");
    check("the font's UTF-8 encoding");
    new_page();
}

PdfDoc::~PdfDoc() {
    if (pdf_) HPDF_Free(pdf_);
}

void PdfDoc::check(const char* what) const {
    if (error_ != 0) {
        char code[16];
        std::snprintf(code, sizeof code, "0x%04X", static_cast<unsigned>(error_));
        throw Error(ErrorKind::internal, errc::internal_error,
                    std::string("PDF: ") + what + " failed (libharu error " + code + ")");
    }
}

void PdfDoc::new_page() {
    page_ = HPDF_AddPage(pdf_);
    HPDF_Page_SetSize(page_, HPDF_PAGE_SIZE_A4, HPDF_PAGE_PORTRAIT);
    y_ = page_h - margin_;
    check("adding a page");
}

void PdfDoc::need(float height) {
    if (y_ - height < margin_) new_page();
}

void PdfDoc::put(float x, float y, const std::string& text, float size, HPDF_Font font) {
    HPDF_Page_BeginText(page_);
    HPDF_Page_SetFontAndSize(page_, font, size);
    HPDF_Page_TextOut(page_, x, y, text.c_str());
    HPDF_Page_EndText(page_);
}

void PdfDoc::centered(const std::string& text, float size, HPDF_Font font, float left,
                      float width) {
    HPDF_Page_SetFontAndSize(page_, font, size);
    const float w = HPDF_Page_TextWidth(page_, text.c_str());
    put(left + (width - w) / 2, y_, text, size, font);
}

std::vector<std::string> PdfDoc::wrap(const std::string& text, float width, float size,
                                      HPDF_Font font) const {
    std::vector<std::string> lines;
    HPDF_Page_SetFontAndSize(page_, font, size);
    std::string line;
    size_t i = 0;
    while (i <= text.size()) {
        const size_t end = std::min(text.find_first_of(" \n", i), text.size());
        const std::string word = text.substr(i, end - i);
        const std::string candidate = line.empty() ? word : line + " " + word;
        if (!line.empty() && HPDF_Page_TextWidth(page_, candidate.c_str()) > width) {
            lines.push_back(line);
            line = word;
        } else {
            line = candidate;
        }
        if (end < text.size() && text[end] == '\n') {
            lines.push_back(line);
            line.clear();
        }
        i = end + 1;
    }
    if (!line.empty()) lines.push_back(line);
    return lines;
}

void PdfDoc::letterhead(const std::string& issuer, const std::string& form_no) {
    const float half = (page_w - 2 * margin_) / 2;
    if (!form_no.empty()) {
        put(page_w - margin_ - 80, y_ + 16, form_no, 9, font_);
    }
    centered(issuer, 10, font_, margin_, half * 0.8f);
    centered("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", 10, font_, margin_ + half * 0.8f, half * 1.2f);
    y_ -= 14;
    centered("Độc lập - Tự do - Hạnh phúc", 10, font_, margin_ + half * 0.8f, half * 1.2f);
    y_ -= 30;
    check("the letterhead");
}

void PdfDoc::title(const std::string& text) {
    need(40);
    for (const auto& l : wrap(text, page_w - 2 * margin_, 14, font_)) {
        centered(l, 14, font_, margin_, page_w - 2 * margin_);
        y_ -= 20;
    }
    y_ -= 10;
}

void PdfDoc::heading(const std::string& text) {
    need(30);
    y_ -= 6;
    put(margin_, y_, text, 12, font_);
    y_ -= 18;
}

void PdfDoc::text(const std::string& text, float size) {
    for (const auto& l : wrap(text, page_w - 2 * margin_, size, font_)) {
        need(size + 4);
        put(margin_, y_, l, size, font_);
        y_ -= size + 4;
    }
}

void PdfDoc::field(const std::string& label, const std::string& value) {
    text(label + ": " + (value.empty() ? "…………" : value));
}

void PdfDoc::table(const std::vector<std::string>& headers,
                   const std::vector<std::vector<std::string>>& rows,
                   const std::vector<float>& widths) {
    const float total = page_w - 2 * margin_;
    const float size = 9, lead = 12;
    auto draw_row = [&](const std::vector<std::string>& cells) {
        std::vector<std::vector<std::string>> wrapped;
        size_t height = 1;
        for (size_t c = 0; c < cells.size() && c < widths.size(); ++c) {
            wrapped.push_back(wrap(cells[c], widths[c] * total - 6, size, font_));
            height = std::max(height, wrapped.back().size());
        }
        const float h = static_cast<float>(height) * lead + 6;
        need(h);
        float x = margin_;
        for (size_t c = 0; c < wrapped.size(); ++c) {
            HPDF_Page_Rectangle(page_, x, y_ - h + lead - 2, widths[c] * total, h);
            HPDF_Page_Stroke(page_);
            for (size_t l = 0; l < wrapped[c].size(); ++l)
                put(x + 3, y_ - static_cast<float>(l) * lead, wrapped[c][l], size, font_);
            x += widths[c] * total;
        }
        y_ -= h;
    };
    draw_row(headers);
    for (const auto& r : rows) draw_row(r);
    y_ -= 8;
    check("a table");
}

void PdfDoc::signatures(const std::vector<std::pair<std::string, std::string>>& signers) {
    const float total = page_w - 2 * margin_;
    for (size_t i = 0; i < signers.size(); i += 2) {
        need(100);
        const float top = y_;
        for (size_t j = i; j < signers.size() && j < i + 2; ++j) {
            const float left = margin_ + static_cast<float>(j - i) * total / 2;
            y_ = top;
            centered(signers[j].first, 11, font_, left, total / 2);
            y_ -= 14;
            centered("(Ký, ghi rõ họ tên)", 9, font_, left, total / 2);
            y_ -= 56;
            centered(signers[j].second, 11, font_, left, total / 2);
        }
        y_ = top - 100;
    }
    check("the signatures");
}

std::string PdfDoc::bytes() {
    HPDF_SaveToStream(pdf_);
    check("writing the document");
    std::string out(HPDF_GetStreamSize(pdf_), '\0');
    HPDF_UINT32 size = static_cast<HPDF_UINT32>(out.size());
    HPDF_ReadFromStream(pdf_, reinterpret_cast<HPDF_BYTE*>(out.data()), &size);
    out.resize(size);
    return out;
}

}  // namespace ocop::server::desk
