// HTTPS end to end with the real binaries: ocop-server serving a self-signed certificate made at
// test time, ocop-field trusting it through --ca-file; an untrusted certificate (or one for
// another host) is a clear sync.tls error that keeps the device's records pending; and the server
// refuses to start on a transport it does not allow.
#include <algorithm>

#include "tls_support.hpp"

using namespace ocop::test;
using nlohmann::json;

namespace {

const std::string kUser = "can.bo.xa";
const std::string kPassword = "mat-khau-xa-2026";

json put(const Device& d, const std::vector<std::string>& fields) {
    std::vector<std::string> args = {"put"};
    args.insert(args.end(), fields.begin(), fields.end());
    return d.ok(args);
}

json sync_report(const Device& d) {
    const RunResult r = d.cmd({"sync"});
    INFO("sync stderr: " << r.err << " stdout: " << r.out);
    REQUIRE(r.exit_code == 0);
    return json::parse(r.out);
}

}  // namespace

TEST_CASE(
    "HTTPS: a device trusting the server's certificate syncs, one that does not keeps its "
    "records pending with sync.tls",
    "[e2e][tls]") {
    const auto root = temp_dir("ocop-e2e-tls");
    const auto data = root / "server";
    const TlsFiles tls =
        self_signed(root / "tls", "server", "localhost", "DNS:localhost,IP:127.0.0.1");
    add_user(data, kUser, kPassword);
    const std::string unit = kTestUnit;
    grant(data, kUser, "inspector", unit);
    ServerProcess server(server_bin, data, free_port());
    server.use_tls(tls);
    server.start();
    REQUIRE(server.url().rfind("https://127.0.0.1:", 0) == 0);

    // The device keeps its own copy of the certificate it trusts (given at login, kept for sync).
    const auto trusted = root / "phone-trusts.pem";
    std::filesystem::copy_file(tls.ca, trusted);
    Device phone{root / "phone"};
    phone.ok({"login", server.url(), kUser, "--ca-file", trusted.string()}, kPassword + "\n");
    sync_report(phone);  // learns its grants
    const std::string first = put(phone, inspection_in(unit, "Chợ Long Xuyên"))["id"];
    const json pushed = sync_report(phone);
    CHECK(pushed["pushed"] == 1);
    CHECK(pushed["complete"] == true);

    // Without --ca-file the self-signed certificate is not trusted: login fails clearly.
    Device stranger{root / "stranger"};
    const RunResult login = stranger.cmd({"login", server.url(), kUser}, kPassword + "\n");
    INFO("login stderr: " << login.err);
    CHECK(login.exit_code == 1);
    CHECK(contains(login.err, "ocop-field: sync.tls: "));
    CHECK(contains(login.err, "not trusted"));
    CHECK(stranger.ok({"status"})["enrolled"] == false);

    // A certificate the device does not trust (as if the server's had been swapped, or someone
    // were in between): sync.tls at once, not retried, and the new record stays pending.
    const TlsFiles other =
        self_signed(root / "tls", "other", "localhost", "DNS:localhost,IP:127.0.0.1");
    std::filesystem::copy_file(other.cert, trusted,
                               std::filesystem::copy_options::overwrite_existing);
    const std::string second = put(phone, inspection_in(unit, "HTX Tân Hiệp"))["id"];
    const RunResult refused = phone.cmd({"sync"});
    INFO("sync stderr: " << refused.err << " stdout: " << refused.out);
    CHECK(refused.exit_code == 3);
    CHECK(contains(refused.err, "ocop-field: sync.tls: "));
    CHECK(contains(refused.err, "not trusted"));
    const json report = json::parse(refused.out);
    CHECK(report["error"]["code"] == "sync.tls");
    CHECK(report["error"]["transient"] == false);
    CHECK(report["failed_attempts"] == 1);  // retrying cannot help
    CHECK(report["pending"] == 1);
    const json status = phone.ok({"status"});
    CHECK(status["pending"] == 1);
    CHECK(status["fully_synced"] == false);
    CHECK(contains(status["last_error"].get<std::string>(), "sync.tls"));

    // Trust restored: the pending record reaches the server.
    std::filesystem::copy_file(tls.ca, trusted, std::filesystem::copy_options::overwrite_existing);
    CHECK(sync_report(phone)["pushed"] == 1);
    CHECK(phone.ok({"status"})["fully_synced"] == true);

    CHECK(server.stop() == 0);
    const auto opened = open_server_store_of(data.string());
    ocop::Store& store = *opened;
    const auto stored_first = store.read("inspection", first);
    const auto stored_second = store.read("inspection", second);
    REQUIRE(stored_first);
    REQUIRE(stored_second);
    CHECK(stored_first->get("site_name") == "Chợ Long Xuyên");
    CHECK(stored_second->get("site_name") == "HTX Tân Hiệp");
}

TEST_CASE("HTTPS: a trusted certificate issued for another host name is refused", "[e2e][tls]") {
    const auto root = temp_dir("ocop-e2e-tls-host");
    const auto data = root / "server";
    // Valid for 127.0.0.1 only: the health check on 127.0.0.1 passes, "localhost" must not.
    const TlsFiles tls = self_signed(root / "tls", "server", "127.0.0.1", "IP:127.0.0.1");
    add_user(data, kUser, kPassword);
    ServerProcess server(server_bin, data, free_port());
    server.use_tls(tls);
    server.start();

    Device phone{root / "phone"};
    const std::string by_name = "https://localhost:" + std::to_string(server.port());
    const RunResult r =
        phone.cmd({"login", by_name, kUser, "--ca-file", tls.ca.string()}, kPassword + "\n");
    CHECK(r.exit_code == 1);
    CHECK(contains(r.err, "sync.tls"));
    CHECK(contains(r.err, "not issued for the host 'localhost'"));
    // The same certificate and CA file on the address it names: accepted.
    phone.ok({"login", server.url(), kUser, "--ca-file", tls.ca.string()}, kPassword + "\n");
}

TEST_CASE("ocop-server refuses to start without TLS, or with plain HTTP on a non-loopback address",
          "[e2e][tls]") {
    const auto root = temp_dir("ocop-e2e-tls-refuse");
    const TlsFiles tls = self_signed(root / "tls", "server", "localhost", "DNS:localhost");
    const TlsFiles other = self_signed(root / "tls", "other", "localhost", "DNS:localhost");
    const auto data = root / "server";
    const std::vector<std::string> base = {"--data", data.string(), "--port",
                                           std::to_string(free_port())};
    const auto refused = [&](std::vector<std::string> extra, const std::string& reason) {
        std::vector<std::string> args = base;
        args.insert(args.end(), extra.begin(), extra.end());
        const RunResult r = run_to_exit(server_bin, args);
        INFO("stderr: " << r.err << " stdout: " << r.out);
        CHECK(r.exit_code == 78);  // EX_CONFIG
        CHECK(contains(r.err, "refusing to start: " + reason));
        CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);  // one line
        CHECK(!std::filesystem::exists(data));                     // nothing was opened or written
    };
    refused({"--listen", "0.0.0.0", "--plain-http"},
            "plain HTTP is only allowed on a loopback address (127.0.0.0/8 or ::1), not on "
            "'0.0.0.0'");
    refused({"--listen", "::", "--plain-http"}, "plain HTTP is only allowed on a loopback address");
    refused({}, "no TLS certificate configured");
    refused({"--tls-cert", tls.cert.string()}, "--tls-cert is given but --tls-key is missing");
    refused({"--tls-cert", tls.cert.string(), "--tls-key", other.key.string()},
            "the TLS private key '" + other.key.string() + "' does not belong to the certificate");
    refused({"--tls-cert", (root / "missing.pem").string(), "--tls-key", tls.key.string()},
            "cannot read the TLS certificate file");
    refused({"--tls-cert", tls.cert.string(), "--tls-key", tls.key.string(), "--plain-http"},
            "both plain HTTP and TLS files are configured");
}
