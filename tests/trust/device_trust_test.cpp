// Devices against a real server, through the SDK an app links: a revoked device is cut off at its
// next sync with a clear reason and keeps its unsent work until an administrator reinstates it;
// the SDK refuses at once what the server would refuse; grants that change reach the device.
#include <set>

#include "ocop/core/error_codes.hpp"
#include "ocop/sdk/database.hpp"
#include "ocop/server/demo_accounts.hpp"
#include "trust_test_support.hpp"

using namespace ocop;
using namespace ocop::trust::test;

namespace {

using server::test::error_code_of;

std::string error_code_of_login(sdk::Database& db, const std::string& url) {
    return error_code_of([&] { db.enroll(url, "doan.kiem.tra", kPassword); });
}

}  // namespace

TEST_CASE("a revoked device is told why and keeps its unsent work until it is reinstated",
          "[devices]") {
    Province p(600);
    const std::string a = p.demo.current_communes.front();
    p.user("doan.kiem.tra", {{"inspector", a}});
    TempDir phone_dir("ocop-phone");
    auto phone = sdk::Database::open((phone_dir.path() / "phone.db").string());
    phone->enroll(p.url, "doan.kiem.tra", kPassword);
    REQUIRE(phone->sync().complete);

    // Offline work, then the phone is reported lost and revoked.
    std::vector<std::string> ids;
    for (const char* site : {"Cơ sở mắm Châu Đốc", "HTX gạo Mỹ Hòa"})
        phone->write([&](sdk::Transaction& t) {
            ids.push_back(t.create("inspection", draft_inspection(a, site)));
        });
    p.server.accounts().revoke_device(device_id_of(p.server, "doan.kiem.tra"),
                                      "máy báo mất ngày 22/11");

    const sync::SyncReport refused = phone->sync();
    CHECK_FALSE(refused.complete);
    CHECK(refused.error_code == errc::auth_device_revoked);
    CHECK(refused.error_message.find("máy báo mất ngày 22/11") != std::string::npos);
    CHECK_FALSE(refused.error_transient);
    // Nothing was lost: the work waits on the device, and the server has none of it.
    CHECK(phone->status().pending_changesets == 2);
    for (const auto& id : ids) {
        CHECK(phone->get("inspection", id));
        CHECK_FALSE(p.server.store().read("inspection", id));
    }
    // Logging in again is refused too while the device is revoked.
    CHECK(error_code_of_login(*phone, p.url) == errc::auth_device_revoked);
    // The refusal is in the audit trail.
    server::AuditQuery query;
    query.outcome = "rejected";
    const auto rejected = p.server.audit().query(query);
    REQUIRE_FALSE(rejected.empty());
    CHECK(rejected.front().code == errc::auth_device_revoked);
    CHECK(rejected.front().user == "doan.kiem.tra");

    // The administrator reinstates the device (say it was found); the officer logs in again and
    // the work it kept syncs as it was.
    p.server.accounts().reinstate_device(device_id_of(p.server, "doan.kiem.tra"));
    phone->enroll(p.url, "doan.kiem.tra", kPassword);
    const sync::SyncReport recovered = phone->sync();
    REQUIRE(recovered.complete);
    CHECK(recovered.progress.pushed == 2);
    for (const auto& id : ids) CHECK(p.server.store().read("inspection", id));
}

TEST_CASE("a disabled user's devices stop at once and work again when enabled", "[devices]") {
    Province p(600);
    const std::string a = p.demo.current_communes.front();
    p.user("can.bo.xa", {{"commune_officer", a}});
    TempDir phone_dir("ocop-phone");
    auto phone = sdk::Database::open((phone_dir.path() / "phone.db").string());
    phone->enroll(p.url, "can.bo.xa", kPassword);
    REQUIRE(phone->sync().complete);
    p.server.accounts().set_user_disabled("can.bo.xa", true);
    CHECK(phone->sync().error_code == errc::auth_user_disabled);
    p.server.accounts().set_user_disabled("can.bo.xa", false);
    CHECK(phone->sync().complete);
}

TEST_CASE("the SDK refuses at once what the server would refuse, and follows grant changes",
          "[devices]") {
    Province p(900);
    std::string a, b;  // not a structured binding: clang 14 cannot capture one
    std::tie(a, b) = p.two_communes();
    p.user("can.bo.a", {{"inspector", a}});
    TempDir phone_dir("ocop-phone");
    auto phone = sdk::Database::open((phone_dir.path() / "phone.db").string());
    phone->enroll(p.url, "can.bo.a", kPassword);
    REQUIRE(phone->sync().complete);
    REQUIRE(phone->status().grants);
    CHECK(*phone->status().grants == std::vector<sync::Grant>{{"inspector", a}});

    // Outside the grants: refused before anything is stored, with the server's code.
    CHECK(error_code_of([&] {
              phone->write(
                  [&](sdk::Transaction& t) { t.create("inspection", draft_inspection(b, "X")); });
          }) == errc::perm_unit_not_covered);
    const std::string draft = [&] {
        std::string id;
        phone->write(
            [&](sdk::Transaction& t) { id = t.create("inspection", draft_inspection(a, "Y")); });
        return id;
    }();
    CHECK(error_code_of([&] {
              phone->write([&](sdk::Transaction& t) {
                  t.put("inspection", draft,
                        {{"status", "signed"},
                         {"signed_at", "2026-11-23T11:00:00+07:00"},
                         {"signed_by", "Tôi"}});
              });
          }) == errc::perm_sign_denied);
    CHECK(phone->status().pending_changesets == 1);

    // The officer moves from commune A to commune B: A's records leave the phone (its own
    // synced draft too), B's arrive, without pulling everything again.
    REQUIRE(phone->sync().complete);
    const size_t a_records = phone->list("applicant").size();
    REQUIRE(a_records > 0);
    p.server.accounts().add_grant("can.bo.a", {"inspector", b});
    p.server.accounts().remove_grant("can.bo.a", {"inspector", a});
    const sync::SyncReport moved = phone->sync();
    REQUIRE(moved.complete);
    CHECK(moved.progress.evicted >= a_records);
    CHECK_FALSE(phone->get("inspection", draft));
    CHECK(p.server.store().read("inspection", draft));  // it stays on the server
    for (const auto& r : phone->list("applicant", {}, 100000)) CHECK(r.get("unit") != Value(a));
    CHECK(phone->list("applicant").size() > 0);
}

TEST_CASE("the demo accounts: one for the whole province, one for a single commune", "[devices]") {
    Province p(900);
    const server::DemoAccounts made = server::ensure_demo_accounts(p.server);
    CHECK(made.created == std::vector<std::string>{"demo", "demo.xa"});
    CHECK(server::ensure_demo_accounts(p.server).created.empty());  // idempotent
    CHECK(p.server.accounts().grants("demo.xa") ==
          std::vector<sync::Grant>{{"commune_officer", made.commune}, {"inspector", made.commune}});
    TempDir dir("ocop-demo-phones");
    auto province_phone = sdk::Database::open((dir.path() / "province.db").string());
    auto commune_phone = sdk::Database::open((dir.path() / "commune.db").string());
    province_phone->enroll(p.url, server::demo_user, server::demo_password);
    commune_phone->enroll(p.url, server::demo_commune_user, server::demo_password);
    REQUIRE(province_phone->sync().complete);
    REQUIRE(commune_phone->sync().complete);
    const size_t all = province_phone->list("applicant", {}, 100000).size();
    const size_t one = commune_phone->list("applicant", {}, 100000).size();
    CHECK(all == p.server.store().query("applicant", {}, 100000, {}).size());
    CHECK(one > 0);
    CHECK(one < all);
}

TEST_CASE("weeks in the field: the token rotates as the device syncs, no password needed",
          "[devices]") {
    Province p(600);
    const std::string a = p.demo.current_communes.front();
    p.user("doan.kiem.tra", {{"inspector", a}});
    TempDir phone_dir("ocop-phone");
    const std::string path = (phone_dir.path() / "phone.db").string();
    std::string first_token;
    {
        auto phone = sdk::Database::open(path);
        phone->enroll(p.url, "doan.kiem.tra", kPassword);
        REQUIRE(phone->sync().complete);
    }
    const auto token_on_device = [&] {
        SqliteStore store(path);
        return store.meta("sdk_device_token").value_or("");
    };
    first_token = token_on_device();
    constexpr int64_t day = 24LL * 60 * 60 * 1000;
    // Eight weeks, syncing every few days (30 days apart at most: never idle for 60).
    for (int64_t days : {3, 8, 20, 30}) {
        *p.accounts_now += days * day;
        auto phone = sdk::Database::open(path);
        phone->write([&](sdk::Transaction& t) {
            t.create("inspection", draft_inspection(a, "Ngày " + std::to_string(days)));
        });
        const sync::SyncReport report = phone->sync();
        INFO(report.error_code << ": " << report.error_message);
        CHECK(report.complete);
    }
    const std::string now_token = token_on_device();
    CHECK(now_token != first_token);
    // The first token has long stopped working; the current one works.
    CHECK(p.server.accounts().authenticate(first_token).code == errc::auth_invalid_token);
    CHECK(p.server.accounts().authenticate(now_token).who.has_value());
    // Unused for more than 60 days, a token expires: the officer logs in again, nothing is lost.
    *p.accounts_now += 61 * day;
    auto phone = sdk::Database::open(path);
    phone->write(
        [&](sdk::Transaction& t) { t.create("inspection", draft_inspection(a, "Sau 2 tháng")); });
    const sync::SyncReport expired = phone->sync();
    CHECK(expired.error_code == errc::auth_token_expired);
    CHECK(phone->status().pending_changesets == 1);
    phone->enroll(p.url, "doan.kiem.tra", kPassword);
    CHECK(phone->sync().complete);
}

TEST_CASE(
    "an administrator merges two communes from a device; the new commune's officer holds "
    "the records both made",
    "[devices]") {
    Province p(900);
    std::string a, b;  // not a structured binding: clang 14 cannot capture one
    std::tie(a, b) = p.two_communes();
    const server::DemoAccounts demo = server::ensure_demo_accounts(p.server);
    TempDir dir("ocop-merge");
    auto admin = sdk::Database::open((dir.path() / "admin.db").string());
    admin->enroll(p.url, server::demo_user, server::demo_password);
    REQUIRE(admin->sync().complete);

    domain::UnitMerge merge;
    merge.old_units = {a, b};
    merge.code = "39999";
    merge.name = "Xã Hợp Nhất";
    merge.effective = domain::Date::parse("2027-01-01");
    merge.decision_ref = "99/NQ-UBTVQH15";
    const std::string merged = admin->merge_units(merge);
    const sync::SyncReport pushed = admin->sync();
    REQUIRE(pushed.complete);
    CHECK(pushed.refusals.empty());
    const auto on_server = p.server.store().read("admin_unit", merged);
    REQUIRE(on_server);
    CHECK(on_server->get("parent") == Value(demo.province));
    CHECK(p.server.store().read("admin_unit", a)->get("successor") == Value(merged));

    // A commune officer may not re-organise units.
    p.user("can.bo.moi", {{"commune_officer", merged}});
    auto officer = sdk::Database::open((dir.path() / "officer.db").string());
    officer->enroll(p.url, "can.bo.moi", kPassword);
    REQUIRE(officer->sync().complete);
    merge.old_units = {merged};
    merge.code = "39998";
    merge.effective = domain::Date::parse("2028-01-01");
    merge.new_unit_id.clear();
    CHECK(error_code_of([&] { officer->merge_units(merge); }) == errc::perm_operation_denied);

    // The new commune's officer holds what A and B recorded before the merge.
    // A and B themselves absorbed older communes in 2025; their records keep those units.
    std::vector<std::string> units{a, b};
    for (const auto& unit : p.server.store().query("admin_unit", {}, 100000, {}))
        if (unit.get("successor") == Value(a) || unit.get("successor") == Value(b))
            units.push_back(unit.id);
    std::set<std::string> expected;
    for (const auto& unit : units)
        for (const auto& id : p.records_of("applicant", unit)) expected.insert(id);
    std::set<std::string> held;
    for (const auto& r : officer->list("applicant", {}, 100000)) held.insert(r.id);
    CHECK_FALSE(expected.empty());
    CHECK(held == expected);
}
