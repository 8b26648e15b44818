// A PostgreSQL array literal ('{"a","b"}') of text values, for statements that take a whole
// record's fields in one parameter (unnest($1::text[])) instead of one round trip per field.
#pragma once

#include <string>
#include <vector>

namespace ocop::pg {

inline std::string text_array(const std::vector<std::string>& items) {
    std::string out = "{";
    for (const auto& item : items) {
        if (out.size() > 1) out += ',';
        out += '"';
        for (char c : item) {
            if (c == '"' || c == '\\') out += '\\';
            out += c;
        }
        out += '"';
    }
    return out + '}';
}

}  // namespace ocop::pg
