#include "ocop/domain/deadlines.hpp"

#include <cstdio>

#include "ocop/core/error.hpp"

namespace ocop::domain {

namespace {

std::string text(const Record& r, std::string_view field) {
    const Value& v = r.get(field);
    return v.is_string() ? v.get<std::string>() : std::string();
}

std::optional<Date> date(const Record& r, std::string_view field) {
    const Value& v = r.get(field);
    return v.is_string() ? Date::try_parse(v.get<std::string>()) : std::nullopt;
}

std::string dmy(Date d) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "%02d/%02d/%04d", d.day(), d.month(), d.year());
    return buf;
}

// The rule set in force on `start`, when it carries `deadline_id`.
const RuleSet* governing(const RuleSetCatalog& rule_sets, Date start,
                         std::string_view deadline_id) {
    try {
        const RuleSet& rs = rule_sets.in_force(start);
        return rs.find_deadline(deadline_id) ? &rs : nullptr;
    } catch (const Error&) {
        return nullptr;  // before the first rule set: no deadline
    }
}

RunningDeadline running(const WorkingCalendar& cal, const RuleSet& rs, std::string_view deadline_id,
                        const Record& r, Date start) {
    const DeadlineRule& d = rs.deadline(deadline_id);
    return {d.id, d.source, d.title_vi, r.collection,
            r.id, rs.id,    start,      deadline_due(cal, d, start)};
}

}  // namespace

Date deadline_due(const WorkingCalendar& cal, const DeadlineRule& rule, Date start) {
    if (rule.working_days) return cal.add_working_days(start, rule.days);
    return cal.next_working_day(start.add_days(rule.days));
}

DueStatus due_status(const WorkingCalendar& cal, Date due, Date today) {
    DueStatus s;
    s.due = due;
    s.calendar_days_left = due - today;
    s.overdue = today > due;
    s.working_days_left = cal.working_days_between(today, due);
    const Date lo = today < due ? today : due;
    const Date hi = today < due ? due : today;
    for (int y = lo.year(); y <= hi.year() && !s.provisional; ++y)
        s.provisional = cal.is_provisional(Date::from_ymd(y, 1, 1));
    return s;
}

std::string due_text_vi(const DueStatus& s) {
    std::string out;
    if (s.overdue)
        out = "Quá hạn " + std::to_string(-s.working_days_left) + " ngày làm việc";
    else if (s.calendar_days_left == 0)
        out = "Hạn hôm nay";
    else
        out = "Còn " + std::to_string(s.working_days_left) + " ngày làm việc";
    out += " (hạn " + dmy(s.due) + ")";
    if (s.provisional) out += " – lịch nghỉ chưa công bố";
    return out;
}

std::vector<RunningDeadline> running_deadlines(const RuleSetCatalog& rule_sets,
                                               const WorkingCalendar& cal, const Record& r) {
    std::vector<RunningDeadline> out;
    if (r.deleted()) return out;
    const auto add = [&](std::string_view deadline_id, Date start) {
        if (const RuleSet* rs = governing(rule_sets, start, deadline_id))
            out.push_back(running(cal, *rs, deadline_id, r, start));
    };

    if (r.collection == "registration") {
        const std::string status = text(r, "status");
        if (status == "withdrawn" || status == "decided" || date(r, "decided_on")) return out;
        const auto filed = date(r, "filed_on");
        if (!filed) return out;
        const bool reeval = text(r, "kind") == "re_evaluation";
        const std::string transitional =
            reeval ? "transitional_reevaluation" : "transitional_first";
        // Art. 12.2: a dossier filed before the rule set took effect finishes under the old rules
        // within the transitional period counted from its effective date.
        for (const RuleSet& rs : rule_sets.all())
            if (rs.find_deadline(transitional) && *filed < rs.effective_from) {
                out.push_back(running(cal, rs, transitional, r, rs.effective_from));
                return out;
            }
        if (status == "received" || status == "incomplete")
            add("commune_report", date(r, "commune_received_on").value_or(*filed));
        if (reeval)
            if (const auto complete = date(r, "complete_on"))
                add("reevaluation_decision", *complete);
    } else if (r.collection == "proposal") {
        if (text(r, "kind") != "revoke" || text(r, "status") != "open") return out;
        if (const auto concluded = date(r, "concluded_on")) add("revocation", *concluded);
    }
    return out;
}

}  // namespace ocop::domain
