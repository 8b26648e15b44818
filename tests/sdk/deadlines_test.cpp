// What a device shows of the deadlines of Decision 26/2026: "due in N working days" and the
// overdue list, from the records in its store. Lines cite
// /work/shared/domain/sources/qd26_2026_QD-TTg_fulltext.txt.
#include <catch2/catch.hpp>

#include "ocop/sdk/database.hpp"
#include "ocop/sdk/deadlines.hpp"

using namespace ocop;
using domain::Date;

namespace {

struct Device {
    Device() : db(sdk::Database::open(":memory:")) {
        db->write([&](sdk::Transaction& t) {
            unit = t.create("admin_unit", {{"code", "99001"},
                                           {"name", "Xã Thử"},
                                           {"level", "commune"},
                                           {"valid_from", "2025-07-01"}});
            applicant = t.create(
                "applicant", {{"name", "HTX Thử"}, {"legal_form", "cooperative"}, {"unit", unit}});
            product = t.create("product", {{"name", "Mắm thử"},
                                           {"applicant", applicant},
                                           {"sector", "I"},
                                           {"product_set", "set_09_tuong_nuoc_mam_gia_vi_long"},
                                           {"unit", unit}});
        });
    }
    std::string registration(const std::string& kind, const std::string& status,
                             const std::string& received, nlohmann::json extra = {}) {
        std::string id;
        db->write([&](sdk::Transaction& t) {
            FieldValues f{{"product", product},
                          {"applicant", applicant},
                          {"kind", kind},
                          {"filed_on", received},
                          {"status", status},
                          {"unit", unit},
                          {"commune_received_on", received}};
            for (auto& [k, v] : extra.items()) f[k] = v;
            id = t.create("registration", f);
        });
        return id;
    }
    std::unique_ptr<sdk::Database> db;
    std::string unit, applicant, product;
};

}  // namespace

TEST_CASE("sdk deadlines: Art. 7.2 (line 202) due in N working days, then overdue",
          "[sdk][deadlines]") {
    Device dev;
    const std::string late = dev.registration("first", "received", "2026-08-28");
    const std::string fresh = dev.registration("first", "incomplete", "2026-09-21");
    dev.registration("first", "commune_assessed", "2026-08-28");  // done: no deadline

    const auto due = sdk::running_deadlines(*dev.db, Date::parse("2026-09-21"));
    REQUIRE(due.size() == 2);
    CHECK(due[0].deadline.record_id == late);
    CHECK(due[0].deadline.due == Date::parse("2026-09-22"));
    CHECK(due[0].status.working_days_left == 1);
    const auto j = sdk::to_json(due[0]);
    CHECK(j["rule"] == "commune_report");
    CHECK(j["due_in_working_days"] == 1);
    CHECK(j["text_vi"] == "Còn 1 ngày làm việc (hạn 22/09/2026)");
    CHECK(due[1].deadline.record_id == fresh);
    CHECK(due[1].deadline.due == Date::parse("2026-10-12"));

    CHECK(sdk::overdue_deadlines(*dev.db, Date::parse("2026-09-22")).empty());
    const auto overdue = sdk::overdue_deadlines(*dev.db, Date::parse("2026-09-24"));
    REQUIRE(overdue.size() == 1);
    CHECK(overdue[0].deadline.record_id == late);
    CHECK(overdue[0].status.working_days_left == -2);
    CHECK(sdk::to_json(overdue[0])["overdue"] == true);
}

TEST_CASE("sdk deadlines: Art. 8.4 (line 392) and Art. 12.2 (lines 484-491) in one list",
          "[sdk][deadlines]") {
    Device dev;
    const std::string old = dev.registration("re_evaluation", "sent_to_province", "2026-05-04");
    dev.db->write([&](sdk::Transaction& t) {
        const std::string insp = t.create("inspection", {{"kind", "market_point"},
                                                         {"site_name", "Chợ Thử"},
                                                         {"started_at", "2026-08-10T08:00:00Z"},
                                                         {"status", "draft"},
                                                         {"unit", dev.unit}});
        const std::string ev =
            t.create("evaluation", {{"registration", old},
                                    {"product", dev.product},
                                    {"rule_set", "qd26_2026"},
                                    {"rubric", "set_09_tuong_nuoc_mam_gia_vi_long"},
                                    {"level", "province"},
                                    {"stars", 3},
                                    {"status", "open"},
                                    {"unit", dev.unit}});
        const std::string cert = t.create("certificate", {{"product", dev.product},
                                                          {"evaluation", ev},
                                                          {"number", "99/2026"},
                                                          {"stars", 3},
                                                          {"issued_on", "2026-06-01"},
                                                          {"expires_on", "2029-06-01"},
                                                          {"issued_by", "province"},
                                                          {"rule_set", "qd26_2026"},
                                                          {"status", "valid"},
                                                          {"unit", dev.unit}});
        t.create("proposal", {{"inspection", insp},
                              {"certificate", cert},
                              {"kind", "revoke"},
                              {"revocation_ground", "mark_misuse"},
                              {"description", "Dùng nhãn OCOP sai"},
                              {"status", "open"},
                              {"concluded_on", "2026-08-18"},
                              {"unit", dev.unit}});
    });
    const auto overdue = sdk::overdue_deadlines(*dev.db, Date::parse("2026-09-04"));
    REQUIRE(overdue.size() == 2);
    CHECK(overdue[0].deadline.record_id == old);
    CHECK(overdue[0].deadline.rule == "transitional_reevaluation");
    CHECK(overdue[0].deadline.due == Date::parse("2026-06-22"));
    CHECK(overdue[1].deadline.rule == "revocation");
    CHECK(overdue[1].deadline.due == Date::parse("2026-09-03"));
    CHECK(overdue[1].status.working_days_left == -1);
}
