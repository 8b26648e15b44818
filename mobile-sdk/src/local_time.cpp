// The core's civil-time arithmetic (civil_time.hpp) rather than timegm/gmtime: those are not in
// every libc the SDK targets, and a date-time far from today must convert the same way.
#include "ocop/sdk/local_time.hpp"

#include <cstdio>
#include <ctime>

#include "ocop/core/civil_time.hpp"
#include "ocop/core/error.hpp"
#include "ocop/core/error_codes.hpp"
#include "ocop/core/schema.hpp"

namespace ocop::sdk {

std::string format_local_time(std::string_view t, int utc_offset_minutes) {
    const auto parsed = parse_iso_datetime(t);
    if (!parsed)
        throw Error(ErrorKind::invalid_input, errc::value_bad_format,
                    "'" + std::string(t) + "' is not an ISO 8601 date-time with offset");
    if (utc_offset_minutes < -(23 * 60 + 59) || utc_offset_minutes > 23 * 60 + 59)
        throw Error(ErrorKind::invalid_input, errc::value_bad_format,
                    "UTC offset " + std::to_string(utc_offset_minutes) + " min is beyond ±23:59");
    const int64_t minutes = parsed->utc_minute + utc_offset_minutes;
    const int64_t day = floor_div(minutes, 1440);
    const auto minute_of_day = static_cast<int>(minutes - day * 1440);
    const CivilDate c = civil_from_days(day);
    const int off = utc_offset_minutes < 0 ? -utc_offset_minutes : utc_offset_minutes;
    char buf[64];
    // A leap second stays second 60 of the shifted minute.
    std::snprintf(buf, sizeof buf, "%04lld-%02u-%02uT%02d:%02d:%02d",
                  static_cast<long long>(c.year), c.month, c.day, minute_of_day / 60,
                  minute_of_day % 60, parsed->second);
    char zone[8];
    std::snprintf(zone, sizeof zone, "%c%02d:%02d", utc_offset_minutes < 0 ? '-' : '+', off / 60,
                  off % 60);
    return std::string(buf) + std::string(parsed->fraction) + zone;
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
