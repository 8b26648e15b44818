// Scoring and ranking: a council member's sheet, the council's average, the star band, the star
// minimums (options marked ***, ****, *****) and the awarded stars. Pure functions of the data.
#pragma once

#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "ocop/domain/rubrics.hpp"
#include "ocop/domain/rule_sets.hpp"

namespace ocop::domain {

using ItemPoints = std::map<std::string, double, std::less<>>;

// A filled sheet: for each scored item (by code), the chosen option as a 0-based index into the
// item's options (for choose_one_case items the index also tells the case). The JSON form, stored
// in council_sheet.scores and self_assessment.scores, is {"1.1": 2, "6.1.1": 0, ...};
// {"1.1": {"option": 2}} is read too.
struct ScoreSheet {
    std::map<std::string, int, std::less<>> choices;

    static ScoreSheet from_json(const nlohmann::json& doc);  // throws ocop.score_invalid
    nlohmann::json to_json() const;
};

struct SheetScore {
    int total = 0;
    std::map<std::string, int, std::less<>> part_totals;  // "A", "B", "C"
    std::map<std::string, int, std::less<>> item_points;  // every scored item; 0 when unchosen
    std::vector<std::string> unscored;                    // scored items without a choice
};

// Throws ocop.score_invalid on an unknown item code, a choice for an item that is not scored
// itself (a section with criteria, a criterion with sub-criteria) or an option out of range.
SheetScore score_sheet(const Rubric& rubric, const ScoreSheet& sheet);

// The stars of a total by the rule set's half-open bands (50 to <70 = 3, 70 to <90 = 4,
// 90..100 = 5, 30 to <50 = 2, <30 = 1). Throws ocop.score_out_of_range outside 0..max_total.
int band_stars(const RuleSet& rules, double total);

// The highest level (2..5) whose star minimums are all met. Level L requires every item with an
// option marked for a level m <= L to score at least that option's points (the marked option or a
// better one); levels 1 and 2 have no minimums. `item_points` holds one sheet's points or the
// council's per-item averages; a missing item scores 0. `blocking`, when given, receives the
// items that stop the next level.
int minimum_level(const Rubric& rubric, const ItemPoints& item_points,
                  std::vector<std::string>* blocking = nullptr);

// The council: every member fills and signs a sheet; bands apply to the average total, the
// minimums to the per-item average points.
struct CouncilScore {
    size_t members = 0;
    double average_total = 0;
    ItemPoints average_points;
};
CouncilScore council_score(const Rubric& rubric, const std::vector<ScoreSheet>& sheets);
// The plain average of the members' totals (council_sheet.total). Throws ocop.council_empty.
double average_total(const std::vector<double>& totals);

struct StarAward {
    int stars = 0;  // awarded; 0 when disqualified
    int band_stars = 0;
    int minimum_level = 0;
    bool disqualified = false;
    // 3 to 5 stars carry a certificate; 1 and 2 stars and disqualified dossiers do not.
    bool certifiable() const noexcept { return stars >= 3; }
};

// Stars awarded = the lower of the score band and the minimum level; none when a disqualifier
// ("Hồ sơ bị loại khi", or an item's "bị loại nếu") holds.
StarAward award_stars(const RuleSet& rules, double average_total, int minimum_level,
                      bool disqualified);
StarAward award_stars(const RuleSet& rules, const Rubric& rubric,
                      const std::vector<ScoreSheet>& sheets, bool disqualified);

}  // namespace ocop::domain
