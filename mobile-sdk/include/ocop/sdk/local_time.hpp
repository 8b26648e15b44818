// Showing stored date-times in the device's zone. The SDK stores a date-time field exactly as
// given (ISO 8601 with Z or an offset, e.g. "2026-05-22T01:30:00Z"); it never rewrites it. Only
// display converts, to the offset the app passes: the app knows the device's zone (Vietnam is
// UTC+07:00 all year, no daylight saving).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace ocop::sdk {

// `iso_text` ("YYYY-MM-DDTHH:MM:SS[.fff](Z|±HH:MM)") shown at `utc_offset_minutes` east of UTC,
// as "YYYY-MM-DDTHH:MM:SS[.fff]±HH:MM" (fraction kept as written; a leap second 60 is kept
// as :60). Throws Error(value.bad_format) for text that is not such a date-time, or an offset
// beyond ±23:59.
std::string format_local_time(std::string_view iso_text, int utc_offset_minutes);

// The device's offset from UTC at `unix_seconds`, from the C library's zone (TZ, /etc/localtime).
int device_utc_offset_minutes(int64_t unix_seconds);

}  // namespace ocop::sdk
