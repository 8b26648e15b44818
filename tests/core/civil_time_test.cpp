// The one parse of wire date-times (civil_time.hpp) that the signing rule, the SDK's local-time
// display and the domain's Date all use.
#include <catch2/catch.hpp>

#include "ocop/core/civil_time.hpp"

using ocop::parse_iso_datetime;

namespace {
int64_t ms(std::string_view t) {
    const auto p = parse_iso_datetime(t);
    REQUIRE(p);
    return p->unix_ms();
}
}  // namespace

TEST_CASE("schema datetimes convert to Unix milliseconds") {
    CHECK(ms("1970-01-01T00:00:00Z") == 0);
    CHECK(ms("1970-01-01T07:00:00+07:00") == 0);
    CHECK(ms("2026-05-28T20:26:40Z") == 1'780'000'000'000);
    CHECK(ms("2026-05-28T20:26:40.5Z") == 1'780'000'000'500);
    CHECK(ms("2026-05-28T20:26:40.123456Z") == 1'780'000'000'123);
    CHECK(ms("2026-05-28T15:26:40-05:00") == 1'780'000'000'000);
    CHECK(ms("1969-12-31T23:59:59Z") == -1000);
    // A leap second is second 60 of its minute: one second after :59, the same as :00 next.
    CHECK(ms("2016-12-31T23:59:60Z") == ms("2017-01-01T00:00:00Z"));
    CHECK_FALSE(parse_iso_datetime("2026-05-28"));
    CHECK_FALSE(parse_iso_datetime("2026-02-30T00:00:00Z"));
    CHECK_FALSE(parse_iso_datetime("2026-05-28T20:26:40"));  // no offset
}

TEST_CASE("a parsed date-time keeps what was written: offset, second and fraction") {
    const auto p = parse_iso_datetime("2026-05-28T08:15:60.25-03:30");
    REQUIRE(p);
    CHECK(p->offset_minutes == -210);
    CHECK(p->second == 60);
    CHECK(p->fraction == ".25");
    CHECK(p->utc_minute == (ms("2026-05-28T11:45:00Z") / 60'000));
}

TEST_CASE("civil days round-trip across eras, leap days and before 1970") {
    for (int64_t day : {-719468LL, -1LL, 0LL, 59LL, 11016LL, 20603LL, 2932896LL}) {
        const auto c = ocop::civil_from_days(day);
        CHECK(ocop::days_from_civil(c.year, c.month, c.day) == day);
    }
    const auto leap = ocop::civil_from_days(ocop::days_from_civil(2024, 2, 29));
    CHECK((leap.year == 2024 && leap.month == 2 && leap.day == 29));
    CHECK(ocop::days_from_civil(2000, 3, 1) - ocop::days_from_civil(2000, 2, 28) == 2);
    CHECK(ocop::days_from_civil(1900, 3, 1) - ocop::days_from_civil(1900, 2, 28) == 1);
    CHECK(ocop::floor_div(-1, 1440) == -1);
    CHECK(ocop::floor_div(1439, 1440) == 0);
}
