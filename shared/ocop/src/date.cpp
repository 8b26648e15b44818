#include "ocop/domain/date.hpp"

#include <cstdio>

#include "ocop/core/civil_time.hpp"
#include "ocop/core/error.hpp"
#include "ocop/domain/domain_error_codes.hpp"

namespace ocop::domain {

namespace {

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
    return from_days(
        days_from_civil(year, static_cast<unsigned>(month), static_cast<unsigned>(day)));
}

std::optional<Date> Date::try_parse(std::string_view t) noexcept {
    if (t.size() != 10 || t[4] != '-' || t[7] != '-') return std::nullopt;
    int y = 0, m = 0, d = 0;
    if (!parse_digits(t.substr(0, 4), y) || !parse_digits(t.substr(5, 2), m) ||
        !parse_digits(t.substr(8, 2), d))
        return std::nullopt;
    if (y < 1 || m < 1 || m > 12 || d < 1 || d > days_in_month(y, m)) return std::nullopt;
    return from_days(days_from_civil(y, static_cast<unsigned>(m), static_cast<unsigned>(d)));
}

Date Date::parse(std::string_view iso) {
    if (auto d = try_parse(iso)) return *d;
    throw Error(ErrorKind::invalid_input, errc::date_invalid,
                "'" + std::string(iso) + "' is not a date of the form YYYY-MM-DD");
}

Date Date::from_unix_ms(int64_t unix_ms, int utc_offset_minutes) noexcept {
    const int64_t ms = unix_ms + int64_t{utc_offset_minutes} * 60'000;
    constexpr int64_t day_ms = 86'400'000;
    return from_days(floor_div(ms, day_ms));
}

int Date::year() const noexcept {
    return static_cast<int>(civil_from_days(days_).year);
}
int Date::month() const noexcept {
    return static_cast<int>(civil_from_days(days_).month);
}
int Date::day() const noexcept {
    return static_cast<int>(civil_from_days(days_).day);
}

std::string Date::iso() const {
    const CivilDate c = civil_from_days(days_);
    char buf[32];
    std::snprintf(buf, sizeof buf, "%04lld-%02u-%02u", static_cast<long long>(c.year), c.month,
                  c.day);
    return buf;
}

Date Date::add_months(int n) const {
    const CivilDate c = civil_from_days(days_);
    const int64_t months = c.year * 12 + static_cast<int64_t>(c.month - 1) + n;
    int64_t y = months / 12;
    int m = static_cast<int>(months % 12);
    if (m < 0) {
        m += 12;
        --y;
    }
    ++m;
    const auto last = static_cast<unsigned>(days_in_month(static_cast<int>(y), m));
    return from_days(days_from_civil(y, static_cast<unsigned>(m), c.day > last ? last : c.day));
}

}  // namespace ocop::domain
