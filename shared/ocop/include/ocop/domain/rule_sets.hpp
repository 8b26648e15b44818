// OCOP rule sets as data with effective dates (shared/ocop/rules/*.json, compiled in):
// Decision 1048/2019, 148/2023, 148 as amended by 1489/2025, and 26/2026 (current). Each holds
// the part maxima, the star bands, who certifies which stars, the certificate validity and, where
// the data are known, the re-evaluation window and the evaluation rounds. Old records keep the
// rule set they were made under; new work uses the set in force on its date.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "ocop/domain/date.hpp"

namespace ocop::domain {

// The authority that certifies (certificate.issued_by) or organises a round.
enum class Level { commune, district, province, ministry };
std::string_view to_string(Level level) noexcept;
std::optional<Level> level_from_string(std::string_view name) noexcept;

struct PartMax {
    std::string part;  // "A", "B", "C"
    int max = 0;
    std::string title_vi;
};

// Half-open band [from, below); the top band (below unset) runs up to max_total inclusive.
struct StarBand {
    int stars = 0;
    double from = 0;
    std::optional<double> below;
};

struct CertifierGrant {
    int stars = 0;
    Level level = Level::province;
};

// Re-evaluation of an expiring certificate (26/2026 Art. 7.6, Art. 12.3).
struct ReevaluationPolicy {
    int earliest_days_before_expiry = 180;  // filing earlier than this is early
    int latest_days_before_expiry = 120;    // filing later than this is late
    int decision_within_days = 45;          // from a complete dossier
    int late_extension_max_days = 180;      // validity kept past expiry for a late filing
};

// One evaluation round: proposals received strictly before (month, day) are decided strictly
// before (decided_month, decided_day) of the same year.
struct RoundRule {
    Level level = Level::province;
    int round = 0;
    int proposals_month = 0, proposals_day = 0;
    int decided_month = 0, decided_day = 0;
};

// A procedural deadline as data (26/2026 Art. 7.2, 7.6.g, 8.4, 12.2): `days` counted from the day
// after the event that starts it (Civil Code 2015 Art. 147.2-147.3), in working days ("ngày làm
// việc") or in calendar days ("ngày"; a last day that is a day off moves to the next working day,
// Civil Code Art. 148.5). `source` names the article and the line of the decision's transcript.
struct DeadlineRule {
    std::string id;  // "commune_report", "reevaluation_decision", "revocation", ...
    int days = 0;
    bool working_days = false;
    std::string source;  // "Art. 7.2 (sources/qd26_2026_QD-TTg_fulltext.txt: line 202)"
    std::string title_vi;
    std::string starts_vi;  // the event that starts it
};

struct RuleSet {
    std::string id;  // "qd26_2026"
    std::string instrument_vi;
    Date effective_from;
    std::optional<Date> lapses_on;  // first day no longer in force
    std::optional<std::string> amends;
    int max_total = 100;
    std::vector<PartMax> parts;
    std::vector<StarBand> bands;  // highest first
    std::vector<CertifierGrant> certifiers;
    Level first_assessment_level = Level::commune;
    double ministry_threshold = 90;
    int validity_months = 36;
    std::optional<ReevaluationPolicy> reevaluation;
    std::vector<RoundRule> rounds;
    std::optional<std::string> rubrics;  // the rule_set of the scoring sheets, when present
    std::vector<DeadlineRule> deadlines;
    std::vector<std::string> notes;

    // Throws Error(ocop.rule_set_invalid) naming the problem: parts must add up to max_total,
    // bands must tile [0, max_total] without gaps or overlaps, stars 1..5 once each...
    static RuleSet from_json(const nlohmann::json& doc);

    bool in_force_on(Date d) const noexcept {
        return effective_from <= d && (!lapses_on || d < *lapses_on);
    }
    int part_max(std::string_view part) const;  // throws rule_set_incomplete when unknown
    // The level that certifies `stars` under this set, or nothing (1 and 2 stars: no certificate).
    std::optional<Level> certifier(int stars) const noexcept;
    // Throws rule_set_incomplete when the set has no re-evaluation data.
    const ReevaluationPolicy& reevaluation_policy() const;
    const DeadlineRule* find_deadline(std::string_view id) const noexcept;
    const DeadlineRule& deadline(std::string_view id) const;  // throws rule_set_incomplete
};

class RuleSetCatalog {
  public:
    // Sorted by effective date; ids must be unique. Throws rule_set_invalid.
    explicit RuleSetCatalog(std::vector<RuleSet> sets);
    static RuleSetCatalog from_json_texts(const std::vector<std::string_view>& texts);

    const std::vector<RuleSet>& all() const noexcept { return sets_; }
    const RuleSet* find(std::string_view id) const noexcept;
    const RuleSet& require(std::string_view id) const;  // throws rule_set_unknown
    // The newest set whose effective date is on or before `d` (when two overlap during a
    // transition, the newer one governs new work). Throws rule_set_none_in_force before the first.
    const RuleSet& in_force(Date d) const;
    // Every set in force on `d` (several during a transition, e.g. 2026-05-22 to 2026-07-21).
    std::vector<const RuleSet*> all_in_force(Date d) const;
    // The newest set.
    const RuleSet& current() const { return sets_.back(); }

  private:
    std::vector<RuleSet> sets_;
};

// The rule sets compiled into every binary. Parsed on first use, immutable afterwards.
const RuleSetCatalog& builtin_rule_sets();

}  // namespace ocop::domain
