#include <catch2/catch.hpp>

#include <cstdlib>

#include "ocop/core/error.hpp"
#include "ocop/sdk/local_time.hpp"

using ocop::sdk::format_local_time;

TEST_CASE("a UTC date-time is shown in Vietnam's zone (UTC+07:00)") {
    CHECK(format_local_time("2026-05-22T01:30:00Z", 420) == "2026-05-22T08:30:00+07:00");
    // Crossing midnight, a month and a year end.
    CHECK(format_local_time("2026-12-31T20:15:09Z", 420) == "2027-01-01T03:15:09+07:00");
    CHECK(format_local_time("2028-02-28T18:00:00Z", 420) == "2028-02-29T01:00:00+07:00");
}

TEST_CASE("the given offset is honoured and the fraction kept") {
    CHECK(format_local_time("2026-05-22T08:30:00+07:00", 420) == "2026-05-22T08:30:00+07:00");
    CHECK(format_local_time("2026-05-22T08:30:00.250+07:00", 0) == "2026-05-22T01:30:00.250+00:00");
    CHECK(format_local_time("2026-01-01T00:30:00-05:30", 420) == "2026-01-01T13:00:00+07:00");
    CHECK(format_local_time("2026-01-01T00:30:00Z", -90) == "2025-12-31T23:00:00-01:30");
}

TEST_CASE("text that is not a date-time, or an impossible offset, is refused") {
    for (const char* bad :
         {"", "2026-05-22", "2026-05-22T08:30:00", "2026-02-30T08:30:00Z", "nháp"}) {
        INFO(bad);
        try {
            format_local_time(bad, 420);
            FAIL("accepted");
        } catch (const ocop::Error& e) {
            CHECK(std::string(e.code()) == "value.bad_format");
        }
    }
    CHECK_THROWS_AS(format_local_time("2026-05-22T01:30:00Z", 24 * 60), ocop::Error);
}

TEST_CASE("the device's offset comes from the C library's zone (TZ)") {
    const char* old = std::getenv("TZ");
    const std::string saved = old ? old : "";
    ::setenv("TZ", "Asia/Ho_Chi_Minh", 1);
    CHECK(ocop::sdk::device_utc_offset_minutes(1779413400) == 420);  // 2026-05-22, no DST
    ::setenv("TZ", "UTC0", 1);
    CHECK(ocop::sdk::device_utc_offset_minutes(1779413400) == 0);
    if (old)
        ::setenv("TZ", saved.c_str(), 1);
    else
        ::unsetenv("TZ");
}
