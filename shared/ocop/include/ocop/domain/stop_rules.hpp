// The scoring sheets' stop rules as data (shared/ocop/stop_rules/*.json): 18 sheets of Decision
// 26/2026 say that, on some finding, the assessment stops ("sẽ không đánh giá các bước tiếp
// theo", "không xem xét các chỉ tiêu khác"). Read here as: the product gets no stars and no
// certificate (the text is silent on the result; see docs/ocop-rules.md).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "ocop/domain/rubrics.hpp"
#include "ocop/domain/scoring.hpp"

namespace ocop::domain {

enum class StopTrigger {
    observed,        // a finding outside the item's options: the assessor records stopped_at
    item_zero,       // the item scoring 0 (set 19: no product declaration)
    any_child_zero,  // any sub-item of the item scoring 0 (set 16)
};

struct StopRule {
    std::string rule_set;
    int set_number = 0;
    std::string item;  // the item code on the sheet
    StopTrigger trigger = StopTrigger::observed;
    std::string text_vi;
    std::string source;  // "Annex II, set 16, item 6 (sources/...: line 12784)"
};

class StopRuleCatalog {
  public:
    // Throws Error(ocop.rubric_invalid) on a malformed file or an item that is not on its sheet.
    static StopRuleCatalog from_json_texts(const std::vector<std::string_view>& texts,
                                           const RubricCatalog& rubrics);
    const std::vector<StopRule>& all() const noexcept { return rules_; }
    std::vector<const StopRule*> for_rubric(const Rubric& rubric) const;
    const StopRule* find(const Rubric& rubric, std::string_view item) const noexcept;

  private:
    std::vector<StopRule> rules_;
};

// The stop rules that `item_points` (one sheet's points or the council's per-item averages; a
// missing item scores 0) trigger by themselves: item_zero and any_child_zero rules only.
std::vector<const StopRule*> triggered_stop_rules(const Rubric& rubric,
                                                  const StopRuleCatalog& stops,
                                                  const ItemPoints& item_points);

const StopRuleCatalog& builtin_stop_rules();

}  // namespace ocop::domain
