// Password hashing and the SQLite account store: the hash is real PBKDF2-HMAC-SHA256 in the
// documented format, tokens authenticate exactly the device they were issued to, and neither a
// password nor a token ever reaches the database file in clear.
#include "ocop/core/error_codes.hpp"
#include "ocop/core/sqlite_db.hpp"
#include "ocop/core/uuid.hpp"
#include "ocop/server/password_hash.hpp"
#include "ocop/server/secrets.hpp"
#include "ocop/server/sqlite_account_store.hpp"
#include "server_test_support.hpp"

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

EnrollRequest enroll_req(const std::string& user, const std::string& password,
                         const std::string& replica) {
    return EnrollRequest{user, password, replica, "Samsung A15", "ocop-field/0.1.0"};
}

AccountStoreOptions test_options() {
    AccountStoreOptions o;
    o.pbkdf2_iterations = kTestIterations;
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
    TempDir dir("ocop-accounts");
    const std::string db = (dir.path() / "accounts.db").string();
    std::string token_a;
    std::string device_a;
    {
        SqliteAccountStore accounts(db, test_options());
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
        const auto who = accounts.authenticate(e.token);
        REQUIRE(who);
        CHECK(who->user == "can.bo.an");
        CHECK(who->replica == "phone-a");
        CHECK(who->device_id == e.device.id);
        CHECK_FALSE(accounts.authenticate(""));
        CHECK_FALSE(accounts.authenticate("not-a-real-token"));
        CHECK_FALSE(
            accounts.authenticate(e.token.substr(0, 42) + (e.token[42] == 'A' ? "B" : "A")));

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
        CHECK(accounts.authenticate(token_a));
    }
    {
        // Reopened: the enrolment survived; re-enrolling the same replica replaces the token.
        SqliteAccountStore accounts(db, test_options());
        REQUIRE(accounts.authenticate(token_a));
        const Enrollment again =
            accounts.enroll(enroll_req("can.bo.an", "mat-khau-an-2026", "phone-a"));
        CHECK(again.token != token_a);
        CHECK(again.device.id == device_a);
        CHECK_FALSE(accounts.authenticate(token_a));
        const auto who = accounts.authenticate(again.token);
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

TEST_CASE("passwords and tokens never reach the accounts database in clear", "[server][accounts]") {
    TempDir dir("ocop-accounts-clear");
    const auto db = dir.path() / "accounts.db";
    const std::string password = "Mat-khau-bi-mat-XYZZY-2026";
    std::string token;
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
        SqliteAccountStore accounts(db.string(), test_options());
        accounts.add_user("can.bo.xa", password);
        token = accounts.enroll(enroll_req("can.bo.xa", password, "phone-x")).token;
        REQUIRE(accounts.authenticate(token));
        scan_files(password);
        scan_files(token);
    }
    scan_files(password);  // after close: checkpointed into the main file
    scan_files(token);

    // What is stored instead: the token's SHA-256 and a hash that verifies the password.
    ocop::sqlite::Db raw(db.string(), ocop::sqlite::Durability::normal);
    auto device = raw.prepare("SELECT token_hash FROM devices");
    REQUIRE(device.step());
    CHECK(device.text(0) == secrets::sha256_hex(token));
    auto user = raw.prepare("SELECT password_hash FROM users WHERE name = 'can.bo.xa'");
    REQUIRE(user.step());
    CHECK(verify_password(password, user.text(0)));
}
