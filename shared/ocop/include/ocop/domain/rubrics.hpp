// The scoring sheets ("Bộ tiêu chí kiêm phiếu đánh giá") as data: one tree per product set,
// part -> section -> criterion [-> sub-criterion] -> options with points. The 26 sheets of
// Decision 26/2026 (shared/ocop/rubrics/qd26_2026/*.json, see its README.md) are compiled in.
//
// A node with options is "scored": the assessor picks one option (for `choose_one_case` nodes,
// one option of one case). A criterion printed with sub-items has no options of its own; its
// maximum is the sum of its sub-criteria. A section printed without criteria is scored itself.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace ocop::domain {

struct RubricOption {
    std::string label;
    int points = 0;
    int min_star = 0;        // 3, 4 or 5 when marked ***, ****, *****; 0 otherwise
    std::string case_label;  // choose_one_case items: "Trường hợp 1: ..."
    int case_no = 0;         // the case's number, parsed from its label (labels vary per item)
};

struct RubricNode {
    std::string code;  // "1", "1.2", "6.1.1"
    std::string title;
    int max = 0;
    bool choose_one_case = false;
    std::vector<RubricOption> options;  // empty for sections with criteria and for sum items
    std::vector<RubricNode> children;   // a section's criteria, a criterion's sub-criteria
    std::vector<std::string> notes_vi;

    bool scored() const noexcept { return !options.empty(); }
};

struct RubricPart {
    std::string part;  // "A", "B", "C"
    std::string title;
    int max = 0;
    std::vector<RubricNode> sections;
};

struct ItemDisqualifier {
    std::string code;
    std::string text;
};

struct Rubric {
    std::string rule_set;  // "qd26_2026"
    int set_number = 0;    // 1..26
    std::string code;      // "set_01_rau_cu_qua_hat_tuoi": stored in product.product_set
    std::string name_vi;
    std::string sector;  // "I".."VI"
    std::string group;
    int max_total = 0;
    std::vector<RubricPart> parts;
    std::vector<std::string> disqualifiers;  // "Hồ sơ bị loại khi"
    std::vector<ItemDisqualifier> item_disqualifiers;

    // Reads the JSON shape documented in the rubrics README. Throws Error(ocop.rubric_invalid)
    // on a malformed tree (missing fields, an item with neither options nor sub-items, option
    // points that are not integers...). Sums are not enforced here: see check_rubric.
    static Rubric from_json(const nlohmann::json& doc);

    // The nodes an assessor scores, in sheet order (sections without criteria, criteria without
    // sub-criteria, sub-criteria).
    std::vector<const RubricNode*> scored_items() const;
    const RubricNode* item(std::string_view code) const noexcept;  // any node, by code
    // The part ("A", "B", "C") holding a node, or "" when there is none.
    std::string part_of(std::string_view code) const;
};

// Structural problems of a sheet: part maxima differing from the rule set's (A/B/C given),
// a part not adding up from its sections, a section not adding up from its criteria, a sum
// criterion not adding up from its sub-criteria, an option's points outside 0..item max, an item
// whose highest option (per case) is not its max, a star mark other than 3..5. Empty when sound.
std::vector<std::string> check_rubric(const Rubric& rubric,
                                      const std::vector<std::pair<std::string, int>>& part_max);

class RubricCatalog {
  public:
    explicit RubricCatalog(
        std::vector<Rubric> rubrics);  // codes unique; sorted by rule set, number
    static RubricCatalog from_json_texts(const std::vector<std::string_view>& texts);

    const std::vector<Rubric>& all() const noexcept { return rubrics_; }
    const Rubric* find(std::string_view code) const noexcept;
    const Rubric* find(std::string_view rule_set, int set_number) const noexcept;
    const Rubric& require(std::string_view code) const;  // throws ocop.rubric_unknown

  private:
    std::vector<Rubric> rubrics_;
};

// The compiled-in sheets (26 for qd26_2026). Parsed on first use, immutable afterwards.
const RubricCatalog& builtin_rubrics();

}  // namespace ocop::domain
