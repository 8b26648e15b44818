// Administrative re-organisation: merging units as planned edits, ending districts, and finding
// the unit new work goes to.
#include <catch2/catch.hpp>

#include <string>

#include "domain_test_support.hpp"
#include "ocop/core/error_codes.hpp"
#include "ocop/domain/admin_units.hpp"
#include "ocop/domain/domain_error_codes.hpp"

using ocop::domain::Date;
using ocop::domain::plan_unit_end;
using ocop::domain::plan_unit_merge;
using ocop::domain::unit_for_new_work;
using ocop::domain::unit_in_force;
using ocop::domain::UnitEnd;
using ocop::domain::UnitMerge;
using ocop::domain::test::d;
using ocop::domain::test::Device;
using ocop::domain::test::error_code_of;
namespace errc = ocop::domain::errc;

namespace {

// A province, one district and three of its communes, as before July 2025.
struct ProvinceBeforeReform {
    explicit ProvinceBeforeReform(Device& dev) : dev(dev) {
        province = add("99", "Tỉnh Sông Hậu", "province", "");
        district = add("907", "Huyện Long Hồ", "district", province);
        for (const char* name : {"Xã Tân An", "Xã Phú Hòa", "Xã Long Hưng"})
            communes.push_back(
                add("290" + std::to_string(communes.size()), name, "commune", district));
    }
    std::string add(const std::string& code, const std::string& name, const std::string& level,
                    const std::string& parent) {
        const std::string id = dev.id();
        ocop::FieldValues f{
            {"code", code}, {"name", name}, {"level", level}, {"valid_from", "2004-01-01"}};
        if (!parent.empty()) f["parent"] = parent;
        dev.put("admin_unit", id, f);
        return id;
    }
    UnitMerge merge_all(const std::string& new_id) const {
        UnitMerge m;
        m.old_units = communes;
        m.new_unit_id = new_id;
        m.code = "31001";
        m.name = "Xã Tân An";
        m.effective = d("2025-07-01");
        m.parent = province;
        m.decision_ref = "Nghị quyết sắp xếp ĐVHC cấp xã (thử nghiệm)";
        return m;
    }
    Device& dev;
    std::string province, district;
    std::vector<std::string> communes;
};

std::string text(Device& dev, const std::string& id, const char* field) {
    const auto r = dev.store.read("admin_unit", id);
    REQUIRE(r);
    const auto& v = r->get(field);
    return v.is_string() ? v.get<std::string>() : std::string("<") + v.dump() + ">";
}

}  // namespace

TEST_CASE("three communes merge into one from 2025-07-01, history keeps the old ones",
          "[domain][admin_units]") {
    Device dev;
    ProvinceBeforeReform p(dev);
    const std::string merged = dev.id();
    const uint64_t head = dev.store.head();
    const auto txn = plan_unit_merge(dev.store, p.merge_all(merged));
    CHECK(dev.store.head() == head);  // planning writes nothing
    dev.commit(txn);                  // the server's replica commits it: an ordinary changeset

    CHECK(text(dev, merged, "name") == "Xã Tân An");
    CHECK(text(dev, merged, "code") == "31001");
    CHECK(text(dev, merged, "level") == "commune");
    CHECK(text(dev, merged, "parent") == p.province);
    CHECK(text(dev, merged, "valid_from") == "2025-07-01");
    CHECK(text(dev, merged, "valid_to") == "<null>");
    CHECK(text(dev, merged, "decision_ref") == "Nghị quyết sắp xếp ĐVHC cấp xã (thử nghiệm)");
    for (const std::string& old : p.communes) {
        INFO(old);
        CHECK(text(dev, old, "valid_to") == "2025-06-30");
        CHECK(text(dev, old, "successor") == merged);
        CHECK(text(dev, old, "valid_from") == "2004-01-01");  // history is kept
        CHECK(text(dev, old, "parent") == p.district);
        CHECK_FALSE(dev.store.read("admin_unit", old)->deleted());
        CHECK(unit_in_force(*dev.store.read("admin_unit", old), d("2025-06-30")));
        CHECK_FALSE(unit_in_force(*dev.store.read("admin_unit", old), d("2025-07-01")));
    }
    CHECK(unit_in_force(*dev.store.read("admin_unit", merged), d("2025-07-01")));
    CHECK_FALSE(unit_in_force(*dev.store.read("admin_unit", merged), d("2025-06-30")));

    // Which unit new work goes to.
    const std::string old = p.communes[1];
    CHECK(unit_for_new_work(dev.store, old, d("2025-06-30")) == old);
    CHECK(unit_for_new_work(dev.store, old, d("2025-07-01")) == merged);
    CHECK(unit_for_new_work(dev.store, old) == merged);
    CHECK(unit_for_new_work(dev.store, merged) == merged);
    CHECK(unit_for_new_work(dev.store, merged, d("2026-01-01")) == merged);

    // Districts end the same day; their work goes to the province.
    dev.commit(plan_unit_end(dev.store, UnitEnd{{p.district}, d("2025-07-01"), p.province}));
    CHECK(text(dev, p.district, "valid_to") == "2025-06-30");
    CHECK(unit_for_new_work(dev.store, p.district) == p.province);
    CHECK(unit_for_new_work(dev.store, p.district, d("2025-06-01")) == p.district);

    // A later merge of the merged commune: successors are followed through.
    const std::string second = dev.id();
    UnitMerge again;
    again.old_units = {merged};
    again.new_unit_id = second;
    again.code = "31050";
    again.name = "Xã Tân An Hội";
    again.effective = d("2027-01-01");
    dev.commit(plan_unit_merge(dev.store, again));  // parent: the province, still in force
    CHECK(text(dev, second, "parent") == p.province);
    CHECK(unit_for_new_work(dev.store, old) == second);
    CHECK(unit_for_new_work(dev.store, old, d("2026-06-01")) == merged);
    CHECK(unit_for_new_work(dev.store, old, d("2027-01-01")) == second);
}

TEST_CASE("merges that cannot be applied are refused before anything is written",
          "[domain][admin_units]") {
    Device dev;
    ProvinceBeforeReform p(dev);
    auto code_of = [&](const UnitMerge& m) {
        return error_code_of([&] { plan_unit_merge(dev.store, m); });
    };

    UnitMerge m = p.merge_all(dev.id());
    m.old_units.clear();
    CHECK(code_of(m) == errc::unit_merge_invalid);

    m = p.merge_all(dev.id());
    m.old_units.push_back(m.old_units[0]);
    CHECK(code_of(m) == errc::unit_merge_invalid);  // listed twice

    m = p.merge_all(dev.id());
    m.old_units.push_back(p.district);
    CHECK(code_of(m) == errc::unit_merge_invalid);  // a district with communes

    m = p.merge_all(dev.id());
    m.old_units.push_back(dev.id());
    CHECK(code_of(m) == ocop::errc::record_not_found);

    m = p.merge_all(dev.id());
    m.effective = d("2003-12-31");
    CHECK(code_of(m) == errc::unit_merge_invalid);  // before the old units began

    m = p.merge_all(p.province);
    CHECK(code_of(m) == errc::unit_exists);  // the new id is taken

    m = p.merge_all(dev.id());
    m.old_units = {p.communes[0]};
    m.code = "2901";  // the code of p.communes[1], still in force on 2025-07-01
    CHECK(code_of(m) == errc::unit_exists);

    m = p.merge_all(dev.id());
    m.new_unit_id = "not-a-uuid";
    CHECK(code_of(m) == errc::unit_merge_invalid);

    // Without an explicit parent, the old parent must still exist on the day.
    dev.commit(plan_unit_end(dev.store, UnitEnd{{p.district}, d("2025-07-01"), p.province}));
    m = p.merge_all(dev.id());
    m.parent.reset();
    CHECK(code_of(m) == errc::unit_merge_invalid);

    // A unit merged once cannot be merged again.
    dev.commit(plan_unit_merge(dev.store, p.merge_all(dev.id())));
    CHECK(code_of(p.merge_all(dev.id())) == errc::unit_already_merged);
    CHECK(error_code_of([&] {
              plan_unit_end(dev.store, UnitEnd{{p.communes[0]}, d("2026-01-01"), std::nullopt});
          }) == errc::unit_already_merged);
}

TEST_CASE("successor lookups that have no answer", "[domain][admin_units]") {
    Device dev(false);  // no rules, to build a broken history on purpose
    ProvinceBeforeReform p(dev);
    CHECK(error_code_of([&] { unit_for_new_work(dev.store, dev.id()); }) ==
          ocop::errc::record_not_found);
    // Ended without a successor.
    dev.commit(plan_unit_end(dev.store, UnitEnd{{p.communes[0]}, d("2025-07-01"), std::nullopt}));
    CHECK(error_code_of([&] { unit_for_new_work(dev.store, p.communes[0]); }) ==
          errc::unit_no_successor);
    CHECK(unit_for_new_work(dev.store, p.communes[0], d("2025-06-30")) == p.communes[0]);
    // A cycle.
    dev.put("admin_unit", p.communes[1],
            {{"successor", p.communes[2]}, {"valid_to", "2025-06-30"}});
    dev.put("admin_unit", p.communes[2],
            {{"successor", p.communes[1]}, {"valid_to", "2025-06-30"}});
    CHECK(error_code_of([&] { unit_for_new_work(dev.store, p.communes[1]); }) ==
          errc::unit_successor_cycle);
}
