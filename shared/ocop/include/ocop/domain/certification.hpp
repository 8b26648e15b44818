// Certification by date: who may certify which stars on a day, certificate validity and expiry,
// the re-evaluation filing window, and the evaluation rounds. Pure functions of the rule sets.
#pragma once

#include <optional>
#include <string>

#include "ocop/domain/date.hpp"
#include "ocop/domain/rule_sets.hpp"

namespace ocop::domain {

// The level that may certify `stars` on `on` under the rule set in force that day (the newest
// one during a transition): 3 stars were certified by the district until 2025-07-05 (148/2023),
// by the province from 2025-07-06 (1489/2025, then 26/2026); 5 stars by the ministry. Nothing for
// 1 and 2 stars. Throws ocop.rule_set_none_in_force before 2019-08-21.
std::optional<Level> certifier_for(const RuleSetCatalog& catalog, int stars, Date on);

// --- certificate validity -------------------------------------------------------------------
// `expires_on` is the last day of validity: issue date + validity months (36), end-of-month
// clamped (2024-02-29 -> 2027-02-28).
Date certificate_expiry(Date issued_on, int validity_months = 36);
Date certificate_expiry(const RuleSet& rules, Date issued_on);
inline bool is_expired(Date expires_on, Date today) noexcept {
    return today > expires_on;
}
// Still valid today and expiring at most `days` days from today (0 = expires today).
inline bool expiring_within(Date expires_on, Date today, int days) noexcept {
    return today <= expires_on && expires_on - today <= days;
}
inline int64_t days_until_expiry(Date expires_on, Date today) noexcept {
    return expires_on - today;
}

// --- re-evaluation ----------------------------------------------------------------------------
enum class FilingTiming {
    early,    // more than 180 days before expiry: not yet accepted
    on_time,  // 180 to 120 days before expiry, both ends included
    late,     // fewer than 120 days before expiry (or after it)
};
std::string_view to_string(FilingTiming t) noexcept;

// The first and last day on which a re-evaluation dossier is on time.
struct FilingWindow {
    Date opens;   // expiry - 180 days
    Date closes;  // expiry - 120 days
};
FilingWindow reevaluation_window(const ReevaluationPolicy& policy, Date expires_on);
FilingTiming reevaluation_timing(const ReevaluationPolicy& policy, Date expires_on, Date filed_on);
// The latest day for the decision on a re-evaluation whose complete dossier arrived on `received`.
Date reevaluation_decision_due(const ReevaluationPolicy& policy, Date received);
// The last day the certificate may be used given a re-evaluation filed on `filed_on`: its expiry,
// except after a late filing made on or before the expiry day (26/2026 Art. 12.3), which keeps it
// valid until the decision (`decided_on`, when known) but at most 180 days past expiry. A filing
// made after expiry does not revive a lapsed certificate.
Date last_valid_day(const ReevaluationPolicy& policy, Date expires_on, Date filed_on,
                    std::optional<Date> decided_on = std::nullopt);

// --- rounds -----------------------------------------------------------------------------------
struct Round {
    Level level = Level::province;
    int round = 0;              // 1 or 2 within its year
    int year = 0;               // the year of its proposal deadline
    Date proposals_before;      // proposals must arrive strictly before this day
    Date decided_before;        // and are decided strictly before this day
    std::string label() const;  // "province-2026-1"
};
// The round a proposal made on `proposal_date` joins at `level` (province: before 30/4 -> decided
// before 30/6, before 30/10 -> before 30/12; ministry: before 30/7 -> before 30/9, before 30/1 ->
// before 30/3). Throws ocop.rule_set_incomplete when the rule set has no rounds for the level.
Round next_round(const RuleSet& rules, Level level, Date proposal_date);

}  // namespace ocop::domain
