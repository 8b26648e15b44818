// The working calendar and the deadlines of Decision 26/2026. Line numbers cite
// /work/shared/domain/sources/qd26_2026_QD-TTg_fulltext.txt ("sources/...: line N").
#include <catch2/catch.hpp>

#include <map>

#include "domain_test_support.hpp"
#include "ocop/domain/deadlines.hpp"
#include "ocop/domain/domain_error_codes.hpp"
#include "ocop/domain/working_calendar.hpp"

using namespace ocop::domain;
using ocop::domain::test::d;
using ocop::domain::test::error_code_of;

namespace {

ocop::Record record(const std::string& collection, const std::string& id,
                    const std::map<std::string, ocop::Value>& fields) {
    ocop::Record r;
    r.collection = collection;
    r.id = id;
    for (const auto& [k, v] : fields) r.fields[k] = ocop::CellValue{v, {}, 0};
    return r;
}

const DeadlineRule& rule(const char* id) {
    return builtin_rule_sets().require("qd26_2026").deadline(id);
}

}  // namespace

TEST_CASE("calendar: weekdays, Tết, compensatory days and swaps as dated data", "[calendar]") {
    const WorkingCalendar& cal = builtin_calendar();
    CHECK(d("1970-01-01").weekday() == 4);  // Thursday
    CHECK(d("2026-02-17").weekday() == 2);
    CHECK(cal.is_working_day(d("2026-02-13")));        // Friday before Tết
    CHECK_FALSE(cal.is_working_day(d("2026-02-17")));  // mùng 1 Tết Bính Ngọ (lunar new year)
    CHECK_FALSE(cal.is_working_day(d("2026-02-16")));  // giao thừa
    CHECK(cal.is_working_day(d("2026-02-23")));
    CHECK_FALSE(cal.is_working_day(d("2026-02-21")));  // Saturday
    // 10/3 lunar 2026 is Sunday 26/4: the compensatory Monday (Labour Code Art. 111.3).
    CHECK_FALSE(cal.is_working_day(d("2026-04-27")));
    CHECK(cal.day_off(d("2026-04-27")) != nullptr);
    CHECK_FALSE(cal.is_working_day(d("2026-09-02")));
    // A swapped Saturday is worked (2025: 26/4 worked, 2/5 off).
    CHECK(cal.is_working_day(d("2025-04-26")));
    CHECK_FALSE(cal.is_working_day(d("2025-05-02")));
    CHECK(cal.is_provisional(d("2027-03-01")));
    CHECK_FALSE(cal.is_provisional(d("2026-03-01")));
    CHECK(error_code_of([&] { cal.is_working_day(d("2031-01-02")); }) ==
          ocop::domain::errc::calendar_year_missing);
}

TEST_CASE("calendar: malformed data are refused", "[calendar]") {
    const auto bad = [](const char* text) {
        return error_code_of([&] { WorkingCalendar::from_json(nlohmann::json::parse(text)); });
    };
    CHECK(bad(R"({"years": [{"year": 2026, "status": "announced", "days_off": [
              {"date": "2026-02-21", "name_vi": "x", "basis": "y"}]}]})") ==
          ocop::domain::errc::calendar_invalid);  // a Saturday listed as a day off
    CHECK(bad(R"({"years": [{"year": 2026, "status": "announced", "days_off": [
              {"date": "2025-02-20", "name_vi": "x", "basis": "y"}]}]})") ==
          ocop::domain::errc::calendar_invalid);  // outside its year
    CHECK(bad(R"({"years": [{"year": 2026, "status": "announced"},
                            {"year": 2026, "status": "announced"}]})") ==
          ocop::domain::errc::calendar_invalid);
    CHECK(bad(R"({"years": [{"year": 2026, "status": "guessed"}]})") ==
          ocop::domain::errc::calendar_invalid);
}

TEST_CASE("Art. 7.2 (sources/...: lines 200-203): the commune reports within 15 working days",
          "[deadlines]") {
    const WorkingCalendar& cal = builtin_calendar();
    const DeadlineRule& r = rule("commune_report");
    CHECK(r.days == 15);
    CHECK(r.working_days);
    // Received Thursday 12/2/2026: Tết (16-20/2) and four weekends are not counted.
    CHECK(deadline_due(cal, r, d("2026-02-12")) == d("2026-03-12"));
    // Received Friday 24/4/2026: 27/4 (Hùng Vương, compensatory), 30/4 and 1/5 are not counted.
    CHECK(deadline_due(cal, r, d("2026-04-24")) == d("2026-05-20"));
    // An ordinary fortnight: 15 working days = 3 weeks.
    CHECK(deadline_due(cal, r, d("2026-06-01")) == d("2026-06-22"));
}

TEST_CASE(
    "Art. 7.6.g (sources/...: lines 355-357): re-evaluation within 45 days of a complete "
    "dossier",
    "[deadlines]") {
    const WorkingCalendar& cal = builtin_calendar();
    const DeadlineRule& r = rule("reevaluation_decision");
    CHECK(r.days == 45);
    CHECK_FALSE(r.working_days);
    CHECK(r.days ==
          builtin_rule_sets().require("qd26_2026").reevaluation_policy().decision_within_days);
    // Complete 10/6/2026: day 45 is Saturday 25/7, so the period ends Monday 27/7 (Civil Code
    // Art. 148.5).
    CHECK(deadline_due(cal, r, d("2026-06-10")) == d("2026-07-27"));
    CHECK(deadline_due(cal, r, d("2026-06-12")) == d("2026-07-27"));  // day 45 is Sunday 26/7
    CHECK(deadline_due(cal, r, d("2026-06-15")) == d("2026-07-30"));  // a Thursday: unchanged
}

TEST_CASE("Art. 8.4 (sources/...: lines 392-394): revocation within 15 days of the conclusion",
          "[deadlines]") {
    const WorkingCalendar& cal = builtin_calendar();
    const DeadlineRule& r = rule("revocation");
    CHECK(r.days == 15);
    CHECK_FALSE(r.working_days);
    CHECK(deadline_due(cal, r, d("2026-06-01")) == d("2026-06-16"));
    // Day 15 is 2/9/2026 (Quốc khánh): the period ends on Thursday 3/9.
    CHECK(deadline_due(cal, r, d("2026-08-18")) == d("2026-09-03"));
}

TEST_CASE("Art. 12.2 (sources/...: lines 481-491): transitional 60 and 30 days from 22/5/2026",
          "[deadlines]") {
    const WorkingCalendar& cal = builtin_calendar();
    const Date effective = builtin_rule_sets().require("qd26_2026").effective_from;
    CHECK(effective == d("2026-05-22"));  // Art. 11.1 (line 467-468)
    // 23/5 is day 1 (Civil Code Art. 147.2): day 60 is Tuesday 21/7/2026.
    CHECK(deadline_due(cal, rule("transitional_first"), effective) == d("2026-07-21"));
    // Day 30 is Sunday 21/6/2026: the period ends Monday 22/6 (Civil Code Art. 148.5).
    CHECK(deadline_due(cal, rule("transitional_reevaluation"), effective) == d("2026-06-22"));
}

TEST_CASE("Art. 11.2 (sources/...: lines 469-475): 148 and 1489 apply through the 60th day",
          "[deadlines]") {
    const RuleSetCatalog& cat = builtin_rule_sets();
    const RuleSet& old = cat.require("qd1489_2025");
    REQUIRE(old.lapses_on);
    // 60 days after 22/5: 23/5..21/7 (9 + 30 + 21); first day not in force 22/7.
    CHECK(*old.lapses_on == d("2026-05-22").add_days(60).add_days(1));
    CHECK(old.in_force_on(d("2026-07-21")));
    CHECK_FALSE(old.in_force_on(d("2026-07-22")));
}

TEST_CASE("due in N working days, overdue by N working days", "[deadlines]") {
    const WorkingCalendar& cal = builtin_calendar();
    const Date due = d("2026-03-12");  // Thursday
    const DueStatus ahead = due_status(cal, due, d("2026-03-10"));
    CHECK(ahead.working_days_left == 2);
    CHECK_FALSE(ahead.overdue);
    CHECK(due_text_vi(ahead) == "Còn 2 ngày làm việc (hạn 12/03/2026)");
    const DueStatus today = due_status(cal, due, due);
    CHECK(today.working_days_left == 0);
    CHECK(due_text_vi(today) == "Hạn hôm nay (hạn 12/03/2026)");
    const DueStatus late = due_status(cal, due, d("2026-03-16"));  // Friday 13, Monday 16
    CHECK(late.overdue);
    CHECK(late.working_days_left == -2);
    CHECK(due_text_vi(late) == "Quá hạn 2 ngày làm việc (hạn 12/03/2026)");
    // Over Tết: from Friday 13/2 to Monday 23/2 is one working day.
    CHECK(due_status(cal, d("2026-02-23"), d("2026-02-13")).working_days_left == 1);
    const DueStatus next_year = due_status(cal, d("2027-01-05"), d("2026-12-28"));
    CHECK(next_year.provisional);
    CHECK(due_text_vi(next_year).find("lịch nghỉ chưa công bố") != std::string::npos);
}

TEST_CASE("running deadlines of registrations and revocation proposals", "[deadlines]") {
    const RuleSetCatalog& cat = builtin_rule_sets();
    const WorkingCalendar& cal = builtin_calendar();
    using ocop::Value;

    SECTION("Art. 7.2 (line 202): at the commune, from the commune's receipt date") {
        const auto r = record("registration", "r1",
                              {{"status", Value("received")},
                               {"kind", Value("first")},
                               {"filed_on", Value("2026-08-25")},
                               {"commune_received_on", Value("2026-08-28")}});
        // The commune's date counts, not filed_on; 1/9 and 2/9 are not working days.
        const auto rs = running_deadlines(cat, cal, r);
        REQUIRE(rs.size() == 1);
        CHECK(rs[0].rule == "commune_report");
        CHECK(rs[0].due == d("2026-09-22"));
        CHECK(rs[0].source.find("Art. 7.2") == 0);
        // Received under 1489/2025 (before 22/5/2026): no 26/2026 commune deadline.
        auto old = r;
        old.fields["commune_received_on"].value = Value("2026-05-21");
        old.fields["filed_on"].value = Value("2026-05-22");
        CHECK(running_deadlines(cat, cal, old).empty());
    }
    SECTION("Art. 7.2: filed_on when the receipt date is not recorded; none once assessed") {
        auto r = record("registration", "r2",
                        {{"status", Value("incomplete")},
                         {"kind", Value("first")},
                         {"filed_on", Value("2026-06-01")}});
        auto rs = running_deadlines(cat, cal, r);
        REQUIRE(rs.size() == 1);
        CHECK(rs[0].due == d("2026-06-22"));
        r.fields["status"].value = Value("commune_assessed");
        CHECK(running_deadlines(cat, cal, r).empty());
    }
    SECTION("Art. 7.6.g (line 356): a complete re-evaluation dossier runs 45 days until decided") {
        auto r = record("registration", "r3",
                        {{"status", Value("sent_to_province")},
                         {"kind", Value("re_evaluation")},
                         {"filed_on", Value("2026-06-01")},
                         {"complete_on", Value("2026-06-10")}});
        auto rs = running_deadlines(cat, cal, r);
        REQUIRE(rs.size() == 1);
        CHECK(rs[0].rule == "reevaluation_decision");
        CHECK(rs[0].due == d("2026-07-27"));
        r.fields["decided_on"] = ocop::CellValue{Value("2026-07-20"), {}, 0};
        CHECK(running_deadlines(cat, cal, r).empty());
    }
    SECTION("Art. 12.2.a/b (lines 484-491): filed before 22/5/2026 and not decided") {
        auto first = record("registration", "r4",
                            {{"status", Value("sent_to_province")},
                             {"kind", Value("upgrade")},
                             {"filed_on", Value("2026-05-21")}});
        auto rs = running_deadlines(cat, cal, first);
        REQUIRE(rs.size() == 1);
        CHECK(rs[0].rule == "transitional_first");
        CHECK(rs[0].due == d("2026-07-21"));
        CHECK(rs[0].rule_set == "qd26_2026");
        auto again = record("registration", "r5",
                            {{"status", Value("received")},
                             {"kind", Value("re_evaluation")},
                             {"filed_on", Value("2026-04-01")}});
        rs = running_deadlines(cat, cal, again);
        REQUIRE(rs.size() == 1);
        CHECK(rs[0].rule == "transitional_reevaluation");
        CHECK(rs[0].due == d("2026-06-22"));
        again.fields["status"].value = Value("decided");
        CHECK(running_deadlines(cat, cal, again).empty());
    }
    SECTION("Art. 8.4 (line 392): an open revocation proposal with its conclusion date") {
        auto p = record("proposal", "p1",
                        {{"kind", Value("revoke")},
                         {"status", Value("open")},
                         {"concluded_on", Value("2026-08-18")}});
        auto rs = running_deadlines(cat, cal, p);
        REQUIRE(rs.size() == 1);
        CHECK(rs[0].rule == "revocation");
        CHECK(rs[0].due == d("2026-09-03"));
        p.fields["status"].value = Value("done");
        CHECK(running_deadlines(cat, cal, p).empty());
        auto correct = record("proposal", "p2",
                              {{"kind", Value("correct")},
                               {"status", Value("open")},
                               {"concluded_on", Value("2026-08-18")}});
        CHECK(running_deadlines(cat, cal, correct).empty());
    }
}

TEST_CASE("calendar data keep the Labour Code 2019 Art. 112.1 holidays of every year",
          "[calendar]") {
    const WorkingCalendar& cal = builtin_calendar();
    // Lunar new year and 10/3 lunar by year (tools/calendar/lunar_dates.py).
    const std::map<int, std::pair<const char*, const char*>> lunar{
        {2025, {"2025-01-29", "2025-04-07"}},
        {2026, {"2026-02-17", "2026-04-26"}},
        {2027, {"2027-02-06", "2027-04-16"}}};
    REQUIRE(cal.years().size() == lunar.size());
    for (const auto& y : cal.years()) {
        INFO(y.year);
        // A fixed or lunar holiday is a day off; on a weekend, the next weekday is (Art. 111.3).
        const auto kept = [&](Date holiday) {
            Date d = holiday;
            while (d.weekday() >= 6) d = d.add_days(1);
            return !cal.is_working_day(d);
        };
        CHECK(kept(Date::from_ymd(y.year, 1, 1)));
        CHECK(kept(Date::from_ymd(y.year, 4, 30)));
        CHECK(kept(Date::from_ymd(y.year, 5, 1)));
        CHECK(kept(Date::from_ymd(y.year, 9, 2)));
        CHECK(kept(d(lunar.at(y.year).second)));  // Giỗ Tổ Hùng Vương
        // Tết: 5 days (Art. 112.1.b) around the lunar new year, which is one of them or a weekend.
        const Date tet = d(lunar.at(y.year).first);
        int off = 0;
        for (Date x = tet.add_days(-7); x <= tet.add_days(9); x = x.add_days(1))
            if (cal.day_off(x)) ++off;
        CHECK(off == 5);
        CHECK((tet.weekday() >= 6 || !cal.is_working_day(tet)));
        // Quốc khánh has 2 days (2/9 and one adjacent).
        CHECK((cal.day_off(Date::from_ymd(y.year, 9, 1)) ||
               cal.day_off(Date::from_ymd(y.year, 9, 3))));
    }
}
