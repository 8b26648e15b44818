// Civil-date arithmetic (Howard Hinnant's days_from_civil) rather than timegm/gmtime: those are
// not in every libc the SDK targets, and a date-time far from today must convert the same way.
#include "ocop/sdk/local_time.hpp"

#include <cstdio>
#include <ctime>

#include "ocop/core/error.hpp"
#include "ocop/core/error_codes.hpp"
#include "ocop/core/schema.hpp"

namespace ocop::sdk {
namespace {

int num(std::string_view t, size_t pos, size_t len) {
    int v = 0;
    for (size_t i = pos; i < pos + len; ++i) v = v * 10 + (t[i] - '0');
    return v;
}

int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
    y -= m <= 2;
    const int64_t era = (y >= 0 ? y : y - 399) / 400;
    const auto yoe = static_cast<unsigned>(y - era * 400);
    const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

void civil_from_days(int64_t z, int64_t& y, unsigned& m, unsigned& d) {
    z += 719468;
    const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const auto doe = static_cast<unsigned>(z - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    d = doy - (153 * mp + 2) / 5 + 1;
    m = mp < 10 ? mp + 3 : mp - 9;
    y = static_cast<int64_t>(yoe) + era * 400 + (m <= 2);
}

int64_t floor_div(int64_t a, int64_t b) {
    return a / b - ((a % b != 0) && ((a < 0) != (b < 0)));
}

}  // namespace

std::string format_local_time(std::string_view t, int utc_offset_minutes) {
    if (!is_iso_datetime(t))
        throw Error(ErrorKind::invalid_input, errc::value_bad_format,
                    "'" + std::string(t) + "' is not an ISO 8601 date-time with offset");
    if (utc_offset_minutes < -(23 * 60 + 59) || utc_offset_minutes > 23 * 60 + 59)
        throw Error(ErrorKind::invalid_input, errc::value_bad_format,
                    "UTC offset " + std::to_string(utc_offset_minutes) + " min is beyond ±23:59");
    size_t pos = 19;
    while (pos < t.size() && t[pos] != 'Z' && t[pos] != '+' && t[pos] != '-') ++pos;
    const std::string_view fraction = t.substr(19, pos - 19);
    int given_offset = 0;
    if (t[pos] != 'Z') {
        given_offset = num(t, pos + 1, 2) * 60 + num(t, pos + 4, 2);
        if (t[pos] == '-') given_offset = -given_offset;
    }
    // A leap second is carried as second 60 of the shifted minute rather than rolled over.
    const int second = num(t, 17, 2);
    const int64_t minutes = days_from_civil(num(t, 0, 4), static_cast<unsigned>(num(t, 5, 2)),
                                            static_cast<unsigned>(num(t, 8, 2))) *
                                1440 +
                            num(t, 11, 2) * 60 + num(t, 14, 2) - given_offset + utc_offset_minutes;
    const int64_t day = floor_div(minutes, 1440);
    const auto minute_of_day = static_cast<int>(minutes - day * 1440);
    int64_t y = 0;
    unsigned m = 0, d = 0;
    civil_from_days(day, y, m, d);
    const int off = utc_offset_minutes < 0 ? -utc_offset_minutes : utc_offset_minutes;
    char buf[64];
    std::snprintf(buf, sizeof buf, "%04lld-%02u-%02uT%02d:%02d:%02d", static_cast<long long>(y), m,
                  d, minute_of_day / 60, minute_of_day % 60, second);
    char zone[8];
    std::snprintf(zone, sizeof zone, "%c%02d:%02d", utc_offset_minutes < 0 ? '-' : '+', off / 60,
                  off % 60);
    return std::string(buf) + std::string(fraction) + zone;
}

int device_utc_offset_minutes(int64_t unix_seconds) {
    // localtime_r need not read TZ itself (POSIX); tzset makes a changed TZ count.
    tzset();
    const auto tt = static_cast<std::time_t>(unix_seconds);
    std::tm local{};
    if (!localtime_r(&tt, &local)) return 0;
    return static_cast<int>(local.tm_gmtoff / 60);
}

}  // namespace ocop::sdk
