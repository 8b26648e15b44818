// Working days of state bodies in Vietnam: Monday to Friday, less the public holidays of the
// Labour Code 2019 (Art. 112, with the compensatory days of Art. 111.3) and the year's announced
// swaps. The holidays are dated data per year (shared/ocop/calendar/vn_public_holidays.json, with
// their source): Tết and Giỗ Tổ Hùng Vương follow the lunar calendar, and the Prime Minister fixes
// the Tết days each year, so no rule can compute them. Every OCOP deadline counts through this.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "ocop/domain/date.hpp"

namespace ocop::domain {

struct CalendarDay {
    Date date;
    std::string name_vi;
    std::string basis;  // the provision it rests on
};

struct CalendarYear {
    int year = 0;
    bool provisional = false;           // the year's notice is not out: Tết days are a reading
    std::vector<CalendarDay> days_off;  // weekdays off
    std::vector<CalendarDay> working_weekend_days;  // Saturdays worked in exchange
};

class WorkingCalendar {
  public:
    // Throws Error(ocop.calendar_invalid): a year listed twice, a date outside its year, a day
    // off on a weekend (it would change nothing: the compensatory weekday is what is listed),
    // a working weekend day that is not a Saturday or Sunday.
    static WorkingCalendar from_json(const nlohmann::json& doc);

    const std::vector<CalendarYear>& years() const noexcept { return years_; }
    bool covers(Date d) const noexcept { return find_year(d.year()) != nullptr; }
    // Throws Error(ocop.calendar_year_missing) for a day of a year the data do not cover.
    bool is_working_day(Date d) const;
    bool is_provisional(Date d) const;
    // The holiday, compensatory day or swap that makes `d` a day off, or nullptr.
    const CalendarDay* day_off(Date d) const;

    // The n-th working day after `from` (n >= 1; `from` itself is not counted, as a period
    // "kể từ ngày" starts the next day: Civil Code 2015 Art. 147.2-147.3).
    Date add_working_days(Date from, int n) const;
    // Working days in (from, to]; negative, -(working days in (to, from]), when to < from.
    int64_t working_days_between(Date from, Date to) const;
    // `d` when it is a working day, else the next one.
    Date next_working_day(Date d) const;

  private:
    const CalendarYear* find_year(int year) const noexcept;
    std::vector<CalendarYear> years_;
};

// The compiled-in calendar (calendar/vn_public_holidays.json). Parsed on first use.
const WorkingCalendar& builtin_calendar();

}  // namespace ocop::domain
