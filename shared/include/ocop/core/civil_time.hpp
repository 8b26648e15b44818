// Calendar arithmetic and the parse of the wire's ISO 8601 date-times, in one place for the core,
// the OCOP rules and the SDK. Civil-day arithmetic (Howard Hinnant's algorithms) instead of
// timegm/gmtime: those are not in every libc the SDK targets, and a date-time far from today must
// convert the same way on every device and on the server.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace ocop {

struct CivilDate {
    int64_t year = 1970;
    unsigned month = 1;  // 1..12
    unsigned day = 1;    // 1..31
};

// Days since 1970-01-01 of a proleptic Gregorian date (negative before it).
int64_t days_from_civil(int64_t year, unsigned month, unsigned day) noexcept;
CivilDate civil_from_days(int64_t days) noexcept;

// a / b rounded towards minus infinity (b > 0).
int64_t floor_div(int64_t a, int64_t b) noexcept;

// A date-time as written on the wire, "YYYY-MM-DDTHH:MM:SS[.fff](Z|+HH:MM|-HH:MM)".
struct IsoDateTime {
    int64_t utc_minute = 0;     // minutes since 1970-01-01T00:00Z of the written minute
    int second = 0;             // 0..60; 60 is a leap second, kept rather than rolled over
    std::string_view fraction;  // ".123456" as written, or empty; points into the parsed text
    int offset_minutes = 0;     // the written offset from UTC (0 for Z)

    // Milliseconds since the epoch (a leap second counts as second 60 of its minute).
    int64_t unix_ms() const noexcept;
};

// Nothing when the text is not such a date-time (is_iso_datetime in schema.hpp says the same).
std::optional<IsoDateTime> parse_iso_datetime(std::string_view text) noexcept;

}  // namespace ocop
