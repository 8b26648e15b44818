// The permission table and its checker: who may create, update, delete or sign what, in which
// unit and state. The isolation tests over the wire are in tests/e2e/isolation_e2e_test.cpp.
#include <set>
#include <tuple>

#include "domain_test_support.hpp"
#include "ocop/core/error_codes.hpp"
#include "ocop/domain/domain_error_codes.hpp"
#include "ocop/domain/permission_rule.hpp"

using namespace ocop;
using namespace ocop::domain;
using namespace ocop::domain::test;

namespace {

// A province with two communes, A and B, and a commune C that merged into A on 2025-07-01.
struct ProvinceWithMerger {
    Device d{/*with_rules=*/false};
    std::string province = d.id();
    std::string a = d.id();
    std::string b = d.id();
    std::string c_old = d.id();
    PermissionChecker checker;

    ProvinceWithMerger() {
        d.put("admin_unit", province,
              {{"code", "89"},
               {"name", "Tỉnh An Giang"},
               {"level", "province"},
               {"valid_from", "2025-07-01"}});
        for (const auto& [id, code] : {std::pair{a, "30001"}, std::pair{b, "30002"}})
            d.put("admin_unit", id,
                  {{"code", code},
                   {"name", "Xã " + std::string(code)},
                   {"level", "commune"},
                   {"parent", province},
                   {"valid_from", "2025-07-01"}});
        d.put("admin_unit", c_old,
              {{"code", "29999"},
               {"name", "Xã cũ"},
               {"level", "commune"},
               {"valid_from", "2008-01-01"},
               {"valid_to", "2025-06-30"},
               {"successor", a}});
    }

    // A changeset of record changes (collection, id, fields) as a device would send it.
    static Changeset changeset(
        const std::vector<std::tuple<std::string, std::string, FieldValues>>& records) {
        Changeset cs;
        cs.replica = "officer-phone";
        cs.seq = 1;
        cs.schema_version = builtin_schema().version();
        cs.hlc = Hlc{1'790'000'000'000, 0};
        for (const auto& [collection, id, fields] : records) {
            RecordChange rc{collection, id, {}};
            for (const auto& [name, value] : fields)
                rc.fields.push_back({name, value, std::nullopt});
            cs.records.push_back(std::move(rc));
        }
        return cs;
    }

    // The checker's verdict on one record change sent by a user holding `grants`.
    std::string check(const std::vector<Grant>& grants, const std::string& collection,
                      const std::string& id, const FieldValues& fields) {
        return check(grants, changeset({{collection, id, fields}}));
    }
    std::string check(const std::vector<Grant>& grants, const Changeset& cs) {
        return error_code_of(
            [&] { d.store.write([&](StoreTxn& t) { checker.check(t, cs, grants); }); });
    }
    std::string message(const std::vector<Grant>& grants, const std::string& collection,
                        const std::string& id, const FieldValues& fields) {
        const Changeset cs = changeset({{collection, id, fields}});
        return error_message_of(
            [&] { d.store.write([&](StoreTxn& t) { checker.check(t, cs, grants); }); });
    }

    std::string inspection(const std::string& unit, const std::string& status = "draft") {
        const std::string id = d.id();
        d.put("inspection", id,
              {{"kind", "production_facility"},
               {"site_name", "HTX Mỹ Hòa"},
               {"started_at", "2026-11-20T08:00:00+07:00"},
               {"status", status},
               {"unit", unit}});
        return id;
    }
};

const FieldValues kApplicant(const std::string& unit) {
    return {{"name", "HTX Nông nghiệp Mỹ Hòa"}, {"legal_form", "cooperative"}, {"unit", unit}};
}

}  // namespace

TEST_CASE("the built-in permission table names six roles and every collection of the schema",
          "[permissions]") {
    const PermissionTable& table = PermissionTable::builtin();
    for (const char* role : {"commune_officer", "inspector", "team_lead", "provincial_staff",
                             "council_secretary", "administrator"})
        CHECK(table.is_role(role));
    CHECK_FALSE(table.is_role("minister"));
    for (const auto& [name, def] : builtin_schema().collections()) {
        INFO(name);
        CHECK(table.collection(name) != nullptr);
    }
    CHECK(table.is_reference("admin_unit"));
    CHECK_FALSE(table.is_reference("inspection"));
}

TEST_CASE("a malformed permission table is refused with a precise reason", "[permissions]") {
    const auto code = [](const std::string& json) {
        return error_code_of([&] { PermissionTable::parse(json); });
    };
    const std::string roles = R"("roles": {"officer": "x"})";
    CHECK(code("[]") == domain::errc::permissions_invalid);
    CHECK(code(R"({"version": 2, )" + roles + R"(, "collections": {}})") ==
          domain::errc::permissions_invalid);
    CHECK(code(R"({"version": 1, )" + roles +
               R"(, "collections": {"nonexistent": {"grants": []}}})") ==
          domain::errc::permissions_invalid);
    CHECK(
        code(
            R"({"version": 1, )" + roles +
            R"(, "collections": {"finding": {"grants": [{"roles": ["ghost"], "operations": ["create"]}]}}})") ==
        domain::errc::permissions_invalid);
    CHECK(
        code(
            R"({"version": 1, )" + roles +
            R"(, "collections": {"finding": {"grants": [{"roles": ["officer"], "operations": ["burn"]}]}}})") ==
        domain::errc::permissions_invalid);
    CHECK(
        code(
            R"({"version": 1, )" + roles +
            R"(, "collections": {"finding": {"grants": [{"roles": ["officer"], "operations": ["update"], "fields": ["colour"]}]}}})") ==
        domain::errc::permissions_invalid);
    CHECK(
        code(
            R"({"version": 1, )" + roles +
            R"(, "collections": {"finding": {"grants": [{"roles": ["officer"], "operations": ["create"]}]}}})") ==
        "<no error>");
}

TEST_CASE("a grant covers its unit, the units below it and the units merged into it",
          "[permissions]") {
    ProvinceWithMerger p;
    const std::vector<Grant> officer_a{{"commune_officer", p.a}};
    CHECK(p.check(officer_a, "applicant", p.d.id(), kApplicant(p.a)) == "<no error>");
    CHECK(p.check(officer_a, "applicant", p.d.id(), kApplicant(p.b)) ==
          ocop::errc::perm_unit_not_covered);
    // The old commune merged into A: A's officer holds its records.
    CHECK(p.check(officer_a, "applicant", p.d.id(), kApplicant(p.c_old)) == "<no error>");
    // A provincial grant covers every commune below the province.
    const std::vector<Grant> staff{{"provincial_staff", p.province}};
    CHECK(p.check(staff, "applicant", p.d.id(), kApplicant(p.b)) == "<no error>");
    // No unit at all: nobody's grant can cover it, and the answer is the one a foreign record gets.
    CHECK(p.check(staff, "applicant", p.d.id(), {{"name", "X"}, {"legal_form", "cooperative"}}) ==
          ocop::errc::perm_unit_not_covered);
    // Moving a record out of one's commune needs both units.
    const std::string mine = p.d.id();
    p.d.put("applicant", mine, kApplicant(p.a));
    CHECK(p.check(officer_a, "applicant", mine, {{"unit", p.b}}) ==
          ocop::errc::perm_unit_not_covered);
    CHECK(p.check(staff, "applicant", mine, {{"unit", p.b}}) == "<no error>");
    // B's record, even a field of it, is out of A's reach.
    const std::string theirs = p.d.id();
    p.d.put("applicant", theirs, kApplicant(p.b));
    CHECK(p.check(officer_a, "applicant", theirs, {{"phone", "0901234567"}}) ==
          ocop::errc::perm_unit_not_covered);
}

TEST_CASE("a deleted record keeps its unit, and undeleting is an operation of the table",
          "[permissions]") {
    ProvinceWithMerger p;
    const std::vector<Grant> officer_a{{"commune_officer", p.a}};
    const std::vector<Grant> officer_b{{"commune_officer", p.b}};
    const std::vector<Grant> staff{{"provincial_staff", p.province}};
    const std::string theirs = p.d.id();
    p.d.put("applicant", theirs, kApplicant(p.b));
    p.d.remove("applicant", theirs);
    // Taking B's deleted applicant over from A, with or without bringing it back: refused, and
    // the answer names no unit.
    CHECK(p.check(officer_a, "applicant", theirs, {{"unit", p.a}}) ==
          ocop::errc::perm_unit_not_covered);
    CHECK(p.check(officer_a, "applicant", theirs,
                  {{std::string(deleted_field), false}, {"unit", p.a}, {"name", "Đổi tên"}}) ==
          ocop::errc::perm_unit_not_covered);
    CHECK(p.check(officer_a, "applicant", theirs, {{std::string(deleted_field), false}}) ==
          ocop::errc::perm_unit_not_covered);
    CHECK(p.message(officer_a, "applicant", theirs, {{"unit", p.a}}) ==
          "applicant " + theirs + ": your account may not write this record");
    // The same answer as for a record that does not exist and names no unit, or a live one.
    const std::string nowhere = p.d.id();
    CHECK(p.message(officer_a, "applicant", nowhere, {{"phone", "0901"}}) ==
          "applicant " + nowhere + ": your account may not write this record");
    // In B: an edit of the deleted record is an update, judged in its own unit (kept; the
    // conflict it makes is the sync's); bringing it back is `undelete`, which for applicants
    // only provincial staff may do.
    CHECK(p.check(officer_b, "applicant", theirs, {{"phone", "0901234567"}}) == "<no error>");
    CHECK(p.check(officer_b, "applicant", theirs, {{std::string(deleted_field), false}}) ==
          ocop::errc::perm_operation_denied);
    CHECK(p.check(staff, "applicant", theirs, {{std::string(deleted_field), false}}) ==
          "<no error>");
    CHECK(PermissionTable::builtin().decide("commune_officer", "inspection", Operation::undelete,
                                            {}, "draft") == PermissionTable::Decision::allowed);
    CHECK(PermissionTable::builtin().decide("provincial_staff", "certificate", Operation::undelete,
                                            {}, "") == PermissionTable::Decision::operation_denied);
    // Deleting a deleted record again is no change.
    CHECK(p.check(officer_b, "applicant", theirs, {{std::string(deleted_field), true}}) ==
          "<no error>");
}

TEST_CASE("a reference must point at a record the writer covers, and the refusal says no more",
          "[permissions]") {
    ProvinceWithMerger p;
    const std::vector<Grant> officer_a{{"commune_officer", p.a}, {"team_lead", p.a}};
    const std::string signed_b = p.inspection(p.b, "signed");
    const std::string draft_b = p.inspection(p.b);
    const std::string deleted_b = p.inspection(p.b);
    p.d.remove("inspection", deleted_b);
    const std::string missing = p.d.id();
    const std::string own = p.inspection(p.a);
    const auto finding = [&](const std::string& inspection) {
        return FieldValues{{"inspection", inspection},
                           {"description", "Nhãn thiếu hạn dùng"},
                           {"severity", "minor"},
                           {"unit", p.a}};
    };
    std::set<std::string> messages;
    for (const auto& target : {signed_b, draft_b, deleted_b, missing}) {
        const std::string id = p.d.id();
        CHECK(p.check(officer_a, "finding", id, finding(target)) ==
              ocop::errc::perm_reference_not_covered);
        std::string m = p.message(officer_a, "finding", id, finding(target));
        // Apart from the ids the caller chose, every refusal reads the same.
        for (const auto& chosen : {id, target}) m.replace(m.find(chosen), chosen.size(), "<id>");
        messages.insert(m);
        CHECK(p.check(officer_a, "sample", p.d.id(),
                      {{"inspection", target}, {"sample_code", "M-9"}, {"unit", p.a}}) ==
              ocop::errc::perm_reference_not_covered);
    }
    CHECK(messages.size() == 1);
    CHECK(messages.begin()->find(p.b) == std::string::npos);
    CHECK(p.check(officer_a, "finding", p.d.id(), finding(own)) == "<no error>");
    // A target written in the same changeset counts with the unit written there.
    const std::string fresh = p.d.id();
    CHECK(p.check(officer_a, ProvinceWithMerger::changeset(
                                 {{"inspection",
                                   fresh,
                                   {{"kind", "market_point"},
                                    {"site_name", "Chợ"},
                                    {"started_at", "2026-11-20T08:00:00+07:00"},
                                    {"status", "draft"},
                                    {"unit", p.a}}},
                                  {"finding", p.d.id(), finding(fresh)}})) == "<no error>");
    // Moving an own finding's reference onto B's inspection is refused like creating one.
    const std::string mine = p.d.id();
    p.d.put("finding", mine, finding(own));
    CHECK(p.check(officer_a, "finding", mine, {{"inspection", draft_b}}) ==
          ocop::errc::perm_reference_not_covered);
    // Provincial staff cover every commune, so their references may cross communes.
    CHECK(p.check({{"provincial_staff", p.province}}, "finding", mine, {{"inspection", draft_b}}) ==
          "<no error>");
}

TEST_CASE("only a team lead signs inspection minutes, and only drafts can be edited",
          "[permissions]") {
    ProvinceWithMerger p;
    const std::string draft = p.inspection(p.a);
    const FieldValues sign{{"status", "signed"},
                           {"signed_at", "2026-11-20T11:00:00+07:00"},
                           {"signed_by", "Nguyễn Văn An"}};
    for (const char* role : {"inspector", "commune_officer", "provincial_staff",
                             "council_secretary", "administrator"}) {
        INFO(role);
        CHECK(p.check({{role, p.a}}, "inspection", draft, sign) == ocop::errc::perm_sign_denied);
    }
    CHECK(p.check({{"team_lead", p.a}}, "inspection", draft, sign) == "<no error>");
    // Signing while creating is signing too.
    FieldValues created_signed{{"kind", "production_facility"},
                               {"site_name", "Cơ sở"},
                               {"started_at", "2026-11-20T08:00:00+07:00"},
                               {"unit", p.a}};
    for (const auto& [k, v] : sign) created_signed[k] = v;
    CHECK(p.check({{"inspector", p.a}}, "inspection", p.d.id(), created_signed) ==
          ocop::errc::perm_sign_denied);
    CHECK(p.check({{"team_lead", p.a}}, "inspection", p.d.id(), created_signed) == "<no error>");
    // Team members edit inspections; that signed minutes are read-only is the domain rule's
    // (SignedInspectionRule, ocop.inspection_signed), which runs after the permissions.
    CHECK(p.check({{"inspector", p.a}}, "inspection", draft, {{"conclusion", "Đạt"}}) ==
          "<no error>");
    const std::string signed_one = p.inspection(p.a, "signed");
    CHECK(p.check({{"council_secretary", p.a}}, "inspection", signed_one,
                  {{"conclusion", "Đạt"}}) == ocop::errc::perm_operation_denied);
    // Writing back the stored values is not a change, so not a refusal.
    CHECK(p.check({{"inspector", p.a}}, "inspection", signed_one, {{"status", "signed"}}) ==
          "<no error>");
}

TEST_CASE("field and state limits: lab results, closed evaluations, device-made conflicts",
          "[permissions]") {
    ProvinceWithMerger p;
    const std::string inspection = p.inspection(p.a);
    const std::string sample = p.d.id();
    p.d.put("sample", sample,
            {{"inspection", inspection},
             {"sample_code", "M-01"},
             {"result_status", "pending"},
             {"unit", p.a}});
    const std::vector<Grant> staff{{"provincial_staff", p.province}};
    CHECK(p.check(staff, "sample", sample, {{"result_status", "pass"}}) == "<no error>");
    CHECK(p.check(staff, "sample", sample, {{"seal_no", "S-9"}}) == ocop::errc::perm_field_denied);

    const std::string evaluation = p.d.id();
    p.d.put("evaluation", evaluation,
            {{"registration", p.d.id()},
             {"product", p.d.id()},
             {"rule_set", "qd148_2023"},
             {"rubric", "set_01"},
             {"level", "province"},
             {"status", "open"},
             {"unit", p.a}});
    // Scores are the council's: provincial staff may not write them.
    CHECK(p.check(staff, "evaluation", evaluation, {{"average_score", 75.5}}) ==
          ocop::errc::perm_field_denied);
    const std::vector<Grant> secretary{{"council_secretary", p.province}};
    CHECK(p.check(secretary, "evaluation", evaluation, {{"average_score", 75.5}}) == "<no error>");
    CHECK(p.check(staff, "evaluation", evaluation, {{"status", "closed"}}) ==
          ocop::errc::perm_sign_denied);
    CHECK(p.check(secretary, "evaluation", evaluation, {{"status", "closed"}}) == "<no error>");
    p.d.put("evaluation", evaluation, {{"status", "closed"}});
    CHECK(p.check(secretary, "evaluation", evaluation, {{"average_score", 95.0}}) ==
          ocop::errc::perm_state_denied);

    // Conflict records are the server's to create; devices only resolve them.
    CHECK(p.check({{"commune_officer", p.a}}, "conflict", p.d.id(),
                  {{"record_collection", "applicant"},
                   {"record_id", p.d.id()},
                   {"field", "name"},
                   {"status", "open"},
                   {"values", nlohmann::json::array()},
                   {"unit", p.a}}) == ocop::errc::perm_operation_denied);
    // The administrator manages units, not OCOP data.
    CHECK(p.check({{"administrator", p.province}}, "applicant", p.d.id(), kApplicant(p.a)) ==
          ocop::errc::perm_operation_denied);
    CHECK(p.check({{"administrator", p.province}}, "admin_unit", p.d.id(),
                  {{"code", "30003"},
                   {"name", "Xã mới"},
                   {"level", "commune"},
                   {"parent", p.province},
                   {"valid_from", "2026-01-01"}}) == "<no error>");
    CHECK(p.check({{"commune_officer", p.a}}, "admin_unit", p.a, {{"name", "Đổi tên"}}) ==
          ocop::errc::perm_operation_denied);
}

TEST_CASE("a device checks its writes against the grants the server last reported",
          "[permissions]") {
    ProvinceWithMerger p;
    PermissionChecker checker;
    DevicePermissionRule rule(checker);
    LocalReplica phone(p.d.store, builtin_schema(), p.d.clock.fn(), "ignored", {&rule});
    LocalTransaction in_b;
    in_b.put("applicant", p.d.id(), kApplicant(p.b));
    // Before the first sync nothing is known: the server decides.
    CHECK(error_code_of([&] { phone.commit(in_b); }) == "<no error>");
    rule.set_grants(std::vector<Grant>{{"commune_officer", p.a}});
    LocalTransaction again;
    again.put("applicant", p.d.id(), kApplicant(p.b));
    CHECK(error_code_of([&] { phone.commit(again); }) == ocop::errc::perm_unit_not_covered);
}

TEST_CASE("record visibility: reference data for all, a unit's records for those covering it",
          "[permissions]") {
    ProvinceWithMerger p;
    const std::string in_a = p.d.id();
    const std::string in_b = p.d.id();
    const std::string in_old = p.d.id();
    p.d.put("applicant", in_a, kApplicant(p.a));
    p.d.put("applicant", in_b, kApplicant(p.b));
    p.d.put("applicant", in_old, kApplicant(p.c_old));
    RecordVisibility officer_a(p.d.store, {{"inspector", p.a}});
    CHECK(officer_a.visible("applicant", in_a));
    CHECK(officer_a.visible("applicant", in_old));
    CHECK_FALSE(officer_a.visible("applicant", in_b));
    CHECK(officer_a.visible("admin_unit", p.b));
    auto units = covered_units(p.d.store, {{"inspector", p.a}});
    std::sort(units.begin(), units.end());
    std::vector<std::string> expected{p.a, p.c_old};
    std::sort(expected.begin(), expected.end());
    CHECK(units == expected);
    // A backfill of B, within a provincial grant, carries B's records only.
    RecordVisibility backfill(p.d.store, {{"provincial_staff", p.province}},
                              std::vector<std::string>{p.b});
    CHECK(backfill.visible("applicant", in_b));
    CHECK_FALSE(backfill.visible("applicant", in_a));
    CHECK_FALSE(backfill.visible("admin_unit", p.b));
    RecordVisibility nobody(p.d.store, {});
    CHECK_FALSE(nobody.visible("applicant", in_a));
}
