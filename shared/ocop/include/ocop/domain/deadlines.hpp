// The procedural deadlines of Decision 26/2026 (the rule set's `deadlines`, with their articles)
// on the working calendar, and the deadlines a record is running: what a device shows as "due in
// N working days" and lists as overdue. Pure functions of the rule sets, the calendar and the
// record; a late step is still recorded (the law dates it, it does not void it), so deadlines are
// shown, not refused.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ocop/core/store.hpp"
#include "ocop/domain/date.hpp"
#include "ocop/domain/rule_sets.hpp"
#include "ocop/domain/working_calendar.hpp"

namespace ocop::domain {

// The last day of `rule` started on `start`: the `days`-th working day after it, or, for calendar
// days, start + days moved to the next working day when that is a day off (Civil Code 2015
// Art. 147.2-147.3, 148.1, 148.5). Throws ocop.calendar_year_missing past the calendar's years.
Date deadline_due(const WorkingCalendar& cal, const DeadlineRule& rule, Date start);

struct DueStatus {
    Date due;
    // Working days after `today` up to and including `due` (0: due today); when overdue, minus
    // the working days after `due` up to and including today.
    int64_t working_days_left = 0;
    int64_t calendar_days_left = 0;  // due - today
    bool overdue = false;            // today > due
    bool provisional = false;        // counted over a year whose holidays are not announced yet
};
DueStatus due_status(const WorkingCalendar& cal, Date due, Date today);
// "Còn 3 ngày làm việc (hạn 12/06/2026)", "Hạn hôm nay (hạn 12/06/2026)", "Quá hạn 2 ngày làm việc
// (hạn 12/06/2026)"; " – lịch nghỉ chưa công bố" appended when provisional.
std::string due_text_vi(const DueStatus& s);

struct RunningDeadline {
    std::string rule;  // DeadlineRule::id
    std::string source;
    std::string title_vi;
    std::string collection;
    std::string record_id;
    std::string rule_set;  // the rule set the deadline comes from
    Date starts;
    Date due;
};

// The deadlines `record` runs (none once its step is done):
// - registration, filed before a rule set with transitional deadlines took effect and not yet
//   decided or withdrawn: transitional_first (first/upgrade) or transitional_reevaluation, from
//   that rule set's effective date (Art. 12.2);
// - registration otherwise, still at the commune (status received/incomplete): commune_report,
//   from commune_received_on (filed_on when not recorded) (Art. 7.2);
// - registration of kind re_evaluation with complete_on and not decided/withdrawn:
//   reevaluation_decision from complete_on (Art. 7.6.g);
// - proposal of kind revoke, open, with concluded_on: revocation from concluded_on (Art. 8.4).
// The rule set is the one in force on the start day; one without the deadline yields none.
// `due` is deadline_due on `cal`: throws ocop.calendar_year_missing past the calendar's years.
std::vector<RunningDeadline> running_deadlines(const RuleSetCatalog& rule_sets,
                                               const WorkingCalendar& cal, const Record& record);

// The collections whose records can run a deadline (what a device scans).
inline constexpr std::string_view deadline_collections[] = {"registration", "proposal"};

}  // namespace ocop::domain
