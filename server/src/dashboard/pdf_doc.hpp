// A page-flowing PDF writer over libharu: text that wraps, tables, signature blocks. Private to
// the desk's PDF exports.
#pragma once

#include <hpdf.h>

#include <string>
#include <utility>
#include <vector>

namespace ocop::server::desk {

class PdfDoc {
  public:
    explicit PdfDoc(const std::string& font_file);
    ~PdfDoc();
    PdfDoc(const PdfDoc&) = delete;
    PdfDoc& operator=(const PdfDoc&) = delete;

    // The national motto on the right, the issuing body on the left, as on every official form.
    void letterhead(const std::string& issuer, const std::string& form_no);
    void title(const std::string& text);
    void heading(const std::string& text);
    void text(const std::string& text, float size = 11);
    void field(const std::string& label, const std::string& value);
    // Column widths are fractions of the text width.
    void table(const std::vector<std::string>& headers,
               const std::vector<std::vector<std::string>>& rows, const std::vector<float>& widths);
    // One block per signer: their role above, "(Ký, ghi rõ họ tên)", their name below.
    void signatures(const std::vector<std::pair<std::string, std::string>>& signers);
    void space(float points) { y_ -= points; }
    std::string bytes();

  private:
    void new_page();
    void need(float height);
    void check(const char* what) const;
    // `text` cut into lines no wider than `width` at size `size`.
    std::vector<std::string> wrap(const std::string& text, float width, float size,
                                  HPDF_Font font) const;
    void put(float x, float y, const std::string& text, float size, HPDF_Font font);
    void centered(const std::string& text, float size, HPDF_Font font, float left, float width);

    HPDF_Doc pdf_ = nullptr;
    HPDF_Page page_ = nullptr;
    HPDF_Font font_ = nullptr;
    HPDF_STATUS error_ = 0;
    float y_ = 0;
    static constexpr float margin_ = 56;
};

}  // namespace ocop::server::desk
