// ocop-admin's logic (run_admin), driven with string streams: the password comes from stdin,
// output is JSON, and every mistake is one line on stderr with a non-zero status. Data directories
// are made by the tests: accounts through SqliteAccountStore, administrative units written into a
// real data store (ocop.db), audit entries through SqliteAuditLog.
#include <algorithm>
#include <cstdio>
#include <set>
#include <sstream>

#include "ocop/core/error_codes.hpp"
#include "ocop/core/sqlite_store.hpp"
#include "ocop/server/admin_cli.hpp"
#include "ocop/server/password_hash.hpp"
#include "ocop/server/secrets.hpp"
#include "ocop/server/sqlite_account_store.hpp"
#include "ocop/server/sqlite_audit_log.hpp"
#include "server_test_support.hpp"

using namespace ocop::server;
using namespace ocop::server::test;

namespace {

struct Result {
    int status = -1;
    std::string out;
    std::string err;
};

Result admin(const std::vector<std::string>& args, const std::string& stdin_text = {}) {
    std::istringstream in(stdin_text);
    std::ostringstream out, err;
    Result r;
    r.status = run_admin(args, AdminIo{in, out, err, false}, kTestIterations);
    r.out = out.str();
    r.err = err.str();
    return r;
}

bool one_line(const std::string& text) {
    return !text.empty() && text.find('\n') == text.size() - 1;
}

bool mentions(const Result& r, const std::string& text) {
    return r.err.find(text) != std::string::npos;
}

std::string accounts_file(const std::string& data) {
    return (std::filesystem::path(data) / "accounts.db").string();
}

AccountStoreOptions fast() {
    AccountStoreOptions o;
    o.pbkdf2_iterations = kTestIterations;
    return o;
}

// Administrative units written into DIR/ocop.db as the server's replica would hold them.
struct Unit {
    std::string id, code, name, level, parent;
};

void write_units(const std::string& data, const std::vector<Unit>& units,
                 const std::vector<std::string>& deleted = {}) {
    ocop::SqliteStore store((std::filesystem::path(data) / "ocop.db").string());
    const ocop::Stamp stamp{ocop::Hlc{1'795'392'000'000, 0}, "server"};
    store.write([&](ocop::StoreTxn& txn) {
        for (const Unit& u : units) {
            txn.merge("admin_unit", u.id, "code", u.code, stamp);
            txn.merge("admin_unit", u.id, "name", u.name, stamp);
            txn.merge("admin_unit", u.id, "level", u.level, stamp);
            txn.merge("admin_unit", u.id, "valid_from", "2004-01-01", stamp);
            if (!u.parent.empty()) txn.merge("admin_unit", u.id, "parent", u.parent, stamp);
        }
        for (const auto& id : deleted) txn.merge("admin_unit", id, "_deleted", true, stamp);
    });
}

const std::string kProvince = "01890000-0000-7000-8000-000000000001";
const std::string kCommune = "01890000-0000-7000-8000-000000000002";
const std::string kGone = "01890000-0000-7000-8000-000000000003";

// A data directory with one user (can.bo.xa) and the province, one commune and a deleted unit.
void make_data(const std::string& data) {
    std::filesystem::create_directories(data);
    SqliteAccountStore(accounts_file(data), fast()).add_user("can.bo.xa", "mat-khau-xa-2026");
    write_units(data,
                {{kProvince, "89", "Tỉnh An Giang", "province", ""},
                 {kCommune, "30280", "Xã Tân Hiệp", "commune", kProvince},
                 {kGone, "30281", "Xã cũ", "commune", kProvince}},
                {kGone});
}

}  // namespace

TEST_CASE("ocop-admin adds users with the password from stdin and lists them", "[server][admin]") {
    TempDir dir("ocop-admin");
    const std::string data = (dir.path() / "new-data-dir").string();  // created on demand

    const Result added = admin({"--data", data, "user", "add", "can.bo.xa"}, "mat-khau-xa-2026\n");
    INFO(added.err);
    REQUIRE(added.status == 0);
    CHECK(nlohmann::json::parse(added.out)["user"] == "can.bo.xa");
    std::string token;
    {
        SqliteAccountStore accounts((std::filesystem::path(data) / "accounts.db").string());
        REQUIRE(accounts.has_user("can.bo.xa"));
        // The stored password is the stdin line without its newline.
        EnrollRequest req{"can.bo.xa", "mat-khau-xa-2026", "phone-1", "", ""};
        const Enrollment e = accounts.enroll(req);
        CHECK(e.device.replica == "phone-1");
        token = e.token;
    }

    const Result users = admin({"--data=" + data, "user", "list"});
    REQUIRE(users.status == 0);
    const auto list = nlohmann::json::parse(users.out);
    REQUIRE(list.is_array());
    REQUIRE(list.size() == 1);
    CHECK(list[0]["name"] == "can.bo.xa");
    CHECK(list[0]["disabled"] == false);

    const Result devices = admin({"--data", data, "device", "list"});
    REQUIRE(devices.status == 0);
    const auto dev = nlohmann::json::parse(devices.out);
    REQUIRE(dev.size() == 1);
    CHECK(dev[0]["replica"] == "phone-1");
    CHECK(dev[0]["user"] == "can.bo.xa");
    CHECK(dev[0].contains("id"));
    CHECK(dev[0]["revoked"] == false);
    CHECK(dev[0]["revoked_at"].is_null());
    // Neither the token nor its hash is listed.
    CHECK(devices.out.find(token) == std::string::npos);
    CHECK(devices.out.find(secrets::sha256_hex(token)) == std::string::npos);

    SECTION("an existing user is refused") {
        const Result again =
            admin({"--data", data, "user", "add", "can.bo.xa"}, "another-password-2026\n");
        CHECK(again.status == 1);
        CHECK(one_line(again.err));
        CHECK(again.err.find("auth.user_exists") != std::string::npos);
    }
    SECTION("a weak password is refused and no user is created") {
        const Result weak = admin({"--data", data, "user", "add", "can.bo.moi"}, "ngan\n");
        CHECK(weak.status == 1);
        CHECK(one_line(weak.err));
        CHECK(weak.err.find("auth.weak_password") != std::string::npos);
        SqliteAccountStore accounts((std::filesystem::path(data) / "accounts.db").string());
        CHECK_FALSE(accounts.has_user("can.bo.moi"));
    }
}

TEST_CASE("ocop-admin refuses bad command lines with one line and status 2", "[server][admin]") {
    TempDir dir("ocop-admin-usage");
    const std::string data = dir.path().string();
    const std::vector<std::vector<std::string>> bad = {
        {"user", "list"},                               // no --data
        {"--data", data},                               // no command
        {"--data", data, "user", "remove", "x.y.z"},    // unknown command
        {"--data", data, "--verbose", "user", "list"},  // unknown option
        {"--data"},                                     // --data without its directory
        {"--data", data, "user", "add"},                // no name
    };
    for (const auto& args : bad) {
        const Result r = admin(args);
        INFO("args: " << nlohmann::json(args).dump() << " err: " << r.err);
        CHECK(r.status == 2);
        CHECK(one_line(r.err));
        CHECK(r.out.empty());
    }
    // No password on stdin: nothing is created.
    const Result no_password = admin({"--data", data, "user", "add", "can.bo.xa"}, "");
    CHECK(no_password.status == 2);
    CHECK(one_line(no_password.err));
    CHECK_FALSE(std::filesystem::exists(dir.path() / "accounts.db"));
    // A bad username is refused before any password is read.
    const Result bad_name = admin({"--data", data, "user", "add", "Bad Name"}, "mat-khau-2026\n");
    CHECK(bad_name.status == 1);
    CHECK(bad_name.err.find("auth.bad_username") != std::string::npos);
    // Listing a directory without accounts does not create one.
    const Result missing = admin({"--data", (dir.path() / "nope").string(), "user", "list"});
    CHECK(missing.status == 1);
    CHECK(one_line(missing.err));
    CHECK_FALSE(std::filesystem::exists(dir.path() / "nope"));
}

TEST_CASE("ocop-admin grants roles on units of the data store and removes them",
          "[server][admin]") {
    TempDir dir("ocop-admin-grant");
    const std::string data = dir.path().string();
    make_data(data);

    const Result granted =
        admin({"--data", data, "user", "grant", "can.bo.xa", "inspector", kCommune});
    INFO(granted.err);
    REQUIRE(granted.status == 0);
    const auto g = nlohmann::json::parse(granted.out);
    CHECK(g["granted"] == true);
    CHECK(g["unit_name"] == "Xã Tân Hiệp");
    CHECK(admin({"--data", data, "user", "grant", "can.bo.xa", "team_lead", kProvince}).status ==
          0);
    {
        SqliteAccountStore accounts(accounts_file(data), fast());
        CHECK(accounts.grants("can.bo.xa") ==
              std::vector<ocop::sync::Grant>{{"inspector", kCommune}, {"team_lead", kProvince}});
    }
    const Result users = admin({"--data", data, "user", "list"});
    REQUIRE(users.status == 0);
    const auto list = nlohmann::json::parse(users.out);
    REQUIRE(list.size() == 1);
    CHECK(list[0]["grants"] ==
          nlohmann::json::parse(R"([{"role":"inspector","unit":")" + kCommune +
                                R"("},{"role":"team_lead","unit":")" + kProvince + R"("}])"));

    // Refusals: one line, status 1, and nothing granted.
    const auto refused = [&](const std::vector<std::string>& args, const std::string& code) {
        const Result r = admin(args);
        INFO("args: " << nlohmann::json(args).dump() << " err: " << r.err);
        CHECK(r.status == 1);
        CHECK(one_line(r.err));
        CHECK(mentions(r, std::string("ocop-admin: ") + code + ": "));
        CHECK(r.out.empty());
    };
    refused({"--data", data, "user", "grant", "can.bo.xa", "mayor", kCommune},
            ocop::errc::auth_unknown_role);
    refused({"--data", data, "user", "grant", "khong.co", "inspector", kCommune},
            ocop::errc::auth_user_unknown);
    refused({"--data", data, "user", "grant", "can.bo.xa", "inspector",
             "01890000-0000-7000-8000-0000000000ff"},
            ocop::errc::auth_unknown_unit);
    refused({"--data", data, "user", "grant", "can.bo.xa", "inspector", kGone},  // deleted unit
            ocop::errc::auth_unknown_unit);
    refused({"--data", data, "user", "ungrant", "can.bo.xa", "inspector", kProvince},
            ocop::errc::record_not_found);  // not held
    refused({"--data", data, "user", "ungrant", "khong.co", "inspector", kProvince},
            ocop::errc::auth_user_unknown);
    CHECK(SqliteAccountStore(accounts_file(data), fast()).grants("can.bo.xa").size() == 2);

    const Result removed =
        admin({"--data", data, "user", "ungrant", "can.bo.xa", "inspector", kCommune});
    REQUIRE(removed.status == 0);
    CHECK(nlohmann::json::parse(removed.out)["removed"] == true);
    CHECK(SqliteAccountStore(accounts_file(data), fast()).grants("can.bo.xa") ==
          std::vector<ocop::sync::Grant>{{"team_lead", kProvince}});

    // Missing words are usage errors.
    CHECK(admin({"--data", data, "user", "grant", "can.bo.xa", "inspector"}).status == 2);
    CHECK(admin({"--data", data, "user", "ungrant", "can.bo.xa"}).status == 2);
}

TEST_CASE("ocop-admin refuses a grant when there is no data store to check the unit in",
          "[server][admin]") {
    TempDir dir("ocop-admin-grant-nostore");
    const std::string data = dir.path().string();
    SqliteAccountStore(accounts_file(data), fast()).add_user("can.bo.xa", "mat-khau-xa-2026");
    const Result r = admin({"--data", data, "user", "grant", "can.bo.xa", "inspector", kCommune});
    CHECK(r.status == 1);
    CHECK(one_line(r.err));
    CHECK(mentions(r, "no data store at"));
    CHECK(mentions(r, "ocop.db"));
    CHECK_FALSE(std::filesystem::exists(dir.path() / "ocop.db"));  // not created
    CHECK(SqliteAccountStore(accounts_file(data), fast()).grants("can.bo.xa").empty());
    const Result units = admin({"--data", data, "unit", "list"});
    CHECK(units.status == 1);
    CHECK(mentions(units, "no data store at"));
}

TEST_CASE("ocop-admin lists every administrative unit with its id", "[server][admin]") {
    TempDir dir("ocop-admin-units");
    const std::string data = dir.path().string();
    make_data(data);
    // More units than one page of the listing.
    std::vector<Unit> many;
    for (int i = 0; i < 1'100; ++i) {
        char id[40];
        std::snprintf(id, sizeof id, "01890000-0000-7000-8000-1%011d", i);
        many.push_back(
            {id, std::to_string(40'000 + i), "Xã " + std::to_string(i), "commune", kProvince});
    }
    write_units(data, many);

    const Result r = admin({"--data", data, "unit", "list"});
    INFO(r.err);
    REQUIRE(r.status == 0);
    const auto units = nlohmann::json::parse(r.out);
    REQUIRE(units.size() == 1'102);  // province, commune and the 1,100; not the deleted one
    std::set<std::string> ids;
    for (const auto& u : units) ids.insert(u["id"].get<std::string>());
    CHECK(ids.size() == 1'102);
    CHECK_FALSE(ids.count(kGone));
    const auto commune =
        std::find_if(units.begin(), units.end(), [](const auto& u) { return u["id"] == kCommune; });
    REQUIRE(commune != units.end());
    CHECK((*commune)["code"] == "30280");
    CHECK((*commune)["name"] == "Xã Tân Hiệp");
    CHECK((*commune)["level"] == "commune");
    CHECK((*commune)["parent"] == kProvince);
    CHECK((*commune)["valid_from"] == "2004-01-01");
    CHECK((*commune)["valid_to"].is_null());
    CHECK((*commune)["successor"].is_null());
}

TEST_CASE("ocop-admin disables and enables users", "[server][admin]") {
    TempDir dir("ocop-admin-disable");
    const std::string data = dir.path().string();
    make_data(data);
    std::string token;
    {
        SqliteAccountStore accounts(accounts_file(data), fast());
        token = accounts.enroll({"can.bo.xa", "mat-khau-xa-2026", "phone-1", "", ""}).token;
    }
    const Result off = admin({"--data", data, "user", "disable", "can.bo.xa"});
    REQUIRE(off.status == 0);
    CHECK(nlohmann::json::parse(off.out)["disabled"] == true);
    CHECK(SqliteAccountStore(accounts_file(data), fast()).authenticate(token).code ==
          ocop::errc::auth_user_disabled);
    CHECK(nlohmann::json::parse(admin({"--data", data, "user", "list"}).out)[0]["disabled"] ==
          true);

    const Result on = admin({"--data", data, "user", "enable", "can.bo.xa"});
    REQUIRE(on.status == 0);
    CHECK(nlohmann::json::parse(on.out)["disabled"] == false);
    CHECK(SqliteAccountStore(accounts_file(data), fast()).authenticate(token).who);

    const Result unknown = admin({"--data", data, "user", "disable", "khong.co"});
    CHECK(unknown.status == 1);
    CHECK(one_line(unknown.err));
    CHECK(mentions(unknown, "auth.user_unknown"));
    CHECK(admin({"--data", data, "user", "disable"}).status == 2);
    CHECK(admin({"--data", data, "user", "enable", "can.bo.xa", "extra"}).status == 2);
}

TEST_CASE("ocop-admin revokes devices with a reason and reinstates them", "[server][admin]") {
    TempDir dir("ocop-admin-revoke");
    const std::string data = dir.path().string();
    make_data(data);
    Enrollment e;
    {
        SqliteAccountStore accounts(accounts_file(data), fast());
        e = accounts.enroll({"can.bo.xa", "mat-khau-xa-2026", "phone-1", "Samsung A15", ""});
    }
    const std::string id = e.device.id;

    // The reason is required: the device's user is shown it.
    for (const auto& args : std::vector<std::vector<std::string>>{
             {"--data", data, "device", "revoke", id},
             {"--data", data, "device", "revoke", id, "--reason", ""},
             {"--data", data, "device", "revoke", id, "--reason"},
             {"--data", data, "device", "list", "--reason", "x"},  // not an option of list
             {"--data", data, "device", "revoke", id, "--reason", "a", "--reason", "b"},
         }) {
        const Result r = admin(args);
        INFO("args: " << nlohmann::json(args).dump() << " err: " << r.err);
        CHECK(r.status == 2);
        CHECK(one_line(r.err));
    }
    CHECK_FALSE(SqliteAccountStore(accounts_file(data), fast()).device(id)->revoked_ms);

    const Result revoked =
        admin({"--data", data, "device", "revoke", id, "--reason", "mất điện thoại"});
    INFO(revoked.err);
    REQUIRE(revoked.status == 0);
    CHECK(nlohmann::json::parse(revoked.out)["revoked"] == true);
    const auto auth = SqliteAccountStore(accounts_file(data), fast()).authenticate(e.token);
    CHECK(auth.code == ocop::errc::auth_device_revoked);
    CHECK(auth.message.find("mất điện thoại") != std::string::npos);

    const auto listed = nlohmann::json::parse(admin({"--data", data, "device", "list"}).out);
    REQUIRE(listed.size() == 1);
    CHECK(listed[0]["revoked"] == true);
    CHECK(listed[0]["revoked_reason"] == "mất điện thoại");
    CHECK(listed[0]["revoked_at"].get<std::string>().size() == 24);  // 2026-11-23T08:00:00.000Z
    CHECK(listed[0]["revoked_at"].get<std::string>().back() == 'Z');
    CHECK(listed[0]["token_issued"].get<std::string>().back() == 'Z');
    CHECK(listed[0]["last_seen"].get<std::string>().back() == 'Z');

    const Result unknown = admin({"--data", data, "device", "revoke", "no-such", "--reason=x"});
    CHECK(unknown.status == 1);
    CHECK(one_line(unknown.err));
    CHECK(mentions(unknown, "auth.unknown_device"));
    CHECK(admin({"--data", data, "device", "reinstate", "no-such"}).status == 1);

    const Result back = admin({"--data", data, "device", "reinstate", id});
    REQUIRE(back.status == 0);
    const auto after = nlohmann::json::parse(admin({"--data", data, "device", "list"}).out);
    CHECK(after[0]["revoked"] == false);
    CHECK(after[0]["revoked_at"].is_null());
    // Reinstated: the device logs in again with the password and syncs as the same device.
    SqliteAccountStore accounts(accounts_file(data), fast());
    const Enrollment again =
        accounts.enroll({"can.bo.xa", "mat-khau-xa-2026", "phone-1", "Samsung A15", ""});
    CHECK(again.device.id == id);
    CHECK(accounts.authenticate(again.token).who);
}

TEST_CASE("ocop-admin shows the audit trail, filtered, newest first", "[server][admin]") {
    TempDir dir("ocop-admin-audit");
    const std::string data = dir.path().string();
    // 2026-11-23T08:00:00Z and every 10 minutes after.
    const int64_t t0 = 1'795'420'800'000;
    {
        SqliteAuditLog log((dir.path() / "audit.db").string());
        std::vector<AuditEntry> entries;
        const std::vector<std::string> outcomes = {"applied", "refused", "duplicate", "rejected"};
        for (int i = 0; i < 8; ++i) {
            AuditEntry e;
            e.received_ms = t0 + i * 600'000;
            e.user = i % 2 ? "can.bo.binh" : "can.bo.an";
            e.device_id = "dev-" + std::to_string(i % 2);
            e.replica = "phone-" + std::to_string(i % 2);
            e.remote_address = "127.0.0.1";
            e.seq = static_cast<uint64_t>(i + 1);
            e.outcome = outcomes[i % 4];
            e.code = e.outcome == "applied" ? "" : "perm.unit_not_covered";
            e.message = e.code.empty() ? "" : "not your commune";
            e.changes = 3;
            entries.push_back(e);
        }
        log.append(entries);
    }
    const auto run = [&](std::vector<std::string> extra) {
        std::vector<std::string> args = {"--data", data, "audit"};
        args.insert(args.end(), extra.begin(), extra.end());
        const Result r = admin(args);
        INFO("args: " << nlohmann::json(args).dump() << " err: " << r.err);
        REQUIRE(r.status == 0);
        std::vector<uint64_t> seqs;
        for (const auto& e : nlohmann::json::parse(r.out)) seqs.push_back(e["seq"].get<uint64_t>());
        return seqs;
    };
    CHECK(run({}) == std::vector<uint64_t>{8, 7, 6, 5, 4, 3, 2, 1});
    CHECK(run({"--user", "can.bo.binh"}) == std::vector<uint64_t>{8, 6, 4, 2});
    CHECK(run({"--device=dev-0"}) == std::vector<uint64_t>{7, 5, 3, 1});
    CHECK(run({"--outcome", "refused"}) == std::vector<uint64_t>{6, 2});
    CHECK(run({"--limit", "3"}) == std::vector<uint64_t>{8, 7, 6});
    // Times: UTC, an offset, or a date (UTC midnight); since included, until not.
    CHECK(run({"--since", "2026-11-23T08:30:00Z"}) == std::vector<uint64_t>{8, 7, 6, 5, 4});
    CHECK(run({"--since", "2026-11-23T15:30:00+07:00", "--until", "2026-11-23T08:50Z"}) ==
          std::vector<uint64_t>{5, 4});
    CHECK(run({"--until", "2026-11-23"}).empty());
    CHECK(run({"--since", "2026-11-24"}).empty());
    CHECK(run({"--since", "2026-11-23T08:10:00.001Z"}) == std::vector<uint64_t>{8, 7, 6, 5, 4, 3});

    const Result one = admin({"--data", data, "audit", "--outcome", "refused", "--limit", "1"});
    REQUIRE(one.status == 0);
    const auto entry = nlohmann::json::parse(one.out).at(0);
    CHECK(entry["received"] == "2026-11-23T08:50:00.000Z");
    CHECK(entry["user"] == "can.bo.binh");
    CHECK(entry["device_id"] == "dev-1");
    CHECK(entry["replica"] == "phone-1");
    CHECK(entry["remote_address"] == "127.0.0.1");
    CHECK(entry["code"] == "perm.unit_not_covered");
    CHECK(entry["message"] == "not your commune");
    CHECK(entry["changes"] == 3);

    for (const auto& bad : std::vector<std::vector<std::string>>{
             {"--outcome", "ok"},
             {"--since", "yesterday"},
             {"--since", "2026-11-23T08:00:00"},  // no zone: refused rather than guessed
             {"--until", "2026-02-30"},
             {"--limit", "0"},
             {"--limit", "ten"},
             {"--reason", "x"},
             {"extra"},
         }) {
        std::vector<std::string> args = {"--data", data, "audit"};
        args.insert(args.end(), bad.begin(), bad.end());
        const Result r = admin(args);
        INFO("args: " << nlohmann::json(args).dump() << " err: " << r.err);
        CHECK(r.status == 2);
        CHECK(one_line(r.err));
        CHECK(r.out.empty());
    }
    // No audit log in the directory: refused, and none is created.
    TempDir empty("ocop-admin-audit-empty");
    const Result missing = admin({"--data", empty.path().string(), "audit"});
    CHECK(missing.status == 1);
    CHECK(one_line(missing.err));
    CHECK_FALSE(std::filesystem::exists(empty.path() / "audit.db"));
}
