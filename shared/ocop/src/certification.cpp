#include "ocop/domain/certification.hpp"

#include <algorithm>

#include "ocop/core/error.hpp"
#include "ocop/domain/domain_error_codes.hpp"

namespace ocop::domain {

std::optional<Level> certifier_for(const RuleSetCatalog& catalog, int stars, Date on) {
    return catalog.in_force(on).certifier(stars);
}

Date certificate_expiry(Date issued_on, int validity_months) {
    return issued_on.add_months(validity_months);
}

Date certificate_expiry(const RuleSet& rules, Date issued_on) {
    return certificate_expiry(issued_on, rules.validity_months);
}

std::string_view to_string(FilingTiming t) noexcept {
    switch (t) {
        case FilingTiming::early:
            return "early";
        case FilingTiming::on_time:
            return "on_time";
        case FilingTiming::late:
            return "late";
    }
    return "?";
}

FilingWindow reevaluation_window(const ReevaluationPolicy& p, Date expires_on) {
    return FilingWindow{expires_on.add_days(-p.earliest_days_before_expiry),
                        expires_on.add_days(-p.latest_days_before_expiry)};
}

FilingTiming reevaluation_timing(const ReevaluationPolicy& p, Date expires_on, Date filed_on) {
    const int64_t before = expires_on - filed_on;  // days before expiry
    if (before > p.earliest_days_before_expiry) return FilingTiming::early;
    if (before >= p.latest_days_before_expiry) return FilingTiming::on_time;
    return FilingTiming::late;
}

Date reevaluation_decision_due(const ReevaluationPolicy& p, Date received) {
    return received.add_days(p.decision_within_days);
}

Date last_valid_day(const ReevaluationPolicy& p, Date expires_on, Date filed_on,
                    std::optional<Date> decided_on) {
    if (reevaluation_timing(p, expires_on, filed_on) != FilingTiming::late) return expires_on;
    if (filed_on > expires_on) return expires_on;
    Date until = expires_on.add_days(p.late_extension_max_days);
    if (decided_on) until = std::min(until, *decided_on);
    return std::max(until, expires_on);
}

std::string Round::label() const {
    return std::string(to_string(level)) + "-" + std::to_string(year) + "-" + std::to_string(round);
}

Round next_round(const RuleSet& rules, Level level, Date proposal_date) {
    std::optional<Round> best;
    for (const RoundRule& r : rules.rounds) {
        if (r.level != level) continue;
        // This year's deadline if the proposal is strictly before it, else next year's.
        for (int year : {proposal_date.year(), proposal_date.year() + 1}) {
            const Date deadline = Date::from_ymd(year, r.proposals_month, r.proposals_day);
            if (proposal_date < deadline) {
                Round cand{level, r.round, year, deadline,
                           Date::from_ymd(year, r.decided_month, r.decided_day)};
                if (!best || cand.proposals_before < best->proposals_before) best = cand;
                break;
            }
        }
    }
    if (!best)
        throw Error(ErrorKind::invalid_input, errc::rule_set_incomplete,
                    "rule set '" + rules.id + "' has no evaluation rounds at " +
                        std::string(to_string(level)) + " level");
    return *best;
}

}  // namespace ocop::domain
