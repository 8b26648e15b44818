#include "ocop/core/civil_time.hpp"

#include "ocop/core/schema.hpp"

namespace ocop {
namespace {

// Only called on text is_iso_datetime has checked: every position read is a digit.
int digits_at(std::string_view t, size_t pos, size_t len) noexcept {
    int v = 0;
    for (size_t i = pos; i < pos + len; ++i) v = v * 10 + (t[i] - '0');
    return v;
}

}  // namespace

int64_t days_from_civil(int64_t y, unsigned m, unsigned d) noexcept {
    y -= m <= 2;
    const int64_t era = (y >= 0 ? y : y - 399) / 400;
    const auto yoe = static_cast<unsigned>(y - era * 400);
    const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

CivilDate civil_from_days(int64_t z) noexcept {
    z += 719468;
    const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const auto doe = static_cast<unsigned>(z - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    CivilDate out;
    out.day = doy - (153 * mp + 2) / 5 + 1;
    out.month = mp < 10 ? mp + 3 : mp - 9;
    out.year = static_cast<int64_t>(yoe) + era * 400 + (out.month <= 2);
    return out;
}

int64_t floor_div(int64_t a, int64_t b) noexcept {
    return a / b - ((a % b != 0) && ((a < 0) != (b < 0)));
}

int64_t IsoDateTime::unix_ms() const noexcept {
    int64_t ms = 0, scale = 100;
    for (size_t i = 1; i < fraction.size() && scale > 0; ++i, scale /= 10)
        ms += (fraction[i] - '0') * scale;
    return utc_minute * 60'000 + second * 1000LL + ms;
}

std::optional<IsoDateTime> parse_iso_datetime(std::string_view t) noexcept {
    if (!is_iso_datetime(t)) return std::nullopt;
    IsoDateTime out;
    size_t pos = 19;
    while (pos < t.size() && t[pos] != 'Z' && t[pos] != '+' && t[pos] != '-') ++pos;
    out.fraction = t.substr(19, pos - 19);
    if (t[pos] != 'Z') {
        out.offset_minutes = digits_at(t, pos + 1, 2) * 60 + digits_at(t, pos + 4, 2);
        if (t[pos] == '-') out.offset_minutes = -out.offset_minutes;
    }
    const int64_t day =
        days_from_civil(digits_at(t, 0, 4), static_cast<unsigned>(digits_at(t, 5, 2)),
                        static_cast<unsigned>(digits_at(t, 8, 2)));
    out.utc_minute =
        day * 1440 + digits_at(t, 11, 2) * 60 + digits_at(t, 14, 2) - out.offset_minutes;
    out.second = digits_at(t, 17, 2);
    return out;
}

}  // namespace ocop
