#include "ocop/domain/working_calendar.hpp"

#include <algorithm>
#include <set>

#include "builtin_domain_data.hpp"
#include "ocop/core/error.hpp"
#include "ocop/domain/domain_error_codes.hpp"

namespace ocop::domain {

using nlohmann::json;

namespace {

[[noreturn]] void invalid(const std::string& what) {
    throw Error(ErrorKind::invalid_input, errc::calendar_invalid, "working calendar: " + what);
}

bool is_weekend(Date d) noexcept {
    return d.weekday() >= 6;
}

std::string text_of(const json& obj, const char* key) {
    if (!obj.is_object() || !obj.contains(key) || !obj.at(key).is_string())
        invalid(std::string("'") + key + "' must be a string");
    return obj.at(key).get<std::string>();
}

std::vector<CalendarDay> days_of(const json& year, const char* key, int y) {
    std::vector<CalendarDay> out;
    if (!year.contains(key)) return out;
    if (!year.at(key).is_array()) invalid(std::to_string(y) + "." + key + " must be an array");
    for (const json& e : year.at(key)) {
        const auto d = Date::try_parse(text_of(e, "date"));
        if (!d)
            invalid(std::to_string(y) + "." + key + ": '" + text_of(e, "date") + "' is no date");
        if (d->year() != y) invalid(d->iso() + " is listed under " + std::to_string(y));
        out.push_back({*d, text_of(e, "name_vi"), text_of(e, "basis")});
    }
    return out;
}

bool listed(const std::vector<CalendarDay>& days, Date d) noexcept {
    return std::any_of(days.begin(), days.end(), [&](const CalendarDay& c) { return c.date == d; });
}

}  // namespace

WorkingCalendar WorkingCalendar::from_json(const json& doc) {
    if (!doc.is_object() || !doc.contains("years") || !doc.at("years").is_array())
        invalid("missing 'years'");
    WorkingCalendar cal;
    std::set<int> seen;
    for (const json& y : doc.at("years")) {
        if (!y.is_object() || !y.contains("year") || !y.at("year").is_number_integer())
            invalid("a year without 'year'");
        CalendarYear cy;
        cy.year = y.at("year").get<int>();
        if (!seen.insert(cy.year).second) invalid(std::to_string(cy.year) + " is listed twice");
        const std::string status = text_of(y, "status");
        if (status != "announced" && status != "provisional")
            invalid(std::to_string(cy.year) + ": status must be announced or provisional");
        cy.provisional = status == "provisional";
        cy.days_off = days_of(y, "days_off", cy.year);
        cy.working_weekend_days = days_of(y, "working_weekend_days", cy.year);
        for (const auto& d : cy.days_off)
            if (is_weekend(d.date))
                invalid(d.date.iso() + " is a weekend day; list the compensatory weekday");
        for (const auto& d : cy.working_weekend_days)
            if (!is_weekend(d.date)) invalid(d.date.iso() + " is a weekday, not a swapped weekend");
        cal.years_.push_back(std::move(cy));
    }
    std::sort(cal.years_.begin(), cal.years_.end(),
              [](const CalendarYear& a, const CalendarYear& b) { return a.year < b.year; });
    return cal;
}

const CalendarYear* WorkingCalendar::find_year(int year) const noexcept {
    for (const auto& y : years_)
        if (y.year == year) return &y;
    return nullptr;
}

bool WorkingCalendar::is_working_day(Date d) const {
    const CalendarYear* y = find_year(d.year());
    if (!y) {
        std::string covered;
        for (const auto& c : years_)
            covered += (covered.empty() ? "" : ", ") + std::to_string(c.year);
        throw Error(ErrorKind::invalid_input, errc::calendar_year_missing,
                    d.iso() + ": the working calendar has no public holidays for " +
                        std::to_string(d.year()) + " (it covers " + covered +
                        "); add the year's notice to calendar/vn_public_holidays.json");
    }
    if (is_weekend(d)) return listed(y->working_weekend_days, d);
    return !listed(y->days_off, d);
}

bool WorkingCalendar::is_provisional(Date d) const {
    const CalendarYear* y = find_year(d.year());
    return !y || y->provisional;
}

const CalendarDay* WorkingCalendar::day_off(Date d) const {
    const CalendarYear* y = find_year(d.year());
    if (!y) return nullptr;
    for (const auto& c : y->days_off)
        if (c.date == d) return &c;
    return nullptr;
}

Date WorkingCalendar::add_working_days(Date from, int n) const {
    Date d = from;
    for (int counted = 0; counted < n;) {
        d = d.add_days(1);
        if (is_working_day(d)) ++counted;
    }
    return d;
}

int64_t WorkingCalendar::working_days_between(Date from, Date to) const {
    const bool backwards = to < from;
    const Date lo = backwards ? to : from;
    const Date hi = backwards ? from : to;
    int64_t n = 0;
    for (Date d = lo.add_days(1); d <= hi; d = d.add_days(1))
        if (is_working_day(d)) ++n;
    return backwards ? -n : n;
}

Date WorkingCalendar::next_working_day(Date d) const {
    while (!is_working_day(d)) d = d.add_days(1);
    return d;
}

const WorkingCalendar& builtin_calendar() {
    static const WorkingCalendar calendar = [] {
        const auto files = detail::builtin_data_files("calendar/");
        if (files.size() != 1) invalid("expected one compiled-in calendar file");
        try {
            return WorkingCalendar::from_json(json::parse(files.front().text));
        } catch (const json::exception& e) {
            invalid(std::string("not JSON: ") + e.what());
        }
    }();
    return calendar;
}

}  // namespace ocop::domain
