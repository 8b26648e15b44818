// Calendar dates for the OCOP rules (effective dates, certificate validity, filing windows,
// rounds). A date is a day of the proleptic Gregorian calendar with no time zone; the schema's
// `date` fields ("YYYY-MM-DD") map to it one to one. Implemented without <chrono> calendar types
// so that the same code runs on every device toolchain.
#pragma once

#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace ocop::domain {

class Date {
  public:
    constexpr Date() = default;  // 1970-01-01

    // Throws Error(ocop.date_invalid) on a date that does not exist (e.g. 2025-02-29).
    static Date from_ymd(int year, int month, int day);
    // "YYYY-MM-DD"; throws Error(ocop.date_invalid) naming the text.
    static Date parse(std::string_view iso);
    static std::optional<Date> try_parse(std::string_view iso) noexcept;
    static constexpr Date from_days(int64_t days_since_epoch) noexcept {
        Date d;
        d.days_ = days_since_epoch;
        return d;
    }
    // The calendar day in Vietnam (UTC+07:00) of a Unix time in milliseconds.
    static Date from_unix_ms(int64_t unix_ms, int utc_offset_minutes = 7 * 60) noexcept;

    constexpr int64_t days() const noexcept { return days_; }  // since 1970-01-01
    int year() const noexcept;
    int month() const noexcept;  // 1..12
    int day() const noexcept;    // 1..31
    // ISO weekday: 1 = Monday .. 7 = Sunday (1970-01-01 was a Thursday).
    constexpr int weekday() const noexcept {
        const int64_t r = (days_ + 3) % 7;
        return static_cast<int>(r < 0 ? r + 7 : r) + 1;
    }
    std::string iso() const;  // "YYYY-MM-DD"

    constexpr Date add_days(int64_t n) const noexcept { return from_days(days_ + n); }
    // Calendar months; a day that the target month lacks becomes its last day (Civil Code 2015,
    // Art. 148: a period in months ends on the corresponding day of the last month, or on that
    // month's last day when it has no corresponding day). 2024-02-29 + 36 months = 2027-02-28.
    Date add_months(int n) const;

    friend constexpr auto operator<=>(Date a, Date b) noexcept = default;
    friend constexpr bool operator==(Date a, Date b) noexcept = default;
    // Days from b to a (positive when a is later).
    friend constexpr int64_t operator-(Date a, Date b) noexcept { return a.days_ - b.days_; }

  private:
    int64_t days_ = 0;
};

bool is_leap_year(int year) noexcept;
int days_in_month(int year, int month) noexcept;

}  // namespace ocop::domain
