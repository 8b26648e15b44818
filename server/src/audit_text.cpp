#include <cstdio>

#include "ocop/core/schema.hpp"
#include "ocop/server/audit_log.hpp"

namespace ocop::server {

std::string audit_text(const std::string& text) {
    // NUL is valid UTF-8 but no PostgreSQL text can hold it: escaped too, so that both backends
    // keep the same trail.
    if (is_valid_utf8(text) && text.find('\0') == std::string::npos) return text;
    std::string out;
    for (size_t i = 0; i < text.size();) {
        const auto lead = static_cast<unsigned char>(text[i]);
        const size_t length = lead < 0x80 ? 1 : lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : 2;
        const std::string_view sequence = std::string_view(text).substr(i, length);
        if ((lead < 0x80 && lead != 0) ||
            (sequence.size() == length && lead >= 0xC2 && is_valid_utf8(sequence))) {
            out.append(sequence);
            i += length;
        } else {
            char escaped[8];
            std::snprintf(escaped, sizeof escaped, "\\x%02X", lead);
            out += escaped;
            ++i;
        }
    }
    return out;
}

}  // namespace ocop::server
