// Rule sets as data: the four compiled-in sets, their effective dates and contents, and the
// loader's validation.
#include <catch2/catch.hpp>

#include <string>

#include "domain_test_support.hpp"
#include "ocop/domain/domain_error_codes.hpp"
#include "ocop/domain/rule_sets.hpp"

using nlohmann::json;
using ocop::domain::builtin_rule_sets;
using ocop::domain::Date;
using ocop::domain::Level;
using ocop::domain::RuleSet;
using ocop::domain::test::d;
using ocop::domain::test::error_code_of;
namespace errc = ocop::domain::errc;

namespace {

std::string parts(const RuleSet& rs) {
    std::string out;
    for (const auto& p : rs.parts) out += p.part + std::to_string(p.max);
    return out;
}

json minimal_rule_set() {
    return json::parse(R"({
      "id": "test_set", "instrument_vi": "Thử", "effective_from": "2030-01-01",
      "lapses_on": null, "amends": null, "max_total": 100,
      "parts": [{"part": "A", "max": 40, "title_vi": "A"}, {"part": "B", "max": 25, "title_vi": "B"},
                {"part": "C", "max": 35, "title_vi": "C"}],
      "bands": [{"stars": 5, "from": 90, "below": null}, {"stars": 4, "from": 70, "below": 90},
                {"stars": 3, "from": 50, "below": 70}, {"stars": 2, "from": 30, "below": 50},
                {"stars": 1, "from": 0, "below": 30}],
      "certifiers": [{"stars": 3, "level": "province"}],
      "first_assessment_level": "commune", "ministry_threshold": 90, "validity_months": 36,
      "reevaluation": null, "rounds": [], "rubrics": null })");
}

}  // namespace

TEST_CASE("four rule sets are compiled in, with their part maxima", "[domain][rule_sets]") {
    const auto& cat = builtin_rule_sets();
    REQUIRE(cat.all().size() == 4);
    CHECK(parts(cat.require("qd1048_2019")) == "A35B25C40");
    CHECK(parts(cat.require("qd148_2023")) == "A40B25C35");
    CHECK(parts(cat.require("qd1489_2025")) == "A40B25C35");
    CHECK(parts(cat.require("qd26_2026")) == "A40B25C35");
    CHECK(cat.require("qd1048_2019").part_max("C") == 40);
    CHECK(cat.current().id == "qd26_2026");
    CHECK(cat.require("qd1489_2025").amends == std::optional<std::string>("qd148_2023"));
    CHECK(error_code_of([&] { cat.require("qd999_2030"); }) == errc::rule_set_unknown);
    CHECK(error_code_of([&] { cat.current().part_max("D"); }) == errc::rule_set_incomplete);

    for (const RuleSet& rs : cat.all()) {
        INFO(rs.id);
        CHECK(rs.max_total == 100);
        CHECK(rs.validity_months == 36);
        REQUIRE(rs.bands.size() == 5);
        // Half-open bands, highest first: 90.., 70..<90, 50..<70, 30..<50, <30.
        CHECK(rs.bands[0].stars == 5);
        CHECK(rs.bands[0].from == 90);
        CHECK_FALSE(rs.bands[0].below.has_value());
        CHECK(rs.bands[2].stars == 3);
        CHECK(rs.bands[2].from == 50);
        CHECK(rs.bands[2].below == std::optional<double>(70));
        CHECK(rs.bands[4].from == 0);
        CHECK(rs.certifier(5) == std::optional<Level>(Level::ministry));
        CHECK_FALSE(rs.certifier(2).has_value());
        CHECK_FALSE(rs.certifier(1).has_value());
    }
}

TEST_CASE("each rule set governs from its effective date", "[domain][rule_sets]") {
    const auto& cat = builtin_rule_sets();
    CHECK(error_code_of([&] { cat.in_force(d("2019-08-20")); }) == errc::rule_set_none_in_force);
    CHECK(cat.in_force(d("2019-08-21")).id == "qd1048_2019");
    CHECK(cat.in_force(d("2023-02-23")).id == "qd1048_2019");
    CHECK(cat.in_force(d("2023-02-24")).id == "qd148_2023");
    CHECK(cat.in_force(d("2025-07-05")).id == "qd148_2023");
    CHECK(cat.in_force(d("2025-07-06")).id == "qd1489_2025");
    CHECK(cat.in_force(d("2026-05-21")).id == "qd1489_2025");
    CHECK(cat.in_force(d("2026-05-22")).id == "qd26_2026");
    CHECK(cat.in_force(d("2030-01-01")).id == "qd26_2026");

    // 148 as amended by 1489 lapses 60 days after 26/2026 takes effect (Art. 11.2).
    auto ids = [&](const char* day) {
        std::string out;
        for (const RuleSet* rs : cat.all_in_force(d(day))) out += rs->id + " ";
        return out;
    };
    CHECK(ids("2026-05-21") == "qd1489_2025 ");
    CHECK(ids("2026-06-30") == "qd1489_2025 qd26_2026 ");
    // Art. 11.2: in force through the 60th day after 2026-05-22 (2026-07-21).
    CHECK(ids("2026-07-21") == "qd1489_2025 qd26_2026 ");
    CHECK(ids("2026-07-22") == "qd26_2026 ");
    CHECK(ids("2025-07-05") == "qd148_2023 ");
}

TEST_CASE("who certifies, validity, re-evaluation window and rounds per rule set",
          "[domain][rule_sets]") {
    const auto& cat = builtin_rule_sets();
    CHECK(cat.require("qd148_2023").certifier(3) == std::optional<Level>(Level::district));
    CHECK(cat.require("qd148_2023").certifier(4) == std::optional<Level>(Level::province));
    CHECK(cat.require("qd1489_2025").certifier(3) == std::optional<Level>(Level::province));
    CHECK(cat.require("qd1489_2025").first_assessment_level == Level::commune);
    CHECK(cat.require("qd26_2026").certifier(3) == std::optional<Level>(Level::province));
    CHECK(cat.require("qd26_2026").certifier(4) == std::optional<Level>(Level::province));

    const auto& p = cat.current().reevaluation_policy();
    CHECK(p.earliest_days_before_expiry == 180);
    CHECK(p.latest_days_before_expiry == 120);
    CHECK(p.decision_within_days == 45);
    CHECK(p.late_extension_max_days == 180);
    CHECK(error_code_of([&] { cat.require("qd148_2023").reevaluation_policy(); }) ==
          errc::rule_set_incomplete);
    CHECK(cat.current().rounds.size() == 4);
    CHECK(cat.current().rubrics == std::optional<std::string>("qd26_2026"));
}

TEST_CASE("the rule-set loader refuses inconsistent data", "[domain][rule_sets]") {
    CHECK(RuleSet::from_json(minimal_rule_set()).id == "test_set");

    json doc = minimal_rule_set();
    doc["parts"][0]["max"] = 35;  // 35 + 25 + 35 = 95
    CHECK(error_code_of([&] { RuleSet::from_json(doc); }) == errc::rule_set_invalid);

    doc = minimal_rule_set();
    doc["bands"][1]["below"] = 85;  // a gap between 85 and 90
    CHECK(error_code_of([&] { RuleSet::from_json(doc); }) == errc::rule_set_invalid);

    doc = minimal_rule_set();
    doc["bands"][0]["below"] = 100;  // the top band must be open
    CHECK(error_code_of([&] { RuleSet::from_json(doc); }) == errc::rule_set_invalid);

    doc = minimal_rule_set();
    doc["certifiers"][0]["stars"] = 2;  // no certificate below 3 stars
    CHECK(error_code_of([&] { RuleSet::from_json(doc); }) == errc::rule_set_invalid);

    doc = minimal_rule_set();
    doc["effective_from"] = "2030-02-30";
    CHECK(error_code_of([&] { RuleSet::from_json(doc); }) == errc::rule_set_invalid);

    doc = minimal_rule_set();
    doc["rounds"] = json::parse(R"([{"level": "province", "round": 1,
        "proposals_before": "06-30", "decided_before": "04-30"}])");
    CHECK(error_code_of([&] { RuleSet::from_json(doc); }) == errc::rule_set_invalid);

    doc = minimal_rule_set();
    doc.erase("validity_months");
    CHECK(error_code_of([&] { RuleSet::from_json(doc); }) == errc::rule_set_invalid);

    CHECK(error_code_of([] { ocop::domain::RuleSetCatalog::from_json_texts({"{not json"}); }) ==
          errc::rule_set_invalid);
    const std::string text = minimal_rule_set().dump();
    CHECK(error_code_of([&] {
              ocop::domain::RuleSetCatalog::from_json_texts({text, text});
          }) == errc::rule_set_invalid);  // duplicate id
}
