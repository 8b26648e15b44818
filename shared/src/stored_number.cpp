#include "ocop/core/stored_number.hpp"

#include <charconv>

#include "ocop/core/error.hpp"
#include "ocop/core/error_codes.hpp"

namespace ocop {

namespace {

template <typename T>
T parse(const std::optional<std::string>& text, std::string_view what, T fallback) {
    if (!text) return fallback;
    T out{};
    const char* end = text->data() + text->size();
    const auto [ptr, ec] = std::from_chars(text->data(), end, out);
    if (ec != std::errc() || ptr != end || text->empty())
        throw Error(ErrorKind::internal, errc::store_corrupt,
                    "stored value of " + std::string(what) + " is not a number in range: '" +
                        text->substr(0, 40) + "'");
    return out;
}

}  // namespace

uint64_t stored_u64(const std::optional<std::string>& text, std::string_view what,
                    uint64_t fallback) {
    return parse<uint64_t>(text, what, fallback);
}

int64_t stored_i64(const std::optional<std::string>& text, std::string_view what,
                   int64_t fallback) {
    return parse<int64_t>(text, what, fallback);
}

}  // namespace ocop
