// Deleted records against a real server over HTTP: an officer's offline edit of a record another
// officer deleted is kept as a conflict that names who deleted it and when, and a person with
// the right restores the record with the edit or confirms the deletion, within the record's own
// unit; refusals about another commune's records tell nothing about them (not their unit,
// whether they exist, are deleted or signed).
#include <set>

#include "ocop/core/error_codes.hpp"
#include "ocop/sdk/database.hpp"
#include "trust_test_support.hpp"

using namespace ocop;
using namespace ocop::trust::test;

namespace {

FieldValues inspection(const std::string& unit, const std::string& site,
                       const std::string& status = "draft") {
    FieldValues f{{"kind", "production_facility"},
                  {"site_name", site},
                  {"started_at", "2026-11-23T08:00:00+07:00"},
                  {"status", status},
                  {"unit", unit}};
    if (status == "signed") {
        f["signed_at"] = "2026-11-23T11:00:00+07:00";
        f["signed_by"] = "truong.doan.b";  // the signing account (SigningRule)
    }
    return f;
}

// `text` with every occurrence of each of `ids` replaced by "<id>".
std::string without(std::string text, const std::vector<std::string>& ids) {
    for (const auto& id : ids)
        for (size_t at = text.find(id); at != std::string::npos; at = text.find(id))
            text.replace(at, id.size(), "<id>");
    return text;
}

}  // namespace

TEST_CASE("an edit that meets a deletion is kept, and a person restores or confirms it",
          "[deletion]") {
    Province p(600);
    std::string a, b;  // not a structured binding: clang 14 cannot capture one
    std::tie(a, b) = p.two_communes();
    p.user("doan.a1", {{"inspector", a}});
    p.user("can.bo.a2", {{"commune_officer", a}});
    p.user("can.bo.b", {{"commune_officer", b}});
    TempDir dir("ocop-phones");
    auto phone1 = sdk::Database::open((dir.path() / "phone1.db").string());
    auto phone2 = sdk::Database::open((dir.path() / "phone2.db").string());
    phone1->enroll(p.url, "doan.a1", kPassword);
    phone2->enroll(p.url, "can.bo.a2", kPassword);
    std::string id;
    phone1->write(
        [&](sdk::Transaction& t) { id = t.create("inspection", inspection(a, "HTX A")); });
    REQUIRE(phone1->sync().complete);
    REQUIRE(phone2->sync().complete);
    REQUIRE(phone2->get("inspection", id));

    // Officer 1 deletes the inspection; officer 2, offline, edits it meanwhile.
    phone1->write([&](sdk::Transaction& t) { t.remove("inspection", id); });
    REQUIRE(phone1->sync().complete);
    const auto tombstone = p.server.store().read("inspection", id);
    REQUIRE(tombstone);
    REQUIRE(tombstone->deleted());
    const Stamp deleted_at = tombstone->fields.at(std::string(deleted_field)).stamp;
    phone2->write([&](sdk::Transaction& t) {
        t.put("inspection", id, {{"site_name", "HTX A (sửa ngoại tuyến)"}});
    });
    const sync::SyncReport edited = phone2->sync();
    INFO(edited.error_code << " " << edited.error_message);
    REQUIRE(edited.complete);
    for (const auto& r : edited.refusals) FAIL_CHECK(r.code << ": " << r.message);
    CHECK(edited.refusals.empty());

    // The edit is kept in the deleted record, on the server and on officer 2's phone...
    const auto kept = p.server.store().read("inspection", id);
    CHECK(kept->deleted());
    CHECK(kept->get("site_name") == Value("HTX A (sửa ngoại tuyến)"));
    CHECK(phone2->get("inspection", id)->get("site_name") == Value("HTX A (sửa ngoại tuyến)"));
    // ...and a conflict names who deleted it, from which device and when, and who edited it.
    const auto conflict = conflict_on(*phone2, id);
    REQUIRE(conflict);
    CHECK(conflict->get("field") == Value(std::string(deleted_field)));
    CHECK(conflict->get("unit") == Value(a));
    const Value values = conflict->get("values");
    REQUIRE(values.size() == 2);
    CHECK(values[0]["value"] == true);
    CHECK(values[0]["user"] == "doan.a1");
    CHECK(values[0]["device"] == device_id_of(p.server, "doan.a1"));
    CHECK(values[0]["written_at"] == sync::iso_utc(deleted_at.hlc.wall_ms));
    CHECK(values[1]["value"] == false);
    CHECK(values[1]["user"] == "can.bo.a2");
    CHECK(values[1]["device"] == device_id_of(p.server, "can.bo.a2"));
    CHECK(values[1]["edit"] == nlohmann::json{{"site_name", "HTX A (sửa ngoại tuyến)"}});

    // An officer of another commune cannot bring it back (nor is told anything about it).
    RawDevice officer_b(p.url, "can.bo.b", "phone-b", p.server.port());
    REQUIRE(officer_b.sync().complete);
    CHECK_FALSE(officer_b.store.read("conflict", conflict->id));
    FieldValues take_over = inspection(b, "HTX A");
    take_over[std::string(deleted_field)] = false;
    officer_b.put("inspection", id, take_over);
    const sync::SyncReport taken = officer_b.sync();
    REQUIRE(taken.refusals.size() == 1);
    CHECK(taken.refusals.front().code == errc::perm_unit_not_covered);
    CHECK(taken.refusals.front().message ==
          "inspection " + id + ": your account may not write this record");
    CHECK(p.server.store().read("inspection", id)->deleted());

    // Officer 2 restores it: the inspection is back, with the edit.
    phone2->restore_deleted(conflict->id);
    REQUIRE(phone2->sync().complete);
    const auto restored = p.server.store().read("inspection", id);
    CHECK_FALSE(restored->deleted());
    CHECK(restored->get("site_name") == Value("HTX A (sửa ngoại tuyến)"));
    CHECK(p.server.store().read("conflict", conflict->id)->get("status") == Value("resolved"));
    REQUIRE(phone1->sync().complete);
    CHECK_FALSE(phone1->get("inspection", id)->deleted());

    // Once more, and this time officer 1 confirms the deletion.
    phone1->write([&](sdk::Transaction& t) { t.remove("inspection", id); });
    REQUIRE(phone1->sync().complete);
    phone2->write([&](sdk::Transaction& t) {
        t.put("inspection", id, {{"conclusion", "Đạt yêu cầu"}});
    });
    REQUIRE(phone2->sync().complete);
    REQUIRE(phone1->sync().complete);
    const auto again = conflict_on(*phone1, id);
    REQUIRE(again);
    CHECK(again->get("values").size() == 2);
    CHECK(again->get("values")[1]["edit"] == nlohmann::json{{"conclusion", "Đạt yêu cầu"}});
    phone1->confirm_deletion(again->id);
    REQUIRE(phone1->sync().complete);
    const auto confirmed = p.server.store().read("inspection", id);
    CHECK(confirmed->deleted());
    CHECK(confirmed->get("conclusion") == Value("Đạt yêu cầu"));  // kept, should it be restored
    CHECK(p.server.store().read("conflict", again->id)->get("status") == Value("resolved"));
    REQUIRE(phone2->sync().complete);
    CHECK(phone2->conflicts().empty());
}

TEST_CASE("restoring a deleted record is an operation only some roles hold", "[deletion]") {
    Province p(600);
    const auto [a, b] = p.two_communes();
    (void)b;
    p.user("can.bo.a", {{"commune_officer", a}});
    p.user("tinh", {{"provincial_staff", p.demo.province_id}});
    RawDevice officer(p.url, "can.bo.a", "phone-a", p.server.port());
    RawDevice staff(p.url, "tinh", "phone-tinh", p.server.port());
    REQUIRE(officer.sync().complete);
    REQUIRE(staff.sync().complete);
    const auto applicants = p.records_of("applicant", a);
    REQUIRE_FALSE(applicants.empty());
    const std::string id = applicants.front();
    {
        LocalTransaction t;
        t.remove("applicant", id);
        staff.replica.commit(t);
    }
    REQUIRE(staff.sync().complete);
    REQUIRE(officer.sync().complete);
    // The commune officer edits applicants but may not undelete one: only provincial staff may.
    {
        LocalTransaction t;
        t.restore("applicant", id);
        officer.replica.commit(t);
    }
    const sync::SyncReport refused = officer.sync();
    REQUIRE(refused.refusals.size() == 1);
    CHECK(refused.refusals.front().code == errc::perm_operation_denied);
    CHECK(refused.refusals.front().message.find("undelete") != std::string::npos);
    CHECK(p.server.store().read("applicant", id)->deleted());
    {
        LocalTransaction t;
        t.restore("applicant", id);
        staff.replica.commit(t);
    }
    const sync::SyncReport restored = staff.sync();
    CHECK(restored.refusals.empty());
    CHECK_FALSE(p.server.store().read("applicant", id)->deleted());
}

TEST_CASE("refusals about another commune's records and references tell nothing about them",
          "[deletion][oracle]") {
    Province p(600);
    const auto [a, b] = p.two_communes();
    p.user("can.bo.a", {{"commune_officer", a}, {"team_lead", a}});
    p.user("truong.doan.b", {{"team_lead", b}});
    RawDevice lead_b(p.url, "truong.doan.b", "phone-b", p.server.port());
    REQUIRE(lead_b.sync().complete);
    const std::string signed_b = "0192b000-0000-7000-8000-00000000b001";
    const std::string draft_b = "0192b000-0000-7000-8000-00000000b002";
    const std::string deleted_b = "0192b000-0000-7000-8000-00000000b003";
    const std::string missing = "0192b000-0000-7000-8000-00000000b004";
    lead_b.put("inspection", signed_b, inspection(b, "HTX B ký", "signed"));
    lead_b.put("inspection", draft_b, inspection(b, "HTX B nháp"));
    lead_b.put("inspection", deleted_b, inspection(b, "HTX B xóa"));
    {
        LocalTransaction t;
        t.remove("inspection", deleted_b);
        lead_b.replica.commit(t);
    }
    const sync::SyncReport written = lead_b.sync();
    REQUIRE(written.complete);
    REQUIRE(written.refusals.empty());
    const auto server_before = p.server.store().head();

    RawDevice officer_a(p.url, "can.bo.a", "phone-a", p.server.port());
    REQUIRE(officer_a.sync().complete);
    // A finding and a sample in A's own commune pointing at B's inspections (signed, draft,
    // deleted) or at none: refused alike.
    std::map<uint64_t, std::vector<std::string>> ids_of;  // seq -> ids the writer chose
    uint64_t n = 0;
    const auto own_id = [&] {
        char buf[40];
        std::snprintf(buf, sizeof buf, "0192b000-0000-7000-8000-%012llu",
                      static_cast<unsigned long long>(++n));
        return std::string(buf);
    };
    for (const auto& target : {signed_b, draft_b, deleted_b, missing}) {
        const std::string finding = own_id();
        ids_of[officer_a.put("finding", finding,
                             {{"inspection", target},
                              {"severity", "minor"},
                              {"description", "Nhãn thiếu hạn dùng"},
                              {"unit", a}})] = {finding, target};
        const std::string sample = own_id();
        ids_of[officer_a.put("sample", sample,
                             {{"inspection", target},
                              {"sample_code", "M-01"},
                              {"result_status", "pending"},
                              {"unit", a}})] = {sample, target};
    }
    const sync::SyncReport refs = officer_a.sync();
    REQUIRE(refs.refusals.size() == ids_of.size());
    std::set<std::string> finding_answers, sample_answers;
    for (const auto& r : refs.refusals) {
        INFO(r.message);
        CHECK(r.code == errc::perm_reference_not_covered);
        const std::string text = without(r.message, ids_of.at(r.seq));
        (text.rfind("finding", 0) == 0 ? finding_answers : sample_answers).insert(text);
        CHECK(r.message.find(b) == std::string::npos);
    }
    CHECK(finding_answers.size() == 1);
    CHECK(sample_answers.size() == 1);

    // Writing B's records (live, deleted) or a record that exists nowhere, without a unit:
    // the same answer, which names no unit.
    ids_of.clear();
    for (const auto& target : {draft_b, deleted_b, missing})
        ids_of[officer_a.put("inspection", target,
                             {{"site_name", "Sửa"},
                              {"kind", "production_facility"},
                              {"started_at", "2026-11-23T08:00:00+07:00"},
                              {"status", "draft"},
                              {std::string(deleted_field), true}})] = {target};
    const sync::SyncReport writes = officer_a.sync();
    REQUIRE(writes.refusals.size() == ids_of.size());
    std::set<std::string> write_answers;
    for (const auto& r : writes.refusals) {
        INFO(r.message);
        CHECK(r.code == errc::perm_unit_not_covered);
        write_answers.insert(without(r.message, ids_of.at(r.seq)));
    }
    CHECK(write_answers ==
          std::set<std::string>{"inspection <id>: your account may not write this record"});
    CHECK(p.server.store().head() == server_before);
}
