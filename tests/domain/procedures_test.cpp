// Decision 26/2026's procedures as the domain rules enforce them, on a device (the server runs
// the same rules in its sync guard): star minimums, routing to the ministry, stop rules,
// certificates resting on their evaluation, revocation. Lines cite
// /work/shared/domain/sources/qd26_2026_QD-TTg_fulltext.txt ("line N").
#include <catch2/catch.hpp>

#include <string>

#include "domain_test_support.hpp"
#include "ocop/domain/domain_error_codes.hpp"
#include "ocop/domain/inspection_authority.hpp"
#include "ocop/domain/rubrics.hpp"
#include "ocop/domain/stop_rules.hpp"

using nlohmann::json;
using ocop::FieldValues;
using ocop::domain::test::Device;
using ocop::domain::test::error_code_of;
using ocop::domain::test::error_message_of;
namespace domain = ocop::domain;

namespace {

constexpr const char* kNoError = "<no error>";
constexpr const char* kSet01 = "set_01_rau_cu_qua_hat_tuoi";

std::string put_code(Device& dev, const std::string& collection, const std::string& id,
                     const FieldValues& f) {
    return error_code_of([&] { dev.put(collection, id, f); });
}

// Every scored item of a sheet at its maximum.
json full_points(const char* rubric) {
    json out = json::object();
    for (const auto* n : domain::builtin_rubrics().require(rubric).scored_items())
        out[n->code] = n->max;
    return out;
}

// Items without any star mark set to 0, in sheet order, until the total is below `below`: the
// band falls while every star minimum stays met.
json lowered(const char* rubric, double below) {
    json out = full_points(rubric);
    double total = 0;
    for (const auto& [k, v] : out.items()) total += v.get<double>();
    for (const auto* n : domain::builtin_rubrics().require(rubric).scored_items()) {
        if (total < below) break;
        bool marked = false;
        for (const auto& o : n->options) marked = marked || o.min_star != 0;
        if (marked) continue;
        total -= out[n->code].get<double>();
        out[n->code] = 0;
    }
    return out;
}

double sum(const json& points) {
    double s = 0;
    for (const auto& [k, v] : points.items()) s += v.get<double>();
    return s;
}

struct Evaluations {
    explicit Evaluations(Device& dev) : dev(dev) {}
    FieldValues closed(const json& points, int stars, const char* level = "province",
                       const char* rubric = kSet01) {
        return {{"registration", dev.id()},
                {"product", dev.id()},
                {"rule_set", "qd26_2026"},
                {"rubric", rubric},
                {"level", level},
                {"status", "closed"},
                {"average_score", sum(points)},
                {"item_points", points},
                {"stars", stars},
                {"unit", dev.unit()}};
    }
    std::string put(const FieldValues& f) { return put_code(dev, "evaluation", dev.id(), f); }
    Device& dev;
};

}  // namespace

TEST_CASE("star minimums (Annex II set 1 legend, lines 1656-1657; Art. 3.3 bands, lines 84-101)",
          "[domain][procedures][stars]") {
    Device dev;
    Evaluations ev(dev);
    json p = full_points(kSet01);
    REQUIRE(sum(p) == 100);
    CHECK(ev.put(ev.closed(p, 5, "central")) == kNoError);
    CHECK(ev.put(ev.closed(p, 4, "central")) == ocop::domain::errc::evaluation_stars);

    // Item 1.3 scores 3 only with the ***** option (line 998): at 2 points 5 stars are out of
    // reach, whatever the total (99 is in the 5-star band).
    p["1.3"] = 2;
    CHECK(ev.put(ev.closed(p, 5, "central")) == ocop::domain::errc::evaluation_stars);
    const std::string msg =
        error_message_of([&] { dev.put("evaluation", dev.id(), ev.closed(p, 5, "central")); });
    CHECK(msg.find("1.3") != std::string::npos);
    CHECK(ev.put(ev.closed(p, 4, "central")) == kNoError);

    // Item 2.2 needs 2 points for 3 stars (***): at 1 point the result is 2 stars (a reading:
    // the text gives no star below a missed 3-star minimum; docs/ocop-rules.md).
    p["2.2"] = 1;
    CHECK(ev.put(ev.closed(p, 4, "central")) == ocop::domain::errc::evaluation_stars);
    CHECK(ev.put(ev.closed(p, 2, "central")) == kNoError);

    SECTION(
        "item_points must be the sheet's items, within their maxima, adding up to the average") {
        json bad = full_points(kSet01);
        bad["99.9"] = 0;
        CHECK(ev.put(ev.closed(bad, 5, "central")) == ocop::domain::errc::evaluation_item_points);
        json over = full_points(kSet01);
        over["1.3"] = 4;  // max 3
        over["1.5"] = 2;
        CHECK(ev.put(ev.closed(over, 5, "central")) == ocop::domain::errc::evaluation_item_points);
        FieldValues off = ev.closed(full_points(kSet01), 5, "central");
        off["average_score"] = 95.0;
        CHECK(ev.put(off) == ocop::domain::errc::evaluation_item_points);
        FieldValues none = ev.closed(full_points(kSet01), 5, "central");
        none.erase("item_points");
        CHECK(ev.put(none) == ocop::domain::errc::evaluation_item_points);
        none["stars"] = 2;  // below 3 stars nothing is certified: the minimums need no proof
        none["average_score"] = 45.0;
        CHECK(ev.put(none) == kNoError);
    }
}

TEST_CASE("Art. 7.3.e (lines 251-255): 90 points or more go to the ministry",
          "[domain][procedures][routing]") {
    Device dev;
    Evaluations ev(dev);
    json p = full_points(kSet01);
    p["1.3"] = 2;  // 99 points, 4 stars by the minimums
    FieldValues f = ev.closed(p, 4, "province");
    CHECK(ev.put(f) == ocop::domain::errc::evaluation_ministry_referral);
    f["referred_to_ministry"] = true;
    const std::string referred = dev.id();
    CHECK(put_code(dev, "evaluation", referred, f) == kNoError);

    const json low = lowered(kSet01, 90);
    REQUIRE(sum(low) < 90);
    REQUIRE(sum(low) >= 70);
    FieldValues g = ev.closed(low, 4, "province");
    g["referred_to_ministry"] = true;
    CHECK(ev.put(g) == ocop::domain::errc::evaluation_ministry_referral);
    g["referred_to_ministry"] = false;
    const std::string provincial = dev.id();
    CHECK(put_code(dev, "evaluation", provincial, g) == kNoError);

    // The certificate: the province cannot certify 4 stars on the 99-point evaluation it referred
    // (the case of the issue: a 92-point product certified by the province at 4 stars).
    auto cert = [&](const std::string& evaluation, int stars, const char* by) -> FieldValues {
        return {
            {"product", dev.id()},       {"number", "01/QĐ-UBND"},     {"stars", stars},
            {"issued_on", "2026-06-20"}, {"expires_on", "2029-06-20"}, {"issued_by", by},
            {"rule_set", "qd26_2026"},   {"status", "valid"},          {"evaluation", evaluation},
            {"unit", dev.unit()}};
    };
    CHECK(put_code(dev, "certificate", dev.id(), cert(referred, 4, "province")) ==
          ocop::domain::errc::certificate_evaluation);
    CHECK(put_code(dev, "certificate", dev.id(), cert(provincial, 4, "province")) == kNoError);
    CHECK(put_code(dev, "certificate", dev.id(), cert(provincial, 3, "province")) ==
          ocop::domain::errc::certificate_evaluation);  // not the evaluation's stars
    CHECK(put_code(dev, "certificate", dev.id(), cert(dev.id(), 4, "province")) ==
          ocop::domain::errc::certificate_evaluation);  // no such evaluation
    FieldValues bare = cert(provincial, 4, "province");
    bare.erase("evaluation");
    CHECK(put_code(dev, "certificate", dev.id(), bare) ==
          ocop::domain::errc::certificate_evaluation);
    // Art. 7.4.g (lines 298-301): below 90 at the ministry, the province may certify 3/4 stars.
    json central = low;
    const std::string at_ministry = dev.id();
    CHECK(put_code(dev, "evaluation", at_ministry, ev.closed(central, 4, "central")) == kNoError);
    CHECK(put_code(dev, "certificate", dev.id(), cert(at_ministry, 4, "province")) == kNoError);
}

TEST_CASE("stop rules of 18 sheets as data (Annex II notes)", "[domain][procedures][stop]") {
    const auto& stops = domain::builtin_stop_rules();
    CHECK(stops.all().size() == 18);
    const auto& rubrics = domain::builtin_rubrics();
    // Set 1 item 6.1 (line 1458): "Không xem xét các chỉ tiêu khác nếu ... tạp chất".
    const auto* s1 = stops.find(rubrics.require(kSet01), "6.1");
    REQUIRE(s1);
    CHECK(s1->trigger == domain::StopTrigger::observed);
    CHECK(s1->source.find("line 1458") != std::string::npos);
    // Set 16 item 6 (line 12784): "Nếu được 0 điểm tại một trong các chỉ tiêu trên".
    const auto& set16 = *rubrics.find("qd26_2026", 16);
    const auto* s16 = stops.find(set16, "6");
    REQUIRE(s16);
    CHECK(s16->trigger == domain::StopTrigger::any_child_zero);

    Device dev;
    Evaluations ev(dev);
    SECTION("set 16: a 0 on a sensory sub-item stops the assessment") {
        json p = full_points(set16.code.c_str());
        CHECK(ev.put(ev.closed(p, 5, "central", set16.code.c_str())) == kNoError);
        p["6.2"] = 0;
        CHECK(ev.put(ev.closed(p, 4, "central", set16.code.c_str())) ==
              ocop::domain::errc::evaluation_stop_rule);
        FieldValues stopped = ev.closed(p, 0, "central", set16.code.c_str());
        stopped["stopped_at"] = "6";
        CHECK(ev.put(stopped) == kNoError);
    }
    SECTION("set 1: the assessor records the finding; the evaluation gets no stars") {
        FieldValues f = ev.closed(full_points(kSet01), 5, "central");
        f["stopped_at"] = "6.1";
        CHECK(ev.put(f) == ocop::domain::errc::evaluation_stop_rule);
        f.erase("stars");
        CHECK(ev.put(f) == kNoError);
        f["stopped_at"] = "2.2";  // no stop note on this item
        CHECK(ev.put(f) == ocop::domain::errc::evaluation_stop_rule);
    }
}

TEST_CASE("Art. 8.1-8.2 (lines 360-382): who revokes, on which ground",
          "[domain][procedures][revocation]") {
    Device dev;
    auto cert = [&](int stars, const char* by, const char* rule_set, const char* issued,
                    const char* expires) {
        const std::string id = dev.id();
        dev.put("certificate", id,
                {{"product", dev.id()},
                 {"number", "01/QĐ"},
                 {"stars", stars},
                 {"issued_on", issued},
                 {"expires_on", expires},
                 {"issued_by", by},
                 {"rule_set", rule_set},
                 {"status", "valid"},
                 {"unit", dev.unit()}});
        return id;
    };
    const std::string four = cert(4, "province", "qd1489_2025", "2025-08-01", "2028-08-01");
    const std::string five = cert(5, "ministry", "qd1489_2025", "2025-08-01", "2028-08-01");
    const std::string district = cert(3, "district", "qd148_2023", "2024-03-01", "2027-03-01");

    CHECK(put_code(dev, "certificate", four, {{"status", "revoked"}}) ==
          ocop::domain::errc::certificate_revocation);  // no date
    CHECK(
        put_code(dev, "certificate", four, {{"status", "revoked"}, {"revoked_on", "2026-09-01"}}) ==
        ocop::domain::errc::certificate_revocation);  // no ground
    CHECK(put_code(dev, "certificate", four,
                   {{"status", "revoked"},
                    {"revoked_on", "2026-09-01"},
                    {"revocation_ground", "violation_other_law"},  // Art. 8.1.c tail (line 369)
                    {"revoked_by", "ministry"}}) == ocop::domain::errc::certificate_revocation);
    CHECK(put_code(dev, "certificate", four,
                   {{"status", "revoked"},
                    {"revoked_on", "2026-09-01"},
                    {"revocation_ground", "violation_other_law"},
                    {"revoked_by", "province"}}) == kNoError);
    CHECK(put_code(dev, "certificate", five,
                   {{"status", "revoked"},
                    {"revoked_on", "2026-09-01"},
                    {"revocation_ground", "mark_misuse"},
                    {"revoked_by", "province"}}) == ocop::domain::errc::certificate_revocation);
    CHECK(put_code(dev, "certificate", five,
                   {{"status", "revoked"},
                    {"revoked_on", "2026-09-01"},
                    {"revocation_ground", "mark_misuse"},
                    {"revoked_by", "ministry"}}) == kNoError);
    // A district-era 3-star certificate: districts are gone, the province revokes it.
    CHECK(put_code(dev, "certificate", district,
                   {{"status", "revoked"},
                    {"revoked_on", "2026-09-01"},
                    {"revocation_ground", "improper_recognition"},  // Art. 10.1.b (line 431)
                    {"revoked_by", "province"}}) == kNoError);
}

TEST_CASE(
    "Art. 2.3 (lines 59-64): associations, centres and 'tổ chức tương đương' apply for "
    "tourism only",
    "[domain][procedures][forms]") {
    Device dev;
    const std::string unit = dev.unit();
    const std::string centre = dev.id();
    dev.put("applicant", centre,
            {{"name", "Tổ chức tương đương"},
             {"legal_form", "equivalent_organisation"},
             {"unit", unit}});
    auto product = [&](const char* sector, const char* set) {
        const std::string id = dev.id();
        dev.put("product", id,
                {{"name", "Sản phẩm"},
                 {"applicant", centre},
                 {"sector", sector},
                 {"product_set", set},
                 {"unit", unit}});
        return id;
    };
    const std::string tour = product("VI", "set_26_du_lich");
    const std::string food = product("I", kSet01);
    auto reg = [&](const std::string& p) -> FieldValues {
        return {{"product", p},         {"applicant", centre},
                {"kind", "first"},      {"filed_on", "2026-06-01"},
                {"status", "received"}, {"unit", unit}};
    };
    const std::string tour_reg = dev.id();
    CHECK(put_code(dev, "registration", tour_reg, reg(tour)) == kNoError);
    CHECK(put_code(dev, "registration", dev.id(), reg(food)) ==
          ocop::domain::errc::applicant_type_sector);
    CHECK(put_code(dev, "registration", tour_reg, {{"product", food}}) ==
          ocop::domain::errc::applicant_type_sector);

    SECTION("Art. 6.2.d (lines 171-173): 05 samples, none for tourism") {
        const std::string coop = dev.id();
        dev.put("applicant", coop,
                {{"name", "HTX"}, {"legal_form", "cooperative"}, {"unit", unit}});
        const std::string food_reg = dev.id();
        FieldValues r = reg(food);
        r["applicant"] = coop;
        dev.put("registration", food_reg, r);
        auto report = [&](const std::string& registration, int samples) -> FieldValues {
            return {{"registration", registration},
                    {"origin_raw_materials", "met"},
                    {"local_labour", "met"},
                    {"idea_origin", "met"},
                    {"local_identity", "partly"},
                    {"samples_sent", samples},
                    {"unit", unit}};
        };
        CHECK(put_code(dev, "commune_report", dev.id(), report(food_reg, 5)) == kNoError);
        CHECK(put_code(dev, "commune_report", dev.id(), report(food_reg, 3)) ==
              ocop::domain::errc::commune_report_samples);
        CHECK(put_code(dev, "commune_report", dev.id(), report(tour_reg, 0)) == kNoError);
        CHECK(put_code(dev, "commune_report", dev.id(), report(tour_reg, 5)) ==
              ocop::domain::errc::commune_report_samples);
    }
}

TEST_CASE("Art. 9 (lines 395-418) and Annex I (lines 526-789): who inspects, lead ministries",
          "[domain][procedures][inspection]") {
    const auto& groups = domain::builtin_product_groups();
    const auto& rubrics = domain::builtin_rubrics();
    REQUIRE(groups.all().size() == 26);
    for (const auto& r : rubrics.all()) {
        const auto* g = groups.find(r.set_number);
        REQUIRE(g);
        CHECK(g->sector == r.sector);  // the annex and the sheets agree on the sector
    }
    // Lines 690-693: bottled water is led by the Ministry of Health; lines 778-783: tourism by
    // culture, sports and tourism with agriculture and environment.
    CHECK(groups.find(16)->lead_ministries == std::vector<std::string>{"MOH"});
    CHECK(groups.find(26)->lead_ministries == std::vector<std::string>{"MOCST", "MAE"});
    CHECK(groups.ministry_name_vi("MOIT") == "Bộ Công Thương");
    CHECK(groups.find(5)->lead_ministries.front() == "MOIT");  // line 592

    // Art. 9.4.a-b (lines 411-418).
    const auto five = domain::inspecting_authorities(5);
    CHECK(five.province);
    CHECK(five.ministry);
    const auto four = domain::inspecting_authorities(4);
    CHECK(four.province);
    CHECK_FALSE(four.ministry);
    CHECK(four.ministry_when_needed);
    CHECK(domain::default_inspecting_authority(5) == "ministry");
    CHECK(domain::default_inspecting_authority(3) == "province");

    // Art. 9.2.a, 9.3 (lines 401-410): the inspection record holds the type and both subjects.
    const auto* insp = ocop::builtin_schema().collection("inspection");
    REQUIRE(insp);
    for (const char* f :
         {"inspection_type", "authority", "criteria_maintained", "mark_use_ok", "promotion_ok"})
        CHECK(insp->field(f) != nullptr);
}
