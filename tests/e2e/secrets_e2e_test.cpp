// Passwords and device tokens never reach the server's log or its files in clear. The server runs
// with everything it prints captured, at debug level; a device logs in (a wrong password, then
// the right one) and syncs with its token; then every file under the server's data directory
// (the databases and, while it runs, their -wal journals) and everything the server and
// ocop-admin printed are searched for the secrets. The device keeps its token in its own store:
// the same search must find it there, which shows the search finds what it looks for.
#include <set>

#include "tls_support.hpp"

using namespace ocop::test;
using nlohmann::json;

namespace {}  // namespace

TEST_CASE("passwords and device tokens appear in neither the server's log nor its files",
          "[e2e][security][sqlite]") {
    const auto root = temp_dir("ocop-e2e-secrets");
    const auto data = root / "server";
    const std::string user = "can.bo.xa";
    const std::string password = "mat-khau-bi-mat-2026";
    const std::string wrong_password = "doan-thu-mat-khau-2026";
    std::string printed;  // everything ocop-admin printed

    const RunResult added =
        run(admin_bin, {"--data", data.string(), "user", "add", user}, password + "\n");
    REQUIRE(added.exit_code == 0);
    printed += added.out + added.err;
    const TlsFiles tls =
        self_signed(root / "tls", "server", "localhost", "DNS:localhost,IP:127.0.0.1");
    const std::string unit = kTestUnit;
    const RunResult granted = run(admin_bin, {"--data", data.string(), "user", "grant", user,
                                              "inspector", unit, "--allow-unknown-unit"});
    REQUIRE(granted.exit_code == 0);
    printed += granted.out + granted.err;
    ServerProcess server(server_bin, data, free_port());
    server.use_tls(tls);
    server.capture_output("debug");
    server.start();

    Device phone{root / "phone"};
    const std::vector<std::string> login = {"login", server.url(), user, "--ca-file",
                                            tls.ca.string()};
    const RunResult refused = phone.cmd(login, wrong_password + "\n");
    CHECK(refused.exit_code == 1);
    CHECK(contains(refused.err, "auth.bad_credentials"));
    phone.ok(login, password + "\n");

    std::set<std::string> secrets = {password, wrong_password};
    const auto device_token = [&] {
        ocop::SqliteStore device(phone.db().string());
        return device.meta("sdk_device_token").value_or("");
    };
    const std::string token = device_token();
    REQUIRE(token.size() >= 32);
    secrets.insert(token);

    const auto sync = [&] {
        const RunResult r = phone.cmd({"sync"});
        INFO("sync stderr: " << r.err);
        REQUIRE(r.exit_code == 0);
        return json::parse(r.out);
    };
    sync();  // learns its grants
    std::vector<std::string> put = {"put"};
    const auto fields = inspection_in(unit, "Chợ Long Xuyên");
    put.insert(put.end(), fields.begin(), fields.end());
    phone.ok(put);
    CHECK(sync()["pushed"] == 1);
    secrets.insert(device_token());  // a rotated token, if the server issued one

    // Every file under the data directory, byte for byte.
    const auto search_files = [&](const std::string& when) {
        std::set<std::string> names;
        for (const auto& entry : std::filesystem::recursive_directory_iterator(data)) {
            if (!entry.is_regular_file()) continue;
            names.insert(entry.path().filename().string());
            const std::string bytes = read_all(entry.path());
            for (const auto& secret : secrets) {
                INFO(when << ": " << entry.path() << " holds a secret");
                CHECK(!contains(bytes, secret));
            }
        }
        return names;
    };
    const auto running = search_files("while running");
    CHECK(running.count("accounts.db") == 1);
    CHECK(running.count("ocop.db") == 1);
    CHECK(running.count("accounts.db-wal") == 1);  // the journals are searched too
    CHECK(running.count("ocop.db-wal") == 1);

    CHECK(server.stop() == 0);
    search_files("after stopping");
    const std::string log = server.output();
    // The capture holds the server's log: the login and the sync requests are in it.
    CHECK(contains(log, "enrolled for user " + user));
    CHECK(contains(log, "login refused (auth.bad_credentials) for user '" + user + "'"));
    CHECK(contains(log, "POST /v1/sync 200"));
    for (const auto& secret : secrets) {
        CHECK(!contains(log, secret));
        CHECK(!contains(printed, secret));
    }

    // The device side holds its token (expected: that is where it is kept), and the search
    // above would have found it.
    std::string device_bytes = read_all(phone.db());
    if (std::filesystem::exists(phone.db().string() + "-wal"))
        device_bytes += read_all(phone.db().string() + "-wal");
    CHECK(contains(device_bytes, device_token()));
}
