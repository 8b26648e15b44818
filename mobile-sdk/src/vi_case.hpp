// Case-insensitive comparison of Vietnamese text (enum labels typed by an officer: "nháp" for
// "Nháp"). Only the letters Vietnamese uses are folded — ASCII, Latin-1 (À…Ý), Ă Đ Ĩ Ũ Ơ Ư and
// the precomposed tone letters U+1EA0–U+1EF9 — which is what a label can hold; a full Unicode
// case table would be a dependency for nothing.
#pragma once

#include <string>
#include <string_view>

namespace ocop::sdk::detail {

inline char32_t fold_vi(char32_t c) {
    if (c >= 'A' && c <= 'Z') return c + 32;
    if (c >= 0xC0 && c <= 0xDE && c != 0xD7) return c + 32;
    if (c == 0x102 || c == 0x110 || c == 0x128 || c == 0x168 || c == 0x1A0) return c + 1;
    if (c == 0x1AF) return 0x1B0;
    if (c >= 0x1EA0 && c <= 0x1EF9 && c % 2 == 0) return c + 1;
    return c;
}

// Folded code points of UTF-8 `s`; a byte that does not start a well-formed sequence stands for
// itself, so malformed input compares bytewise instead of throwing.
inline std::u32string folded_vi(std::string_view s) {
    std::u32string out;
    for (size_t i = 0; i < s.size();) {
        const auto b = static_cast<unsigned char>(s[i]);
        size_t len = b < 0x80           ? 1
                     : (b >> 5) == 0x6  ? 2
                     : (b >> 4) == 0xE  ? 3
                     : (b >> 3) == 0x1E ? 4
                                        : 0;
        bool ok = len != 0 && i + len <= s.size();
        for (size_t k = 1; ok && k < len; ++k)
            ok = (static_cast<unsigned char>(s[i + k]) >> 6) == 2;
        if (!ok) {
            out.push_back(0x110000 + b);  // outside Unicode: cannot equal a real letter
            ++i;
            continue;
        }
        char32_t c = len == 1 ? b : len == 2 ? b & 0x1F : len == 3 ? b & 0x0F : b & 0x07;
        for (size_t k = 1; k < len; ++k)
            c = (c << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
        out.push_back(fold_vi(c));
        i += len;
    }
    return out;
}

inline bool equal_ignoring_case_vi(std::string_view a, std::string_view b) {
    return folded_vi(a) == folded_vi(b);
}

}  // namespace ocop::sdk::detail
