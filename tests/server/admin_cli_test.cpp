// ocop-admin's logic (run_admin), driven with string streams: the password comes from stdin,
// output is JSON, and every mistake is one line on stderr with a non-zero status.
#include <sstream>

#include "ocop/server/admin_cli.hpp"
#include "ocop/server/password_hash.hpp"
#include "ocop/server/sqlite_account_store.hpp"
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

}  // namespace

TEST_CASE("ocop-admin adds users with the password from stdin and lists them", "[server][admin]") {
    TempDir dir("ocop-admin");
    const std::string data = (dir.path() / "new-data-dir").string();  // created on demand

    const Result added = admin({"--data", data, "user", "add", "can.bo.xa"}, "mat-khau-xa-2026\n");
    INFO(added.err);
    REQUIRE(added.status == 0);
    CHECK(nlohmann::json::parse(added.out)["user"] == "can.bo.xa");
    {
        SqliteAccountStore accounts((std::filesystem::path(data) / "accounts.db").string());
        REQUIRE(accounts.has_user("can.bo.xa"));
        // The stored password is the stdin line without its newline.
        EnrollRequest req{"can.bo.xa", "mat-khau-xa-2026", "phone-1", "", ""};
        CHECK(accounts.enroll(req).device.replica == "phone-1");
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
    CHECK_FALSE(devices.out.find("token") != std::string::npos);  // no token (hash) is listed

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
