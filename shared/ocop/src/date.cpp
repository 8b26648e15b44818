#include "ocop/domain/date.hpp"

#include <cstdio>

#include "ocop/core/error.hpp"
#include "ocop/domain/domain_error_codes.hpp"

namespace ocop::domain {

namespace {

// Howard Hinnant's days_from_civil / civil_from_days (public domain algorithms).
int64_t days_from_civil(int64_t y, int m, int d) noexcept {
    y -= m <= 2;
    const int64_t era = (y >= 0 ? y : y - 399) / 400;
    const int64_t yoe = y - era * 400;
    const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

struct Ymd {
    int64_t y;
    int m;
    int d;
};

Ymd civil_from_days(int64_t z) noexcept {
    z += 719468;
    const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const int64_t doe = z - era * 146097;
    const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const int64_t y = yoe + era * 400;
    const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const int64_t mp = (5 * doy + 2) / 153;
    const int d = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
    const int m = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
    return Ymd{y + (m <= 2), m, d};
}

bool parse_digits(std::string_view s, int& out) noexcept {
    int v = 0;
    for (char c : s) {
        if (c < '0' || c > '9') return false;
        v = v * 10 + (c - '0');
    }
    out = v;
    return !s.empty();
}

}  // namespace

bool is_leap_year(int y) noexcept {
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int days_in_month(int y, int m) noexcept {
    static constexpr int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m < 1 || m > 12) return 0;
    return m == 2 && is_leap_year(y) ? 29 : days[m - 1];
}

Date Date::from_ymd(int year, int month, int day) {
    if (year < 1 || year > 9999 || month < 1 || month > 12 || day < 1 ||
        day > days_in_month(year, month)) {
        char buf[64];
        std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", year, month, day);
        throw Error(ErrorKind::invalid_input, errc::date_invalid,
                    std::string("'") + buf + "' is not a calendar date");
    }
    return from_days(days_from_civil(year, month, day));
}

std::optional<Date> Date::try_parse(std::string_view t) noexcept {
    if (t.size() != 10 || t[4] != '-' || t[7] != '-') return std::nullopt;
    int y = 0, m = 0, d = 0;
    if (!parse_digits(t.substr(0, 4), y) || !parse_digits(t.substr(5, 2), m) ||
        !parse_digits(t.substr(8, 2), d))
        return std::nullopt;
    if (y < 1 || m < 1 || m > 12 || d < 1 || d > days_in_month(y, m)) return std::nullopt;
    return from_days(days_from_civil(y, m, d));
}

Date Date::parse(std::string_view iso) {
    if (auto d = try_parse(iso)) return *d;
    throw Error(ErrorKind::invalid_input, errc::date_invalid,
                "'" + std::string(iso) + "' is not a date of the form YYYY-MM-DD");
}

Date Date::from_unix_ms(int64_t unix_ms, int utc_offset_minutes) noexcept {
    const int64_t ms = unix_ms + int64_t{utc_offset_minutes} * 60'000;
    constexpr int64_t day_ms = 86'400'000;
    int64_t days = ms / day_ms;
    if (ms % day_ms < 0) --days;
    return from_days(days);
}

int Date::year() const noexcept {
    return static_cast<int>(civil_from_days(days_).y);
}
int Date::month() const noexcept {
    return civil_from_days(days_).m;
}
int Date::day() const noexcept {
    return civil_from_days(days_).d;
}

std::string Date::iso() const {
    const Ymd c = civil_from_days(days_);
    char buf[32];
    std::snprintf(buf, sizeof buf, "%04lld-%02d-%02d", static_cast<long long>(c.y), c.m, c.d);
    return buf;
}

Date Date::add_months(int n) const {
    const Ymd c = civil_from_days(days_);
    const int64_t months = c.y * 12 + (c.m - 1) + n;
    int64_t y = months / 12;
    int m = static_cast<int>(months % 12);
    if (m < 0) {
        m += 12;
        --y;
    }
    ++m;
    const int last = days_in_month(static_cast<int>(y), m);
    return from_days(days_from_civil(y, m, c.d > last ? last : c.d));
}

}  // namespace ocop::domain
