// Scoring and ranking: bands at their boundaries, star minimums, disqualifiers, the council's
// average, and the scoring of real sheets.
#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <string>

#include "domain_test_support.hpp"
#include "ocop/domain/domain_error_codes.hpp"
#include "ocop/domain/rubrics.hpp"
#include "ocop/domain/rule_sets.hpp"
#include "ocop/domain/scoring.hpp"

using nlohmann::json;
using ocop::domain::average_total;
using ocop::domain::award_stars;
using ocop::domain::band_stars;
using ocop::domain::builtin_rubrics;
using ocop::domain::builtin_rule_sets;
using ocop::domain::council_score;
using ocop::domain::ItemPoints;
using ocop::domain::minimum_level;
using ocop::domain::Rubric;
using ocop::domain::RubricNode;
using ocop::domain::RuleSet;
using ocop::domain::score_sheet;
using ocop::domain::ScoreSheet;
using ocop::domain::test::error_code_of;
namespace errc = ocop::domain::errc;

namespace {

const RuleSet& current() {
    return builtin_rule_sets().current();
}
const Rubric& set(int n) {
    return *builtin_rubrics().find("qd26_2026", n);
}

int top_option(const RubricNode& n, int case_no = 1) {
    int best = -1;
    for (size_t i = 0; i < n.options.size(); ++i) {
        if (n.choose_one_case && n.options[i].case_no != case_no) continue;
        if (best < 0 || n.options[i].points > n.options[best].points) best = static_cast<int>(i);
    }
    return best;
}

ScoreSheet top_sheet(const Rubric& r) {
    ScoreSheet s;
    for (const RubricNode* n : r.scored_items()) s.choices[n->code] = top_option(*n);
    return s;
}

// The points an item needs to meet every star mark of a level <= `level` (test-side copy).
int required(const RubricNode& n, int level) {
    std::map<int, int> lowest;
    for (const auto& o : n.options)
        if (o.min_star != 0) {
            auto [it, inserted] = lowest.emplace(o.min_star, o.points);
            if (!inserted) it->second = std::min(it->second, o.points);
        }
    int need = 0;
    for (const auto& [mark, pts] : lowest)
        if (mark <= level) need = std::max(need, pts);
    return need;
}

bool unmarked(const RubricNode& n) {
    for (const auto& o : n.options)
        if (o.min_star != 0) return false;
    return true;
}

ItemPoints points_of(const Rubric& r, const ScoreSheet& s) {
    ItemPoints out;
    for (const auto& [code, pts] : score_sheet(r, s).item_points) out[code] = pts;
    return out;
}

// Lowers items without star marks (then, if `marked_too`, any item) until the sheet totals
// `target`.
void lower_to(const Rubric& r, ScoreSheet& s, int target, bool marked_too = false) {
    for (const RubricNode* n : r.scored_items()) {
        const int total = score_sheet(r, s).total;
        if (total <= target) break;
        if ((!unmarked(*n) && !marked_too) || n->choose_one_case) continue;
        const int now = n->options[s.choices[n->code]].points;
        const int floor = now - (total - target);
        int pick = s.choices[n->code];
        for (size_t i = 0; i < n->options.size(); ++i)
            if (n->options[i].points >= floor && n->options[i].points < n->options[pick].points)
                pick = static_cast<int>(i);
        s.choices[n->code] = pick;
    }
}

}  // namespace

TEST_CASE("bands are half-open at 30, 50, 70 and 90 under every rule set", "[domain][scoring]") {
    for (const RuleSet& rs : builtin_rule_sets().all()) {
        INFO(rs.id);
        CHECK(band_stars(rs, 0) == 1);
        CHECK(band_stars(rs, 29.9) == 1);
        CHECK(band_stars(rs, 30) == 2);
        CHECK(band_stars(rs, 49.9) == 2);
        CHECK(band_stars(rs, 50) == 3);
        CHECK(band_stars(rs, 69.9) == 3);
        CHECK(band_stars(rs, 70) == 4);
        CHECK(band_stars(rs, 89.9) == 4);
        CHECK(band_stars(rs, 90) == 5);
        CHECK(band_stars(rs, 100) == 5);
        CHECK(band_stars(rs, std::nextafter(70.0, 0.0)) == 3);
        CHECK(error_code_of([&] { band_stars(rs, -0.1); }) == errc::score_out_of_range);
        CHECK(error_code_of([&] { band_stars(rs, 100.1); }) == errc::score_out_of_range);
        CHECK(error_code_of([&] { band_stars(rs, std::numeric_limits<double>::quiet_NaN()); }) ==
              errc::score_out_of_range);
    }
}

TEST_CASE("stars are the lower of the band and the minimum level, none if disqualified",
          "[domain][scoring]") {
    const RuleSet& rs = current();
    CHECK(award_stars(rs, 75, 5, false).stars == 4);
    CHECK(award_stars(rs, 75, 3, false).stars == 3);  // 75 points, a 4-star minimum missed
    CHECK(award_stars(rs, 75, 3, false).band_stars == 4);
    CHECK(award_stars(rs, 95, 4, false).stars == 4);
    CHECK(award_stars(rs, 95, 5, false).stars == 5);
    CHECK(award_stars(rs, 60, 2, false).stars == 2);  // 3-star minimums missed: no certificate
    CHECK_FALSE(award_stars(rs, 60, 2, false).certifiable());
    CHECK(award_stars(rs, 45, 5, false).stars == 2);
    CHECK(award_stars(rs, 20, 5, false).stars == 1);
    CHECK(award_stars(rs, 49.9, 5, false).stars == 2);
    CHECK(award_stars(rs, 50, 5, false).stars == 3);
    CHECK(award_stars(rs, 50, 5, false).certifiable());
    CHECK(award_stars(rs, 69.9, 5, false).stars == 3);
    CHECK(award_stars(rs, 70, 5, false).stars == 4);
    CHECK(award_stars(rs, 89.9, 5, false).stars == 4);
    CHECK(award_stars(rs, 90, 5, false).stars == 5);

    const auto dq = award_stars(rs, 95, 5, true);
    CHECK(dq.stars == 0);
    CHECK(dq.disqualified);
    CHECK(dq.band_stars == 5);
    CHECK_FALSE(dq.certifiable());
}

TEST_CASE("a sheet with the best option everywhere scores 100 and meets every minimum",
          "[domain][scoring]") {
    for (const Rubric& r : builtin_rubrics().all()) {
        INFO(r.code);
        const ScoreSheet s = top_sheet(r);
        const auto sc = score_sheet(r, s);
        CHECK(sc.total == 100);
        CHECK(sc.part_totals.at("A") == 40);
        CHECK(sc.part_totals.at("B") == 25);
        CHECK(sc.part_totals.at("C") == 35);
        CHECK(sc.unscored.empty());
        CHECK(minimum_level(r, points_of(r, s)) == 5);
        CHECK(award_stars(current(), r, {s}, false).stars == 5);
        CHECK(award_stars(current(), r, {s}, true).stars == 0);  // a disqualifier holds
    }
}

TEST_CASE("a product scoring 75 that misses a 4-star minimum gets 3 stars", "[domain][scoring]") {
    const Rubric& r = set(1);
    ScoreSheet s = top_sheet(r);
    // An item with a 4-star mark, scored below it but at its 3-star level.
    const RubricNode* missed = nullptr;
    for (const RubricNode* n : r.scored_items()) {
        if (required(*n, 4) <= required(*n, 3)) continue;
        for (size_t i = 0; i < n->options.size(); ++i)
            if (n->options[i].points < required(*n, 4) && n->options[i].points >= required(*n, 3)) {
                s.choices[n->code] = static_cast<int>(i);
                missed = n;
            }
        if (missed) break;
    }
    REQUIRE(missed);
    lower_to(r, s, 75);
    REQUIRE(score_sheet(r, s).total == 75);

    std::vector<std::string> blocking;
    CHECK(minimum_level(r, points_of(r, s), &blocking) == 3);
    CHECK(blocking == std::vector<std::string>{missed->code});
    const auto award = award_stars(current(), r, {s}, false);
    CHECK(award.band_stars == 4);
    CHECK(award.minimum_level == 3);
    CHECK(award.stars == 3);

    // Meeting the minimum again (same 75 points elsewhere) gives 4 stars.
    ScoreSheet fixed = top_sheet(r);
    lower_to(r, fixed, 75);
    REQUIRE(score_sheet(r, fixed).total == 75);
    CHECK(award_stars(current(), r, {fixed}, false).stars == 4);
}

TEST_CASE("missing a 3-star minimum leaves 2 stars whatever the score", "[domain][scoring]") {
    const Rubric& r = set(1);
    ScoreSheet s = top_sheet(r);
    const RubricNode* missed = nullptr;
    for (const RubricNode* n : r.scored_items()) {
        if (required(*n, 3) == 0) continue;
        for (size_t i = 0; i < n->options.size(); ++i)
            if (n->options[i].points < required(*n, 3)) {
                s.choices[n->code] = static_cast<int>(i);
                missed = n;
                break;
            }
        if (missed) break;
    }
    REQUIRE(missed);
    CHECK(score_sheet(r, s).total >= 90);
    CHECK(minimum_level(r, points_of(r, s)) == 2);
    CHECK(award_stars(current(), r, {s}, false).stars == 2);
    // An item left unscored counts 0 points and fails its marks.
    ScoreSheet partial = top_sheet(r);
    partial.choices.erase(missed->code);
    CHECK(score_sheet(r, partial).unscored == std::vector<std::string>{missed->code});
    CHECK(minimum_level(r, points_of(r, partial)) == 2);
}

TEST_CASE("the council result is the average of the members' sheets", "[domain][scoring]") {
    CHECK(average_total({80, 70, 66}) == Approx(72));
    CHECK(average_total({70, 69}) == Approx(69.5));
    CHECK(error_code_of([] { average_total({}); }) == errc::council_empty);

    const Rubric& r = set(5);
    ScoreSheet a = top_sheet(r), b = top_sheet(r), c = top_sheet(r);
    lower_to(r, b, 80);
    lower_to(r, c, 60);
    lower_to(r, c, 60, true);
    REQUIRE(score_sheet(r, b).total == 80);
    REQUIRE(score_sheet(r, c).total == 60);
    const auto council = council_score(r, {a, b, c});
    CHECK(council.members == 3);
    CHECK(council.average_total == Approx(80));
    for (const auto& [code, avg] : council.average_points) {
        INFO(code);
        const auto sa = score_sheet(r, a).item_points.at(code);
        const auto sb = score_sheet(r, b).item_points.at(code);
        const auto sc = score_sheet(r, c).item_points.at(code);
        CHECK(avg == Approx((sa + sb + sc) / 3.0));
    }
    CHECK(award_stars(current(), r, {a, b, c}, false).band_stars == 4);
    CHECK(award_stars(current(), r, {a, b}, false).stars == 5);  // average 90, minimums met
    // Two members at 70 and one at 69: average 69.67, band 3.
    ScoreSheet x = top_sheet(r), y = top_sheet(r), z = top_sheet(r);
    lower_to(r, x, 70, true);
    lower_to(r, y, 70, true);
    lower_to(r, z, 69, true);
    REQUIRE(score_sheet(r, z).total == 69);
    CHECK(council_score(r, {x, y, z}).average_total == Approx(209.0 / 3));
    CHECK(award_stars(current(), r, {x, y, z}, false).band_stars == 3);
    CHECK(error_code_of([&] { council_score(r, {}); }) == errc::council_empty);
}

TEST_CASE("score sheets: JSON form, case items and refusals", "[domain][scoring]") {
    const auto s = ScoreSheet::from_json(json::parse(R"({"1.1": 2, "1.2": {"option": 1}})"));
    CHECK(s.choices.at("1.1") == 2);
    CHECK(s.choices.at("1.2") == 1);
    CHECK(ScoreSheet::from_json(s.to_json()).choices == s.choices);
    CHECK(error_code_of([] { ScoreSheet::from_json(json::array()); }) == errc::score_invalid);
    CHECK(error_code_of([] { ScoreSheet::from_json(json::parse(R"({"1.1": "2"})")); }) ==
          errc::score_invalid);

    const Rubric& r = set(1);
    CHECK(error_code_of([&] {
              score_sheet(r, ScoreSheet{{{"9.9.9", 0}}});
          }) == errc::score_invalid);
    CHECK(error_code_of([&] { score_sheet(r, ScoreSheet{{{"1.1", 99}}}); }) == errc::score_invalid);
    CHECK(error_code_of([&] { score_sheet(r, ScoreSheet{{{"1.1", -1}}}); }) == errc::score_invalid);
    CHECK(error_code_of([&] { score_sheet(r, ScoreSheet{{{"1", 0}}}); }) == errc::score_invalid);
    // Tea 6.1 is the sum of 6.1.1 and 6.1.2: it has no option of its own.
    CHECK(error_code_of([&] {
              score_sheet(set(11), ScoreSheet{{{"6.1", 0}}});
          }) == errc::score_invalid);
    CHECK(score_sheet(set(11), ScoreSheet{{{"6.1.1", 2}}}).total ==
          set(11).item("6.1.1")->options[2].points);

    // Tourism item 8: options 2 and 3 belong to case 2.
    const Rubric& tourism = set(26);
    const RubricNode* item8 = tourism.item("8");
    REQUIRE(item8);
    REQUIRE(item8->options.size() == 4);
    CHECK(item8->options[3].case_no == 2);
    CHECK(score_sheet(tourism, ScoreSheet{{{"8", 3}}}).total == item8->max);
    CHECK(score_sheet(tourism, top_sheet(tourism)).total == 100);
}
