// Password hashing and the account store: the hash is real PBKDF2-HMAC-SHA256 in the
// documented format, tokens authenticate exactly the device they were issued to, and neither a
// password nor a token ever reaches the database file in clear. Grants, disabled users, revoked
// and reinstated devices, token rotation and idle expiry (with a clock the tests move), and the
// migration of a version 1 file. The store contract runs on SQLite here and on PostgreSQL in
// ocop_pg_account_tests (account_backend.hpp); the cases about accounts.db itself only on SQLite.
#include "account_backend.hpp"
#include "ocop/core/error_codes.hpp"
#include "ocop/core/sqlite_db.hpp"
#include "ocop/core/uuid.hpp"
#include "ocop/server/password_hash.hpp"
#include "ocop/server/secrets.hpp"
#include "ocop/server/sqlite_account_store.hpp"
#include "server_test_support.hpp"

#include <atomic>
#include <thread>
#include <vector>

using namespace ocop::server;
using namespace ocop::server::test;

namespace {

std::string hex(const std::string& bytes) {
    static const char* digits = "0123456789abcdef";
    std::string out;
    for (unsigned char c : bytes) {
        out.push_back(digits[c >> 4]);
        out.push_back(digits[c & 15]);
    }
    return out;
}

std::vector<std::string> split(const std::string& s, char sep) {
    std::vector<std::string> parts;
    size_t start = 0, end;
    while ((end = s.find(sep, start)) != std::string::npos) {
        parts.push_back(s.substr(start, end - start));
        start = end + 1;
    }
    parts.push_back(s.substr(start));
    return parts;
}

const std::string kUnitA = "01890000-0000-7000-8000-00000000000a";
const std::string kUnitB = "01890000-0000-7000-8000-00000000000b";

// `now`, when given, is the store's clock: tests move it by days.
AccountStoreOptions test_options(const int64_t* now = nullptr) {
    AccountStoreOptions o;
    o.pbkdf2_iterations = kTestIterations;
    if (now) o.clock = [now] { return *now; };
    return o;
}

}  // namespace

TEST_CASE("PBKDF2-HMAC-SHA256 gives the published test vectors", "[server][password]") {
    CHECK(hex(pbkdf2_sha256("password", "salt", 1, 32)) ==
          "120fb6cffcf8b32c43e7225256c4f837a86548c92ccc35480805987cb70be17b");
    CHECK(hex(pbkdf2_sha256("password", "salt", 4096, 32)) ==
          "c5e478d59288c841aa530db6845c4c8d962893a001ce4e11a4963873aa98134a");
}

TEST_CASE("password hashes have the documented format and verify", "[server][password]") {
    const std::string password = "mật khẩu đúng 2026";
    const std::string encoded = hash_password(password, kTestIterations);
    const auto parts = split(encoded, '$');
    REQUIRE(parts.size() == 4);
    CHECK(parts[0] == "pbkdf2-sha256");
    CHECK(parts[1] == std::to_string(kTestIterations));
    const auto salt = secrets::base64_decode(parts[2]);
    const auto hash = secrets::base64_decode(parts[3]);
    REQUIRE(salt);
    REQUIRE(hash);
    CHECK(salt->size() == 16);
    // The stored hash is the PBKDF2 derivation of the password with that salt, nothing else.
    CHECK(*hash == pbkdf2_sha256(password, *salt, kTestIterations, 32));

    CHECK(verify_password(password, encoded));
    CHECK_FALSE(verify_password("mật khẩu sai 2026", encoded));
    CHECK_FALSE(verify_password("", encoded));
    // A fresh salt every time: the same password never hashes the same way twice.
    CHECK(hash_password(password, kTestIterations) != encoded);

    // Tampered or foreign encodings never match (and never throw).
    std::string tampered = encoded;
    tampered.replace(tampered.find("$1000$"), 6, "$1001$");
    CHECK_FALSE(verify_password(password, tampered));
    CHECK_FALSE(verify_password(password, ""));
    CHECK_FALSE(verify_password(password, "md5$1000$" + parts[2] + "$" + parts[3]));
    CHECK_FALSE(verify_password(password, "pbkdf2-sha256$x$" + parts[2] + "$" + parts[3]));
    CHECK_FALSE(verify_password(password, "pbkdf2-sha256$1000$!!$" + parts[3]));
    CHECK_FALSE(
        verify_password(password, "pbkdf2-sha256$99999999999$" + parts[2] + "$" + parts[3]));

    // Production keeps a real work factor; only tests lower it, per store.
    CHECK(tuning::pbkdf2_iterations >= 100'000);
    CHECK(AccountStoreOptions{}.pbkdf2_iterations == tuning::pbkdf2_iterations);
}

TEST_CASE("username, password and replica rules", "[server][accounts]") {
    CHECK(error_code_of([] { check_username("can.bo.xa"); }) == "<no error>");
    CHECK(error_code_of([] { check_username("to_kiem-tra.2"); }) == "<no error>");
    CHECK(error_code_of([] { check_username("ab"); }) == ocop::errc::auth_bad_username);
    CHECK(error_code_of([] { check_username("Can.Bo"); }) == ocop::errc::auth_bad_username);
    CHECK(error_code_of([] { check_username("can bo"); }) == ocop::errc::auth_bad_username);
    CHECK(error_code_of([] { check_username(std::string(65, 'a')); }) ==
          ocop::errc::auth_bad_username);

    CHECK(error_code_of([] { check_password("123456789"); }) == ocop::errc::auth_weak_password);
    CHECK(error_code_of([] { check_password("1234567890"); }) == "<no error>");
    // Characters, not bytes: 9 Vietnamese letters are 18 bytes but still too short.
    CHECK(error_code_of([] { check_password("ăâđêôơưăâ"); }) == ocop::errc::auth_weak_password);
    CHECK(error_code_of([] { check_password("ăâđêôơưăâđ"); }) == "<no error>");

    CHECK(valid_replica_id("phone-a_01"));
    CHECK_FALSE(valid_replica_id(""));
    CHECK_FALSE(valid_replica_id("Phone A"));
    CHECK_FALSE(valid_replica_id(std::string(65, 'r')));
}

TEST_CASE("devices enrol with a password and authenticate with their token", "[server][accounts]") {
    AccountsPlace place("ocop-accounts");
    std::string token_a;
    std::string device_a;
    {
        const auto store = place.accounts(test_options());
        AccountStore& accounts = *store;
        accounts.add_user("can.bo.an", "mat-khau-an-2026");
        accounts.add_user("can.bo.binh", "mat-khau-binh-2026");
        CHECK(accounts.has_user("can.bo.an"));
        CHECK_FALSE(accounts.has_user("can.bo.chi"));
        CHECK(error_code_of([&] { accounts.add_user("can.bo.an", "another-password-1"); }) ==
              ocop::errc::auth_user_exists);
        CHECK(error_code_of([&] { accounts.add_user("X", "another-password-1"); }) ==
              ocop::errc::auth_bad_username);
        CHECK(error_code_of([&] { accounts.add_user("can.bo.chi", "short"); }) ==
              ocop::errc::auth_weak_password);
        CHECK_FALSE(accounts.has_user("can.bo.chi"));

        const Enrollment e =
            accounts.enroll(enroll_req("can.bo.an", "mat-khau-an-2026", "phone-a"));
        token_a = e.token;
        device_a = e.device.id;
        CHECK(e.token.size() == 43);  // 32 bytes, base64url without padding
        CHECK(e.token.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                        "0123456789-_") == std::string::npos);
        CHECK(ocop::is_uuid(e.device.id));
        const auto auth = accounts.authenticate(e.token);
        REQUIRE(auth.who);
        CHECK(auth.code.empty());
        CHECK_FALSE(auth.rotated_token);
        const auto& who = auth.who;
        CHECK(who->user == "can.bo.an");
        CHECK(who->replica == "phone-a");
        CHECK(who->device_id == e.device.id);
        CHECK(accounts.authenticate("").code == ocop::errc::auth_invalid_token);
        const auto unknown_token = accounts.authenticate("not-a-real-token");
        CHECK_FALSE(unknown_token.who);
        CHECK(unknown_token.code == ocop::errc::auth_invalid_token);
        CHECK(unknown_token.device_id.empty());  // nothing known about an unknown token
        CHECK(unknown_token.user.empty());
        CHECK(
            accounts.authenticate(e.token.substr(0, 42) + (e.token[42] == 'A' ? "B" : "A")).code ==
            ocop::errc::auth_invalid_token);

        // One answer for a wrong password and for an unknown user.
        const auto wrong = [&] {
            accounts.enroll(enroll_req("can.bo.an", "mat-khau-sai-2026", "phone-a"));
        };
        const auto unknown = [&] {
            accounts.enroll(enroll_req("khong.ton.tai", "mat-khau-an-2026", "phone-z"));
        };
        CHECK(error_code_of(wrong) == ocop::errc::auth_bad_credentials);
        CHECK(error_code_of(unknown) == ocop::errc::auth_bad_credentials);
        CHECK(error_message_of(wrong) == error_message_of(unknown));
        CHECK(error_code_of([&] {
                  accounts.enroll(enroll_req("can.bo.an", "mat-khau-an-2026", "Phone A"));
              }) == ocop::errc::sync_malformed);

        // Another user cannot take over an enrolled replica (its id is public in every stamp).
        CHECK(error_code_of([&] {
                  accounts.enroll(enroll_req("can.bo.binh", "mat-khau-binh-2026", "phone-a"));
              }) == ocop::errc::sync_replica_mismatch);
        CHECK(accounts.authenticate(token_a).who);
    }
    {
        // Reopened: the enrolment survived; re-enrolling the same replica replaces the token.
        const auto store = place.accounts(test_options());
        AccountStore& accounts = *store;
        REQUIRE(accounts.authenticate(token_a).who);
        const Enrollment again =
            accounts.enroll(enroll_req("can.bo.an", "mat-khau-an-2026", "phone-a"));
        CHECK(again.token != token_a);
        CHECK(again.device.id == device_a);
        CHECK(accounts.authenticate(token_a).code == ocop::errc::auth_invalid_token);
        const auto who = accounts.authenticate(again.token).who;
        REQUIRE(who);
        CHECK(who->device_id == device_a);

        const auto devices = accounts.devices();
        REQUIRE(devices.size() == 1);
        CHECK(devices[0].replica == "phone-a");
        CHECK(devices[0].user == "can.bo.an");
        CHECK(devices[0].name == "Samsung A15");
        const auto users = accounts.users();
        REQUIRE(users.size() == 2);
        CHECK(users[0].name == "can.bo.an");
        CHECK(users[1].name == "can.bo.binh");
    }
}

#ifndef OCOP_TEST_ACCOUNTS_PG  // on PostgreSQL: tests/postgres/pg_accounts_test.cpp
TEST_CASE("passwords and tokens never reach the accounts database in clear", "[server][accounts]") {
    TempDir dir("ocop-accounts-clear");
    const auto db = dir.path() / "accounts.db";
    const std::string password = "Mat-khau-bi-mat-XYZZY-2026";
    std::string token;
    std::string rotated;
    int64_t now = kT0;
    // Every file SQLite writes for this database (main file, WAL, shared memory).
    const auto scan_files = [&](const std::string& secret) {
        size_t files = 0;
        for (const auto& entry : std::filesystem::directory_iterator(dir.path())) {
            ++files;
            INFO("file " << entry.path());
            CHECK(read_file(entry.path()).find(secret) == std::string::npos);
        }
        CHECK(files >= 1);
    };
    {
        SqliteAccountStore accounts(db.string(), test_options(&now));
        accounts.add_user("can.bo.xa", password);
        token = accounts.enroll(enroll_req("can.bo.xa", password, "phone-x")).token;
        REQUIRE(accounts.authenticate(token).who);
        // A rotation stores the new token and keeps the old one for its grace: both as hashes.
        now += kDay * 8;
        const auto auth = accounts.authenticate(token);
        REQUIRE(auth.rotated_token);
        rotated = *auth.rotated_token;
        scan_files(password);
        scan_files(token);
        scan_files(rotated);
    }
    scan_files(password);  // after close: checkpointed into the main file
    scan_files(token);
    scan_files(rotated);

    // What is stored instead: the tokens' SHA-256 and a hash that verifies the password.
    ocop::sqlite::Db raw(db.string(), ocop::sqlite::Durability::normal);
    auto device = raw.prepare("SELECT token_hash, prev_token_hash FROM devices");
    REQUIRE(device.step());
    CHECK(device.text(0) == secrets::sha256_hex(rotated));
    CHECK(device.text(1) == secrets::sha256_hex(token));
    auto user = raw.prepare("SELECT password_hash FROM users WHERE name = 'can.bo.xa'");
    REQUIRE(user.step());
    CHECK(verify_password(password, user.text(0)));
}
#endif

TEST_CASE("roles are granted on units, listed, removed and given to the device's principal",
          "[server][accounts][grants]") {
    AccountsPlace place("ocop-accounts-grants");
    std::string token;
    {
        const auto store = place.accounts(test_options());
        AccountStore& accounts = *store;
        accounts.add_user("can.bo.an", "mat-khau-an-2026");
        accounts.add_user("to.truong", "mat-khau-tt-2026");
        token = accounts.enroll(enroll_req("can.bo.an", "mat-khau-an-2026", "phone-a")).token;
        CHECK(accounts.grants("can.bo.an").empty());
        CHECK(accounts.authenticate(token).who->grants.empty());

        accounts.add_grant("can.bo.an", {"inspector", kUnitB});
        accounts.add_grant("can.bo.an", {"commune_officer", kUnitA});
        accounts.add_grant("can.bo.an", {"inspector", kUnitA});
        accounts.add_grant("can.bo.an", {"inspector", kUnitA});  // twice: a no-op
        accounts.add_grant("to.truong", {"team_lead", kUnitA});
        const std::vector<ocop::sync::Grant> expected = {
            {"commune_officer", kUnitA}, {"inspector", kUnitA}, {"inspector", kUnitB}};
        CHECK(accounts.grants("can.bo.an") == expected);
        // The principal of each request carries the user's grants, current at that request.
        CHECK(accounts.authenticate(token).who->grants == expected);

        CHECK(error_code_of([&] {
                  accounts.add_grant("can.bo.an", {"mayor", kUnitA});
              }) == ocop::errc::auth_unknown_role);
        CHECK(error_code_of([&] {
                  accounts.add_grant("can.bo.an", {"", kUnitA});
              }) == ocop::errc::auth_unknown_role);
        CHECK(error_code_of([&] {
                  accounts.add_grant("khong.co", {"inspector", kUnitA});
              }) == ocop::errc::auth_user_unknown);
        CHECK(error_code_of([&] {
                  accounts.add_grant("can.bo.an", {"inspector", ""});
              }) == ocop::errc::auth_unknown_unit);
        CHECK(error_code_of([&] { accounts.grants("khong.co"); }) == ocop::errc::auth_user_unknown);
        CHECK(accounts.grants("can.bo.an") == expected);  // nothing refused was stored

        CHECK(accounts.remove_grant("can.bo.an", {"inspector", kUnitB}));
        CHECK_FALSE(accounts.remove_grant("can.bo.an", {"inspector", kUnitB}));
        CHECK_FALSE(accounts.remove_grant("can.bo.an", {"team_lead", kUnitA}));  // to.truong's
        CHECK(error_code_of([&] {
                  accounts.remove_grant("khong.co", {"inspector", kUnitA});
              }) == ocop::errc::auth_user_unknown);
        CHECK(accounts.authenticate(token).who->grants ==
              std::vector<ocop::sync::Grant>{{"commune_officer", kUnitA}, {"inspector", kUnitA}});
    }
    const auto store = place.accounts(test_options());  // reopened: grants are stored
    AccountStore& accounts = *store;
    CHECK(accounts.grants("can.bo.an") ==
          std::vector<ocop::sync::Grant>{{"commune_officer", kUnitA}, {"inspector", kUnitA}});
    CHECK(accounts.grants("to.truong") == std::vector<ocop::sync::Grant>{{"team_lead", kUnitA}});
    // Every role of the permission table can be granted.
    for (const char* role : {"commune_officer", "inspector", "team_lead", "provincial_staff",
                             "council_secretary", "administrator"}) {
        INFO(role);
        CHECK(error_code_of([&] {
                  accounts.add_grant("to.truong", {role, kUnitB});
              }) == "<no error>");
    }
}

TEST_CASE("a disabled user's devices stop at once and work again when enabled",
          "[server][accounts]") {
    AccountsPlace place("ocop-accounts-disable");
    const auto store = place.accounts(test_options());
    AccountStore& accounts = *store;
    accounts.add_user("can.bo.an", "mat-khau-an-2026");
    accounts.add_user("can.bo.binh", "mat-khau-binh-2026");
    const Enrollment a = accounts.enroll(enroll_req("can.bo.an", "mat-khau-an-2026", "phone-a"));
    const Enrollment b =
        accounts.enroll(enroll_req("can.bo.binh", "mat-khau-binh-2026", "phone-b"));

    accounts.set_user_disabled("can.bo.an", true);
    CHECK(accounts.users()[0].disabled);
    const auto refused = accounts.authenticate(a.token);
    CHECK_FALSE(refused.who);
    CHECK(refused.code == ocop::errc::auth_user_disabled);
    CHECK(refused.device_id == a.device.id);  // for the audit trail
    CHECK(refused.user == "can.bo.an");
    CHECK(refused.message.find("unsent work stays on the device") != std::string::npos);
    CHECK(accounts.authenticate(b.token).who);  // other users are not affected
    // A disabled user cannot log in either (the same answer as a wrong password).
    CHECK(error_code_of([&] {
              accounts.enroll(enroll_req("can.bo.an", "mat-khau-an-2026", "phone-a2"));
          }) == ocop::errc::auth_bad_credentials);

    accounts.set_user_disabled("can.bo.an", false);
    const auto back = accounts.authenticate(a.token);  // the same token works again
    REQUIRE(back.who);
    CHECK(back.who->device_id == a.device.id);
    CHECK(error_code_of([&] { accounts.set_user_disabled("khong.co", true); }) ==
          ocop::errc::auth_user_unknown);
}

TEST_CASE("a revoked device is told why, cannot log in again, and is reinstated",
          "[server][accounts]") {
    AccountsPlace place("ocop-accounts-revoke");
    int64_t now = kT0;
    const auto store = place.accounts(test_options(&now));
    AccountStore& accounts = *store;
    accounts.add_user("can.bo.an", "mat-khau-an-2026");
    const Enrollment lost = accounts.enroll(enroll_req("can.bo.an", "mat-khau-an-2026", "phone-a"));
    const Enrollment other =
        accounts.enroll(enroll_req("can.bo.an", "mat-khau-an-2026", "tablet-a"));

    CHECK(error_code_of([&] { accounts.revoke_device("no-such-device", "lost"); }) ==
          ocop::errc::auth_unknown_device);
    CHECK(error_code_of([&] { accounts.revoke_device(lost.device.id, "  "); }) ==
          ocop::errc::value_required_missing);
    CHECK_FALSE(accounts.device(lost.device.id)->revoked_ms);

    now += 3'600'000;
    const int64_t revoked_at = now;
    accounts.revoke_device(lost.device.id, "phone lost at Chợ Long Xuyên");
    const auto info = accounts.device(lost.device.id);
    REQUIRE(info);
    REQUIRE(info->revoked_ms);
    CHECK(*info->revoked_ms == revoked_at);
    CHECK(info->revoked_reason == "phone lost at Chợ Long Xuyên");
    CHECK_FALSE(accounts.device("no-such-device"));

    now += 60'000;
    const auto refused = accounts.authenticate(lost.token);
    CHECK_FALSE(refused.who);
    CHECK(refused.code == ocop::errc::auth_device_revoked);
    CHECK(refused.device_id == lost.device.id);
    CHECK(refused.user == "can.bo.an");
    CHECK(refused.message ==
          "this device was revoked by an administrator on 2026-11-23: phone lost at Chợ Long "
          "Xuyên; unsent work stays on the device — ask the administrator to reinstate it, then "
          "log in again");
    CHECK(accounts.authenticate(other.token).who);  // the user's other device is not affected
    // Revoking again changes the reason, not the moment the device was cut off.
    now += 60'000;
    accounts.revoke_device(lost.device.id, "phone stolen");
    CHECK(*accounts.device(lost.device.id)->revoked_ms == revoked_at);
    CHECK(accounts.authenticate(lost.token).message.find("phone stolen") != std::string::npos);

    // The password does not bring a revoked device back.
    const auto relogin = [&] {
        return accounts.enroll(enroll_req("can.bo.an", "mat-khau-an-2026", "phone-a"));
    };
    CHECK(error_code_of(relogin) == ocop::errc::auth_device_revoked);
    CHECK(error_message_of(relogin).find("phone stolen") != std::string::npos);
    CHECK(accounts.authenticate(lost.token).code == ocop::errc::auth_device_revoked);

    CHECK(error_code_of([&] { accounts.reinstate_device("no-such-device"); }) ==
          ocop::errc::auth_unknown_device);
    accounts.reinstate_device(lost.device.id);
    CHECK_FALSE(accounts.device(lost.device.id)->revoked_ms);
    CHECK(accounts.device(lost.device.id)->revoked_reason.empty());
    // The token it had while revoked stays dead: the device logs in again with the password.
    CHECK(accounts.authenticate(lost.token).code == ocop::errc::auth_invalid_token);
    const Enrollment again = relogin();
    CHECK(again.device.id == lost.device.id);  // the same device, so its changesets continue
    const auto who = accounts.authenticate(again.token).who;
    REQUIRE(who);
    CHECK(who->replica == "phone-a");
}

TEST_CASE("devices authenticating at once are each seen, and each keeps its own token",
          "[server][accounts][tokens]") {
    AccountsPlace place("ocop-accounts-seen");
    int64_t now = kT0;
    const auto store = place.accounts(test_options(&now));
    AccountStore& accounts = *store;
    accounts.add_user("can.bo.an", "mat-khau-an-2026");
    constexpr int kDevices = 12;
    std::vector<Enrollment> enrolled;
    for (int i = 0; i < kDevices; ++i)
        enrolled.push_back(accounts.enroll(
            enroll_req("can.bo.an", "mat-khau-an-2026", "phone-" + std::to_string(i))));

    // Later than the last-seen resolution: every authentication writes its device's last sync,
    // and on SQLite the writes of those arriving together share commits.
    now = kT0 + 2 * 60'000;
    std::atomic<bool> go{false};
    std::vector<AuthResult> results(kDevices);
    std::vector<std::thread> threads;
    for (int i = 0; i < kDevices; ++i)
        threads.emplace_back([&, i] {
            while (!go) std::this_thread::yield();
            results[static_cast<size_t>(i)] =
                accounts.authenticate(enrolled[static_cast<size_t>(i)].token);
        });
    go = true;
    for (auto& t : threads) t.join();
    for (int i = 0; i < kDevices; ++i) {
        const auto& r = results[static_cast<size_t>(i)];
        REQUIRE(r.who);
        CHECK(r.who->device_id == enrolled[static_cast<size_t>(i)].device.id);
        CHECK(r.who->replica == "phone-" + std::to_string(i));
        CHECK_FALSE(r.rotated_token);
    }
    for (const auto& d : accounts.devices()) CHECK(d.last_seen_ms == now);
}

TEST_CASE("tokens rotate weekly, the old one keeps working through its grace",
          "[server][accounts][tokens]") {
    AccountsPlace place("ocop-accounts-rotate");
    int64_t now = kT0;
    const auto store = place.accounts(test_options(&now));
    AccountStore& accounts = *store;
    accounts.add_user("can.bo.an", "mat-khau-an-2026");
    const Enrollment e = accounts.enroll(enroll_req("can.bo.an", "mat-khau-an-2026", "phone-a"));
    const std::string t0 = e.token;
    CHECK(e.device.token_issued_ms == kT0);
    CHECK(accounts.device(e.device.id)->token_issued_ms == kT0);

    // Younger than the rotation age: no new token.
    now = kT0 + kDay * 7;
    auto auth = accounts.authenticate(t0);
    REQUIRE(auth.who);
    CHECK_FALSE(auth.rotated_token);

    // Older: the answer carries a new token.
    now = kT0 + kDay * 7 + 1;
    auth = accounts.authenticate(t0);
    REQUIRE(auth.who);
    REQUIRE(auth.rotated_token);
    const std::string t1 = *auth.rotated_token;
    CHECK(t1 != t0);
    CHECK(accounts.device(e.device.id)->token_issued_ms == now);
    const auto t1_auth = accounts.authenticate(t1);
    REQUIRE(t1_auth.who);
    CHECK(t1_auth.who->device_id == e.device.id);
    CHECK_FALSE(t1_auth.rotated_token);

    SECTION("the answer was lost: the old token works in the grace and rotates again") {
        // t1 was used above, which drops the previous token: start over from a lost answer.
        now = kT0 + kDay * 15;
        auth = accounts.authenticate(t1);
        REQUIRE(auth.rotated_token);  // t1 is now older than a week
        const std::string t2 = *auth.rotated_token;
        // The answer carrying t2 is lost; the device retries with t1, days later.
        now = kT0 + kDay * 20;
        const auto retry = accounts.authenticate(t1);
        REQUIRE(retry.who);
        REQUIRE(retry.rotated_token);
        const std::string t3 = *retry.rotated_token;
        CHECK(t3 != t2);
        CHECK(accounts.authenticate(t2).code == ocop::errc::auth_invalid_token);  // replaced
        // The previous token keeps its first deadline (15 days + the grace), not a new one; each
        // use of it in the grace gives the device a newer current token.
        now = kT0 + kDay * 22 - 1;
        const auto last_retry = accounts.authenticate(t1);
        REQUIRE(last_retry.who);
        REQUIRE(last_retry.rotated_token);
        const std::string t4 = *last_retry.rotated_token;
        CHECK(accounts.authenticate(t3).code == ocop::errc::auth_invalid_token);
        CHECK(accounts.authenticate(t0).code == ocop::errc::auth_invalid_token);  // long replaced
        now = kT0 + kDay * 22;
        const auto late = accounts.authenticate(t1);
        CHECK_FALSE(late.who);
        CHECK(late.code == ocop::errc::auth_invalid_token);
        // The newest token the device was given works, and ends the grace of the previous one.
        const auto newest = accounts.authenticate(t4);
        REQUIRE(newest.who);
        CHECK_FALSE(newest.rotated_token);
        CHECK(accounts.authenticate(t1).code == ocop::errc::auth_invalid_token);
    }
    SECTION("once the new token is used, the old one stops at once") {
        now += 1;
        CHECK(accounts.authenticate(t0).code == ocop::errc::auth_invalid_token);
        CHECK(accounts.authenticate(t1).who);
    }
    SECTION("the rotation is stored") {
        const auto reopened_store = place.accounts(test_options(&now));
        AccountStore& reopened = *reopened_store;
        CHECK(reopened.authenticate(t1).who);
        CHECK(reopened.authenticate(t0).code == ocop::errc::auth_invalid_token);
    }
    SECTION("a login replaces both tokens") {
        now += kDay;
        auth = accounts.authenticate(t1);  // not due yet
        REQUIRE_FALSE(auth.rotated_token);
        now += kDay * 7;
        auth = accounts.authenticate(t1);
        REQUIRE(auth.rotated_token);  // t1 is now the previous token, in its grace
        const Enrollment again =
            accounts.enroll(enroll_req("can.bo.an", "mat-khau-an-2026", "phone-a"));
        CHECK(accounts.device(e.device.id)->token_issued_ms == now);
        CHECK(accounts.authenticate(t1).code == ocop::errc::auth_invalid_token);
        CHECK(accounts.authenticate(*auth.rotated_token).code == ocop::errc::auth_invalid_token);
        CHECK(accounts.authenticate(again.token).who);
    }
}

TEST_CASE("a token unused for 60 days expires, and logging in again restores the device",
          "[server][accounts][tokens]") {
    AccountsPlace place("ocop-accounts-idle");
    int64_t now = kT0;
    const auto store = place.accounts(test_options(&now));
    AccountStore& accounts = *store;
    accounts.add_user("can.bo.an", "mat-khau-an-2026");
    const Enrollment a = accounts.enroll(enroll_req("can.bo.an", "mat-khau-an-2026", "phone-a"));
    const Enrollment b = accounts.enroll(enroll_req("can.bo.an", "mat-khau-an-2026", "phone-b"));

    // Weeks offline is normal: 60 days to the millisecond still works (and rotates).
    now = kT0 + kDay * 60;
    const auto ok = accounts.authenticate(a.token);
    REQUIRE(ok.who);
    CHECK(ok.rotated_token);
    CHECK(accounts.device(a.device.id)->last_seen_ms == now);

    now = kT0 + kDay * 60 + 1;
    const auto expired = accounts.authenticate(b.token);
    CHECK_FALSE(expired.who);
    CHECK(expired.code == ocop::errc::auth_token_expired);
    CHECK(expired.device_id == b.device.id);
    CHECK(expired.user == "can.bo.an");
    CHECK(expired.message.find("log in again; nothing on the device is lost") != std::string::npos);
    CHECK_FALSE(expired.rotated_token);
    // A refused request does not count as use: it stays expired.
    now += kDay;
    CHECK(accounts.authenticate(b.token).code == ocop::errc::auth_token_expired);

    const Enrollment again =
        accounts.enroll(enroll_req("can.bo.an", "mat-khau-an-2026", "phone-b"));
    CHECK(again.device.id == b.device.id);
    CHECK(accounts.authenticate(again.token).who);
    CHECK(accounts.authenticate(b.token).code == ocop::errc::auth_invalid_token);
}

#ifndef OCOP_TEST_ACCOUNTS_PG  // accounts.db itself; PostgreSQL: tests/postgres/
TEST_CASE("an accounts file of layout version 1 is migrated in place", "[server][accounts]") {
    TempDir dir("ocop-accounts-v1");
    const std::string db = (dir.path() / "accounts.db").string();
    const std::string password = "mat-khau-cu-2026";
    const std::string old_token = "token-issued-by-version-one-of-the-server-0123";
    const int64_t created = kT0 - kDay * 30;
    {
        // Exactly what version 1 of the server created.
        ocop::sqlite::Db raw(db, ocop::sqlite::Durability::full);
        raw.exec(R"sql(
CREATE TABLE IF NOT EXISTS users (
    name TEXT PRIMARY KEY,
    password_hash TEXT NOT NULL,
    created_ms INTEGER NOT NULL,
    disabled INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS devices (
    id TEXT PRIMARY KEY,
    user TEXT NOT NULL REFERENCES users(name),
    replica TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    app_version TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    created_ms INTEGER NOT NULL,
    last_seen_ms INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS devices_by_user ON devices(user);
PRAGMA user_version = 1;
)sql");
        raw.prepare("INSERT INTO users VALUES ('can.bo.cu', ?, ?, 0)")
            .bind(1, hash_password(password, kTestIterations))
            .bind(2, created)
            .run();
        raw.prepare(
               "INSERT INTO devices VALUES ('0b7e7f3c-8f0e-4f47-9a3b-1c2d3e4f5a6b', 'can.bo.cu', "
               "'phone-old', 'Nokia', 'ocop-field/0.0.9', ?, ?, ?)")
            .bind(1, secrets::sha256_hex(old_token))
            .bind(2, created)
            .bind(3, kT0 - kDay)
            .run();
    }
    int64_t now = kT0;
    {
        SqliteAccountStore accounts(db, test_options(&now));
        // The device enrolled under version 1 keeps working with its token.
        const auto auth = accounts.authenticate(old_token);
        REQUIRE(auth.who);
        CHECK(auth.who->user == "can.bo.cu");
        CHECK(auth.who->replica == "phone-old");
        CHECK(auth.who->grants.empty());
        // Its token counts as issued when the device was created, a month ago: it rotates now.
        REQUIRE(auth.rotated_token);
        const auto info = accounts.device("0b7e7f3c-8f0e-4f47-9a3b-1c2d3e4f5a6b");
        REQUIRE(info);
        CHECK(info->name == "Nokia");
        CHECK(info->created_ms == created);
        CHECK_FALSE(info->revoked_ms);
        // The new tables and columns work.
        accounts.add_grant("can.bo.cu", {"commune_officer", kUnitA});
        accounts.revoke_device(info->id, "test");
        accounts.reinstate_device(info->id);
        CHECK(accounts.enroll(enroll_req("can.bo.cu", password, "phone-old")).device.id ==
              info->id);
    }
    ocop::sqlite::Db raw(db, ocop::sqlite::Durability::normal);
    auto version = raw.prepare("PRAGMA user_version");
    REQUIRE(version.step());
    CHECK(version.int64(0) == 2);
    version.reset();
    // Opening a migrated file again changes nothing.
    SqliteAccountStore again(db, test_options(&now));
    CHECK(again.grants("can.bo.cu") == std::vector<ocop::sync::Grant>{{"commune_officer", kUnitA}});
    CHECK(again.devices().size() == 1);
}

TEST_CASE("an accounts file of a newer layout is refused, not misread", "[server][accounts]") {
    TempDir dir("ocop-accounts-newer");
    const std::string db = (dir.path() / "accounts.db").string();
    { SqliteAccountStore accounts(db, test_options()); }
    {
        ocop::sqlite::Db raw(db, ocop::sqlite::Durability::normal);
        raw.exec("PRAGMA user_version = 3");
    }
    CHECK(error_code_of([&] { SqliteAccountStore accounts(db, test_options()); }) ==
          ocop::errc::schema_version_unsupported);
}
#endif
