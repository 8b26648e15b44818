#include "ocop/core/text.hpp"

#include <utf8proc.h>

#include <cstdlib>
#include <memory>

#include "ocop/core/error.hpp"
#include "ocop/core/error_codes.hpp"

namespace ocop::text {

namespace {

// utf8proc allocates the result with malloc.
struct FreeDeleter {
    void operator()(utf8proc_uint8_t* p) const noexcept { std::free(p); }
};

std::string map(std::string_view s, int options) {
    utf8proc_uint8_t* out = nullptr;
    const utf8proc_ssize_t n = utf8proc_map(reinterpret_cast<const utf8proc_uint8_t*>(s.data()),
                                            static_cast<utf8proc_ssize_t>(s.size()), &out,
                                            static_cast<utf8proc_option_t>(options));
    std::unique_ptr<utf8proc_uint8_t, FreeDeleter> owned(out);
    if (n < 0) {
        if (n == UTF8PROC_ERROR_NOMEM) throw std::bad_alloc();
        throw Error(ErrorKind::invalid_input, errc::value_bad_format,
                    std::string("text is not valid UTF-8: ") + utf8proc_errmsg(n));
    }
    return std::string(reinterpret_cast<const char*>(out), static_cast<size_t>(n));
}

}  // namespace

std::string to_nfc(std::string_view s) {
    return map(s, UTF8PROC_STABLE | UTF8PROC_COMPOSE);
}

bool is_nfc(std::string_view s) noexcept {
    // Most stored text (ids, codes, many names) is ASCII, which is always NFC.
    bool ascii = true;
    for (const char c : s) ascii = ascii && static_cast<unsigned char>(c) < 0x80;
    if (ascii) return true;
    try {
        return to_nfc(s) == s;
    } catch (...) {
        return false;
    }
}

std::string fold_for_search(std::string_view s) {
    // Decompose so that marks are separate code points STRIPMARK can drop; LUMP maps the many
    // Unicode spaces and dashes to ASCII ones.
    const std::string folded = map(s, UTF8PROC_STABLE | UTF8PROC_DECOMPOSE | UTF8PROC_STRIPMARK |
                                          UTF8PROC_CASEFOLD | UTF8PROC_LUMP);
    std::string out;
    out.reserve(folded.size());
    bool pending_space = false;
    for (size_t i = 0; i < folded.size(); ++i) {
        const unsigned char c = static_cast<unsigned char>(folded[i]);
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v') {
            pending_space = !out.empty();
            continue;
        }
        if (pending_space) out += ' ';
        pending_space = false;
        // đ (U+0111, after case folding also Đ) is a letter of its own, not d with a mark.
        if (c == 0xC4 && i + 1 < folded.size() &&
            static_cast<unsigned char>(folded[i + 1]) == 0x91) {
            out += 'd';
            ++i;
            continue;
        }
        out += folded[i];
    }
    return out;
}

}  // namespace ocop::text
