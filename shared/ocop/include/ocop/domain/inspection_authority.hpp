// Post-market inspection (26/2026 Art. 9): who inspects a certified product, and which ministry
// leads its product group (Annex I, shared/ocop/annex/qd26_2026_annex1.json). The inspection
// record carries inspection_type (periodic / unannounced, Art. 9.2.a), authority (Art. 9.4) and
// the two subjects of Art. 9.3 (criteria_maintained; mark_use_ok and promotion_ok).
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace ocop::domain {

struct ProductGroup {
    int set_number = 0;  // the scoring sheet (1..26)
    std::string sector;  // "I".."VI"
    std::string group_vi;
    std::string subgroup_vi;                   // empty when the group has no subgroups
    std::vector<std::string> lead_ministries;  // "MAE", "MOIT", "MOH", "MOCST"; first leads
    std::string source;
};

class ProductGroupCatalog {
  public:
    // Throws Error(ocop.rule_set_invalid) on a malformed file, a set listed twice or a ministry
    // code without a name.
    static ProductGroupCatalog from_json(const nlohmann::json& doc);
    const std::vector<ProductGroup>& all() const noexcept { return groups_; }
    const ProductGroup* find(int set_number) const noexcept;
    std::string ministry_name_vi(std::string_view code) const;  // "" when unknown

  private:
    std::vector<ProductGroup> groups_;
    std::map<std::string, std::string, std::less<>> ministries_;
};

const ProductGroupCatalog& builtin_product_groups();

// Art. 9.4: the provincial OCOP body inspects every OCOP product in its province (a); the
// ministry's OCOP body inspects 5-star products, and 3- and 4-star ones when needed (b).
struct InspectingAuthorities {
    bool province = true;
    bool ministry = false;              // as of right
    bool ministry_when_needed = false;  // 3 and 4 stars
};
InspectingAuthorities inspecting_authorities(int stars) noexcept;
// What a device proposes on a new inspection of a certificate: the ministry for 5 stars, else
// the province (a proposal only: both may inspect a 5-star product).
std::string_view default_inspecting_authority(int stars) noexcept;

}  // namespace ocop::domain
