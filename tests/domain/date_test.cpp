// Calendar dates: parsing, formatting, day and month arithmetic (end-of-month clamping).
#include <catch2/catch.hpp>

#include "domain_test_support.hpp"
#include "ocop/domain/date.hpp"
#include "ocop/domain/domain_error_codes.hpp"

using ocop::domain::Date;
using ocop::domain::test::d;
using ocop::domain::test::error_code_of;
namespace errc = ocop::domain::errc;

TEST_CASE("dates parse and format as YYYY-MM-DD", "[domain][date]") {
    CHECK(Date().iso() == "1970-01-01");
    CHECK(d("2026-05-22").iso() == "2026-05-22");
    CHECK(d("2024-02-29").day() == 29);
    CHECK(d("2026-05-22").year() == 2026);
    CHECK(d("2026-05-22").month() == 5);
    CHECK(Date::from_ymd(2025, 7, 1) == d("2025-07-01"));
    CHECK(d("2026-11-23").days() == 20'780);

    for (const char* bad : {"2025-02-29", "2026-13-01", "2026-04-31", "2026-5-22", "22/05/2026",
                            "2026-05-22T00:00", "", "abcd-ef-gh"}) {
        INFO(bad);
        CHECK_FALSE(Date::try_parse(bad).has_value());
        CHECK(error_code_of([&] { Date::parse(bad); }) == errc::date_invalid);
    }
    CHECK(error_code_of([] { Date::from_ymd(2023, 2, 29); }) == errc::date_invalid);
}

TEST_CASE("day arithmetic and differences", "[domain][date]") {
    CHECK(d("2025-06-30").add_days(1) == d("2025-07-01"));
    CHECK(d("2024-12-31").add_days(1) == d("2025-01-01"));
    CHECK(d("2024-03-01").add_days(-1) == d("2024-02-29"));
    CHECK(d("2026-05-22").add_days(60) == d("2026-07-21"));  // the 60th day of Art. 11.2
    CHECK(d("2027-02-28") - d("2026-09-01") == 180);
    CHECK(d("2026-09-01") - d("2027-02-28") == -180);
    CHECK(d("2025-07-01") < d("2025-07-02"));
}

TEST_CASE("months clamp to the last day of a shorter month", "[domain][date]") {
    CHECK(d("2024-02-29").add_months(36) == d("2027-02-28"));
    CHECK(d("2024-02-29").add_months(48) == d("2028-02-29"));
    CHECK(d("2024-01-31").add_months(1) == d("2024-02-29"));
    CHECK(d("2023-01-31").add_months(1) == d("2023-02-28"));
    CHECK(d("2023-08-31").add_months(36) == d("2026-08-31"));
    CHECK(d("2023-05-31").add_months(36) == d("2026-05-31"));
    CHECK(d("2024-03-31").add_months(-1) == d("2024-02-29"));
    CHECK(d("2026-01-15").add_months(-13) == d("2024-12-15"));
    CHECK(d("2025-12-31").add_months(2) == d("2026-02-28"));
}

TEST_CASE("a Unix time maps to the calendar day in Vietnam", "[domain][date]") {
    // 2025-06-30T17:00:00Z is 2025-07-01 00:00 in UTC+07:00.
    const int64_t ms = Date::parse("2025-06-30").days() * 86'400'000 + 17 * 3'600'000;
    CHECK(Date::from_unix_ms(ms) == d("2025-07-01"));
    CHECK(Date::from_unix_ms(ms - 1) == d("2025-06-30"));
    CHECK(Date::from_unix_ms(ms, 0) == d("2025-06-30"));
    CHECK(Date::from_unix_ms(-1, 0) == d("1969-12-31"));
}
