// UnitScopePolicy::selector: the units whose records a pull keeps are the granted ones and every
// live unit below them through parent and successor links (what RecordVisibility covers), so the
// store's pre-filter keeps no less than the scope; reference collections only outside a backfill.
#include <catch2/catch.hpp>

#include <algorithm>
#include <set>
#include <string>

#include "ocop/core/sqlite_store.hpp"
#include "ocop/domain/unit_coverage.hpp"
#include "ocop/domain/unit_scope_policy.hpp"

using ocop::Grant;
using ocop::Hlc;
using ocop::SqliteStore;
using ocop::Stamp;
using ocop::StoreTxn;

namespace {

// A province, a district below it, two communes below the district, a commune merged into the
// first (its successor link), a deleted commune and a commune of another district.
struct Province {
    SqliteStore store{":memory:"};
    const std::string province = "01900000-0000-7000-8000-000000000001";
    const std::string district = "01900000-0000-7000-8000-000000000002";
    const std::string commune1 = "01900000-0000-7000-8000-000000000003";
    const std::string commune2 = "01900000-0000-7000-8000-000000000004";
    const std::string merged = "01900000-0000-7000-8000-000000000005";
    const std::string deleted = "01900000-0000-7000-8000-000000000006";
    const std::string other_district = "01900000-0000-7000-8000-000000000007";
    const std::string other_commune = "01900000-0000-7000-8000-000000000008";
    std::vector<std::string> all() const {
        return {province, district, commune1,       commune2,
                merged,   deleted,  other_district, other_commune};
    }

    Province() {
        store.write([&](StoreTxn& t) {
            const Stamp s{Hlc{1'000, 0}, "server"};
            const auto unit = [&](const std::string& id, const char* link, const std::string& to) {
                t.merge("admin_unit", id, "name", "unit " + id.substr(id.size() - 1), s);
                if (link) t.merge("admin_unit", id, link, to, s);
            };
            unit(province, nullptr, {});
            unit(district, "parent", province);
            unit(commune1, "parent", district);
            unit(commune2, "parent", district);
            unit(merged, "successor", commune1);
            unit(deleted, "parent", district);
            t.merge("admin_unit", deleted, std::string(ocop::deleted_field), true, s);
            unit(other_district, "parent", province);
            unit(other_commune, "parent", other_district);
        });
    }

    // The units RecordVisibility covers for these grants, one covers() at a time.
    std::set<std::string> covered(const std::vector<Grant>& grants) {
        std::set<std::string, std::less<>> granted;
        for (const auto& g : grants) granted.insert(g.unit);
        ocop::domain::UnitCoverage coverage(
            granted, [&](std::string_view id) { return store.read("admin_unit", id); });
        std::set<std::string> out;
        for (const auto& u : all())
            if (coverage.covers(u)) out.insert(u);
        return out;
    }
};

std::set<std::string> values_of(const ocop::ChangeSelector& sel) {
    return {sel.values.begin(), sel.values.end()};
}

}  // namespace

TEST_CASE("scope selector: granted units and every live unit below them", "[scope][selector]") {
    Province p;
    const auto& policy = ocop::domain::builtin_scope_policy();
    for (const std::vector<Grant>& grants :
         {std::vector<Grant>{{"team_lead", p.district}},
          std::vector<Grant>{{"officer", p.commune1}}, std::vector<Grant>{{"officer", p.province}},
          std::vector<Grant>{{"officer", p.commune2}, {"team_lead", p.other_district}}}) {
        const auto sel = policy.selector(p.store, grants, std::nullopt);
        REQUIRE(sel);
        INFO("granted " << grants.front().unit);
        CHECK(sel->field == "unit");
        CHECK(values_of(*sel) == p.covered(grants));
        CHECK(std::count(sel->collections.begin(), sel->collections.end(), "admin_unit") == 1);
    }
    const auto district = policy.selector(p.store, {{"team_lead", p.district}}, std::nullopt);
    CHECK(values_of(*district) ==
          std::set<std::string>{p.district, p.commune1, p.commune2, p.merged});
}

TEST_CASE(
    "scope selector: a backfill keeps the gained units within the grants and no reference "
    "data",
    "[scope][selector]") {
    Province p;
    const auto sel = ocop::domain::builtin_scope_policy().selector(
        p.store, {{"team_lead", p.district}},
        std::vector<std::string>{p.commune1, p.other_commune});
    REQUIRE(sel);
    CHECK(sel->collections.empty());
    CHECK(values_of(*sel) == std::set<std::string>{p.commune1, p.merged});
}
