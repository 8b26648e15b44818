// The domain rules on commit (device) and as a server guard: signed inspections, revocation
// proposals, certificates, evaluations and unit history.
#include <catch2/catch.hpp>

#include <set>
#include <string>

#include "domain_test_support.hpp"
#include "ocop/core/error_codes.hpp"
#include "ocop/domain/domain_error_codes.hpp"
#include "ocop/domain/rules.hpp"

using nlohmann::json;
using ocop::Changeset;
using ocop::FieldValues;
using ocop::LocalTransaction;
using ocop::StoreTxn;
using ocop::domain::DomainRules;
using ocop::domain::test::Device;
using ocop::domain::test::error_code_of;
using ocop::domain::test::error_message_of;
namespace errc = ocop::domain::errc;

namespace {

constexpr const char* kNoError = "<no error>";

// An open evaluation giving `stars` at `level`: what a 26/2026 certificate names.
std::string evaluation_for(Device& dev, int stars, const char* level = "province") {
    const std::string id = dev.id();
    dev.put("evaluation", id,
            {{"registration", dev.id()},
             {"product", dev.id()},
             {"rule_set", "qd26_2026"},
             {"rubric", "set_01_rau_cu_qua_hat_tuoi"},
             {"level", level},
             {"stars", stars},
             {"status", "open"},
             {"unit", dev.unit()}});
    return id;
}

// A draft inspection with one finding and one sample, saved as one form.
struct Minutes {
    explicit Minutes(Device& dev) : dev(dev) {
        inspection = dev.id();
        finding = dev.id();
        sample = dev.id();
        const std::string unit = dev.unit();
        LocalTransaction t;
        t.put("inspection", inspection,
              {{"kind", "production_facility"},
               {"site_name", "HTX chè Tân Cương"},
               {"started_at", "2026-06-10T08:30:00+07:00"},
               {"conclusion", "Đang kiểm tra"},
               {"status", "draft"},
               {"unit", unit}});
        t.put("finding", finding,
              {{"inspection", inspection},
               {"severity", "minor"},
               {"description", "Nhãn thiếu ngày sản xuất"},
               {"unit", unit}});
        t.put("sample", sample,
              {{"inspection", inspection},
               {"sample_code", "MAU-2026-0001"},
               {"lot", "L260610"},
               {"result_status", "pending"},
               {"unit", unit}});
        dev.commit(t);
    }
    void sign() {
        dev.put("inspection", inspection,
                {{"status", "signed"},
                 {"signed_at", "2026-06-10T11:00:00+07:00"},
                 {"signed_by", "Nguyễn Văn An"}});
    }
    Device& dev;
    std::string inspection, finding, sample;
};

std::string put_code(Device& dev, const std::string& collection, const std::string& id,
                     const FieldValues& f) {
    return error_code_of([&] { dev.put(collection, id, f); });
}

}  // namespace

TEST_CASE("a draft inspection is editable and may be signed with a last edit",
          "[domain][rules][inspection]") {
    Device dev;
    Minutes m(dev);
    CHECK(put_code(dev, "inspection", m.inspection, {{"conclusion", "Đạt yêu cầu"}}) == kNoError);
    CHECK(put_code(dev, "finding", m.finding, {{"severity", "major"}}) == kNoError);
    CHECK(put_code(dev, "sample", m.sample, {{"lot", "L260611"}}) == kNoError);
    // One changeset that edits and signs: the stored inspection is still a draft, so it passes.
    CHECK(put_code(dev, "inspection", m.inspection,
                   {{"conclusion", "Cơ sở duy trì các tiêu chí"},
                    {"status", "signed"},
                    {"signed_at", "2026-06-10T11:00:00+07:00"}}) == kNoError);
    CHECK(dev.store.read("inspection", m.inspection)->get("status") == "signed");
}

TEST_CASE("a signed inspection is read-only", "[domain][rules][inspection]") {
    Device dev;
    Minutes m(dev);
    m.sign();
    const uint64_t head = dev.store.head();

    SECTION("editing a field is refused, naming the collection, field and rule") {
        CHECK(put_code(dev, "inspection", m.inspection, {{"conclusion", "Sửa sau khi ký"}}) ==
              errc::inspection_signed);
        const std::string msg = error_message_of([&] {
            dev.put("inspection", m.inspection, {{"gps_lat", 10.5}});
        });
        CHECK(msg.find("inspection/" + m.inspection + ".gps_lat") != std::string::npos);
        CHECK(msg.find("signed") != std::string::npos);
        CHECK(msg.find("rule:") != std::string::npos);
    }
    SECTION("un-signing is refused") {
        CHECK(put_code(dev, "inspection", m.inspection, {{"status", "draft"}}) ==
              errc::inspection_unsign);
    }
    SECTION("deleting is refused") {
        CHECK(error_code_of([&] { dev.remove("inspection", m.inspection); }) ==
              errc::inspection_signed_delete);
        CHECK(error_code_of([&] { dev.remove("finding", m.finding); }) ==
              errc::inspection_signed_delete);
        CHECK(error_code_of([&] { dev.remove("sample", m.sample); }) ==
              errc::inspection_signed_delete);
    }
    SECTION("its findings and samples are read-only, except lab results") {
        CHECK(put_code(dev, "finding", m.finding, {{"description", "Sửa"}}) ==
              errc::inspection_signed);
        CHECK(put_code(dev, "sample", m.sample, {{"lot", "L999"}}) == errc::inspection_signed);
        CHECK(put_code(dev, "sample", m.sample,
                       {{"results", json{{"coliforms_cfu_g", 12}}},
                        {"result_status", "pass"},
                        {"results_received_on", "2026-06-25"}}) == kNoError);
        CHECK(dev.store.read("sample", m.sample)->get("result_status") == "pass");
        // Lab results and another field in one changeset: refused as a whole.
        CHECK(put_code(dev, "sample", m.sample, {{"result_status", "fail"}, {"seal_no", "NP-1"}}) ==
              errc::inspection_signed);
        CHECK(dev.store.read("sample", m.sample)->get("result_status") == "pass");
    }
    SECTION("no finding or sample can be added to it or moved into it") {
        const std::string unit = dev.unit();
        CHECK(put_code(dev, "finding", dev.id(),
                       {{"inspection", m.inspection},
                        {"severity", "info"},
                        {"description", "Bổ sung"},
                        {"unit", unit}}) == errc::inspection_signed);
        CHECK(put_code(dev, "sample", dev.id(),
                       {{"inspection", m.inspection},
                        {"sample_code", "MAU-2"},
                        {"result_status", "pending"},
                        {"unit", unit}}) == errc::inspection_signed);
        Device& d = dev;
        Minutes other(d);  // a second, draft inspection
        CHECK(put_code(dev, "finding", other.finding, {{"inspection", m.inspection}}) ==
              errc::inspection_signed);
        CHECK(put_code(dev, "finding", m.finding, {{"inspection", other.inspection}}) ==
              errc::inspection_signed);  // nor moved out of it
    }
    SECTION("corrections go into an inspection_amendment") {
        CHECK(put_code(dev, "inspection_amendment", dev.id(),
                       {{"inspection", m.inspection},
                        {"reason", "Ghi sai số lô"},
                        {"changes", json{{"lot", "L260610"}}},
                        {"unit", dev.unit()}}) == kNoError);
    }
    SECTION("writing the stored values again is not a change") {
        CHECK(put_code(dev, "inspection", m.inspection,
                       {{"status", "signed"}, {"conclusion", "Đang kiểm tra"}}) == kNoError);
        CHECK(put_code(dev, "sample", m.sample, {{"lot", "L260610"}}) == kNoError);
    }
    SECTION("a refused changeset stores nothing") {
        CHECK(put_code(dev, "inspection", m.inspection, {{"conclusion", "x"}}) ==
              errc::inspection_signed);
        CHECK(dev.store.head() == head);
        CHECK(dev.store.read("inspection", m.inspection)->get("conclusion") == "Đang kiểm tra");
    }
}

TEST_CASE("an inspection created already signed, with its findings, passes",
          "[domain][rules][inspection]") {
    Device dev;
    const std::string unit = dev.unit();
    const std::string insp = dev.id();
    LocalTransaction t;
    t.put("inspection", insp,
          {{"kind", "market_point"},
           {"site_name", "Chợ Long Xuyên"},
           {"started_at", "2026-06-10T08:30:00+07:00"},
           {"status", "signed"},
           {"unit", unit}});
    t.put("finding", dev.id(),
          {{"inspection", insp}, {"severity", "info"}, {"description", "Đạt"}, {"unit", unit}});
    CHECK(error_code_of([&] { dev.commit(t); }) == kNoError);
}

TEST_CASE("the server guard refuses a device's edit made before it learnt of the signature",
          "[domain][rules][inspection]") {
    // Devices A and B share a draft; A signs and syncs first; B's concurrent edit arrives later.
    Device a(true, "dev-a");
    Minutes m(a);
    const std::vector<Changeset> drafts = a.store.outbox(100);
    m.sign();
    const Changeset signing = a.store.outbox(100).back();

    Device b(false, "dev-b");  // no rules on B: the server must catch it
    for (const Changeset& cs : drafts)
        b.store.write([&](StoreTxn& txn) { ocop::apply_changeset(txn, cs); });
    const Changeset edit = b.put("finding", m.finding, {{"description", "Sửa từ máy B"}});

    ocop::SqliteStore server(":memory:");
    const DomainRules guard;
    auto push = [&](const Changeset& cs) {
        return error_code_of([&] {
            server.write([&](StoreTxn& txn) {
                for (const ocop::ChangesetRule* rule : guard.list()) rule->check(txn, cs);
                ocop::apply_changeset(txn, cs);
            });
        });
    };
    for (const Changeset& cs : drafts) REQUIRE(push(cs) == kNoError);
    CHECK(push(signing) == kNoError);
    CHECK(push(edit) == errc::inspection_signed);
    CHECK(server.read("finding", m.finding)->get("description") == "Nhãn thiếu ngày sản xuất");
    // Lab results from anyone still pass.
    const Changeset results = b.put("sample", m.sample, {{"result_status", "fail"}});
    CHECK(push(results) == kNoError);
}

TEST_CASE("a revocation proposal references a certificate and a ground",
          "[domain][rules][proposal]") {
    Device dev;
    Minutes m(dev);
    const std::string unit = dev.unit();
    const std::string cert = dev.id();
    dev.put("certificate", cert,
            {{"product", dev.id()},
             {"number", "123/QĐ-UBND"},
             {"stars", 4},
             {"issued_on", "2026-06-20"},
             {"expires_on", "2029-06-20"},
             {"issued_by", "province"},
             {"rule_set", "qd26_2026"},
             {"status", "valid"},
             {"evaluation", evaluation_for(dev, 4)},
             {"unit", unit}});
    const FieldValues base{{"inspection", m.inspection},
                           {"kind", "revoke"},
                           {"description", "Mẫu không đạt"},
                           {"status", "open"},
                           {"unit", unit}};
    auto with = [&](FieldValues extra) {
        FieldValues f = base;
        for (auto& [k, v] : extra) f[k] = v;
        return f;
    };
    CHECK(put_code(dev, "proposal", dev.id(), with({{"revocation_ground", "violation_quality"}})) ==
          errc::proposal_revoke_certificate);
    CHECK(put_code(dev, "proposal", dev.id(), with({{"certificate", cert}})) ==
          errc::proposal_revoke_ground);
    CHECK(put_code(dev, "proposal", dev.id(),
                   with({{"certificate", dev.id()}, {"revocation_ground", "mark_misuse"}})) ==
          errc::proposal_certificate_unknown);
    const std::string ok = dev.id();
    CHECK(put_code(dev, "proposal", ok,
                   with({{"certificate", cert}, {"revocation_ground", "violation_food_safety"}})) ==
          kNoError);
    // Later edits keep the rule: removing the ground is refused, closing the proposal is fine.
    CHECK(put_code(dev, "proposal", ok, {{"revocation_ground", nullptr}}) ==
          errc::proposal_revoke_ground);
    CHECK(put_code(dev, "proposal", ok, {{"status", "done"}}) == kNoError);
    // A correction request needs neither.
    FieldValues correct = base;
    correct["kind"] = "correct";
    CHECK(put_code(dev, "proposal", dev.id(), correct) == kNoError);
    // Turning it into a revocation later must add both.
    const std::string later = dev.id();
    dev.put("proposal", later, correct);
    CHECK(put_code(dev, "proposal", later, {{"kind", "revoke"}}) ==
          errc::proposal_revoke_certificate);
}

TEST_CASE(
    "certificates: 3 to 5 stars, 36 months, issued by the right level under a rule set "
    "in force",
    "[domain][rules][certificate]") {
    Device dev;
    const std::string unit = dev.unit();
    auto cert = [&](int stars, const char* issued, const char* expires, const char* by,
                    const char* rule_set) -> FieldValues {
        FieldValues f{{"product", dev.id()},  {"number", "01/QĐ"},     {"stars", stars},
                      {"issued_on", issued},  {"expires_on", expires}, {"issued_by", by},
                      {"rule_set", rule_set}, {"status", "valid"},     {"unit", unit}};
        if (std::string(rule_set) == "qd26_2026" && stars >= 3 && stars <= 5)
            f["evaluation"] = evaluation_for(dev, stars, stars == 5 ? "central" : "province");
        return f;
    };
    CHECK(put_code(dev, "certificate", dev.id(),
                   cert(4, "2026-06-10", "2029-06-10", "province", "qd26_2026")) == kNoError);
    CHECK(put_code(dev, "certificate", dev.id(),
                   cert(3, "2024-02-29", "2027-02-28", "district", "qd148_2023")) == kNoError);
    CHECK(put_code(dev, "certificate", dev.id(),
                   cert(5, "2026-09-20", "2029-09-20", "ministry", "qd26_2026")) == kNoError);
    CHECK(put_code(dev, "certificate", dev.id(),
                   cert(2, "2026-06-10", "2029-06-10", "province", "qd26_2026")) ==
          errc::certificate_stars);
    CHECK(put_code(dev, "certificate", dev.id(),
                   cert(6, "2026-06-10", "2029-06-10", "province", "qd26_2026")) ==
          errc::certificate_stars);
    CHECK(put_code(dev, "certificate", dev.id(),
                   cert(4, "2024-02-29", "2027-03-01", "province", "qd148_2023")) ==
          errc::certificate_expiry);
    CHECK(put_code(dev, "certificate", dev.id(),
                   cert(3, "2025-07-10", "2028-07-10", "district", "qd1489_2025")) ==
          errc::certificate_issuer);
    CHECK(put_code(dev, "certificate", dev.id(),
                   cert(5, "2026-06-10", "2029-06-10", "province", "qd26_2026")) ==
          errc::certificate_issuer);
    CHECK(put_code(dev, "certificate", dev.id(),
                   cert(3, "2025-08-01", "2028-08-01", "district", "qd148_2023")) ==
          errc::certificate_rule_set_date);
    CHECK(put_code(dev, "certificate", dev.id(),
                   cert(4, "2026-06-10", "2029-06-10", "province", "qd999")) ==
          errc::rule_set_unknown);
    const std::string msg = error_message_of([&] {
        dev.put("certificate", dev.id(),
                cert(4, "2026-06-10", "2029-06-11", "province", "qd26_2026"));
    });
    CHECK(msg.find("certificate/") != std::string::npos);
    CHECK(msg.find(".expires_on") != std::string::npos);
    CHECK(msg.find("2029-06-10") != std::string::npos);

    // Status changes of an existing certificate are not re-validated against the dates.
    const std::string old = dev.id();
    CHECK(put_code(dev, "certificate", old,
                   cert(3, "2023-03-01", "2026-03-01", "district", "qd148_2023")) == kNoError);
    CHECK(put_code(dev, "certificate", old, {{"status", "expired"}}) == kNoError);
    CHECK(put_code(dev, "certificate", old,
                   {{"status", "revoked"},
                    {"revoked_on", "2025-12-01"},
                    {"revocation_ground", "production_stopped"}}) == kNoError);
    CHECK(put_code(dev, "certificate", old, {{"stars", 2}}) == errc::certificate_stars);
    CHECK(put_code(dev, "certificate", old, {{"expires_on", "2026-03-02"}}) ==
          errc::certificate_expiry);
}

TEST_CASE("evaluations: stars follow the average score", "[domain][rules][evaluation]") {
    Device dev;
    const std::string unit = dev.unit();
    auto ev = [&](FieldValues extra) {
        FieldValues f{{"registration", dev.id()},
                      {"product", dev.id()},
                      {"rule_set", "qd26_2026"},
                      {"rubric", "set_01_rau_cu_qua_hat_tuoi"},
                      {"level", "province"},
                      {"status", "open"},  // closed ones need item_points: procedures_test
                      {"unit", unit}};
        for (auto& [k, v] : extra) f[k] = v;
        return put_code(dev, "evaluation", dev.id(), f);
    };
    CHECK(ev({{"average_score", 75.0}, {"stars", 4}}) == kNoError);
    CHECK(ev({{"average_score", 75.0}, {"stars", 3}}) == kNoError);  // a 4-star minimum missed
    CHECK(ev({{"average_score", 75.0}, {"stars", 2}}) == kNoError);  // a 3-star minimum missed
    CHECK(ev({{"average_score", 75.0}, {"stars", 5}}) == errc::evaluation_stars);
    CHECK(ev({{"average_score", 75.0}, {"stars", 1}}) == errc::evaluation_stars);
    CHECK(ev({{"average_score", 89.9}, {"stars", 5}}) == errc::evaluation_stars);
    CHECK(ev({{"average_score", 90.0}, {"stars", 5}}) == kNoError);
    CHECK(ev({{"average_score", 49.9}, {"stars", 3}}) == errc::evaluation_stars);
    CHECK(ev({{"average_score", 45.0}, {"stars", 2}}) == kNoError);
    CHECK(ev({{"average_score", 25.0}, {"stars", 1}}) == kNoError);
    CHECK(ev({{"average_score", 25.0}, {"stars", 2}}) == errc::evaluation_stars);
    CHECK(ev({{"average_score", 120.0}, {"stars", 5}}) == errc::evaluation_score_range);
    CHECK(ev({{"average_score", 95.0}, {"disqualified", true}}) == kNoError);
    CHECK(ev({{"average_score", 95.0}, {"disqualified", true}, {"stars", 5}}) ==
          errc::evaluation_stars);
    CHECK(ev({{"stars", 4}}) == kNoError);  // no average recorded (yet)
    CHECK(ev({{"stars", 4}, {"rule_set", "qd999"}}) == errc::rule_set_unknown);
    CHECK(ev({{"average_score", 95.0}, {"stars", 5}, {"level", "central"}, {"status", "closed"}}) ==
          errc::evaluation_item_points);  // closed: the star minimums must be checkable
}

TEST_CASE("unit history: no unit is its own successor, none ends before it starts",
          "[domain][rules][admin_unit]") {
    Device dev;
    const std::string u = dev.unit();
    CHECK(put_code(dev, "admin_unit", u, {{"successor", u}}) == errc::unit_successor_self);
    CHECK(put_code(dev, "admin_unit", u, {{"valid_to", "2025-06-30"}}) == errc::unit_dates);
    CHECK(put_code(dev, "admin_unit", u, {{"valid_to", "2025-07-01"}}) == kNoError);
}

TEST_CASE("DomainRules owns one instance of each rule", "[domain][rules]") {
    const DomainRules rules;
    const auto list = rules.list();
    CHECK(list.size() == 6);
    CHECK(std::set<const ocop::ChangesetRule*>(list.begin(), list.end()).size() == 6);
    CHECK(rules.list() == list);  // stable: the device and the server get the same objects
}
