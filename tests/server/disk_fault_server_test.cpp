// The server on a full or failing disk (the fault VFS of tests/core/fault_vfs.hpp, made SQLite's
// default so that it reaches the server's ocop.db): a push it cannot write is answered 503 with
// Retry-After and a JSON error, nothing of it is kept (neither the changes nor the receipt), the
// device keeps its outbox, and once the disk recovers the device's next sync applies everything
// exactly once. And a damaged data file stops the server before it serves anything.
#include <filesystem>
#include <fstream>

#include "fault_vfs.hpp"
#include "ocop/core/builtin_schema.hpp"
#include "ocop/core/error_codes.hpp"
#include "ocop/core/local_replica.hpp"
#include "ocop/core/sqlite_store.hpp"
#include "ocop/core/uuid.hpp"
#include "ocop/domain/unit_scope_policy.hpp"
#include "ocop/server/http_response.hpp"
#include "ocop/server/server.hpp"
#include "ocop/sync/http_transport.hpp"
#include "ocop/sync/sync_client.hpp"
#include "ocop/sync/wire.hpp"
#include "server_test_support.hpp"

using namespace ocop::server;
using namespace ocop::server::test;
using nlohmann::json;
using ocop::test::FaultVfs;
namespace errc = ocop::errc;

namespace {

const std::string kOfficer = "can.bo.tinh";
const std::string kOfficerPassword = "mat-khau-tinh-2026";

ServerOptions disk_fault_options(const std::filesystem::path& data) {
    ServerOptions o;
    o.data_dir = data.string();
    o.listen = "127.0.0.1";
    o.plain_http = true;
    o.port = 0;
    o.pbkdf2_iterations = kTestIterations;
    o.max_threads = 4;
    return o;
}

// A province-level administrator's phone: a real LocalReplica and SyncClient over HTTP.
struct Phone {
    ocop::SqliteStore store{":memory:"};
    ocop::LocalReplica replica{store, ocop::builtin_schema(), ocop::system_physical_clock(),
                               "phone-tinh"};
    ocop::sync::HttpTransport transport;
    std::string token;

    Phone(const std::string& url, uint16_t port) : transport(url) {
        const Reply r = post_json(port, "/v1/login",
                                  json{{"user", kOfficer},
                                       {"password", kOfficerPassword},
                                       {"replica", replica.id()},
                                       {"device_name", "phone"},
                                       {"app_version", "tests/0.1.0"}}
                                      .dump());
        REQUIRE(r.status == 200);
        token = r.json()["token"].get<std::string>();
    }
    void put_province(const std::string& id, const std::string& code) {
        ocop::LocalTransaction t;
        t.put("admin_unit", id,
              {{"code", code},
               {"name", "Tỉnh " + code},
               {"level", "province"},
               {"valid_from", "2025-07-01"}});
        replica.commit(t);
    }
    ocop::sync::SyncReport sync() {
        ocop::sync::SyncOptions options;
        options.sleep = [](std::chrono::milliseconds) {};  // retries without waiting
        options.max_attempts = 3;
        options.on_new_token = [this](const std::string& t) { token = t; };
        options.scope = &ocop::domain::builtin_scope_policy();
        ocop::sync::SyncClient client(replica, transport, token, options);
        return client.run();
    }
    // The push a sync would send now, as raw JSON (to look at the answer's status and headers).
    std::string push_body() {
        ocop::sync::SyncRequest req;
        req.replica = replica.id();
        req.schema_version = ocop::builtin_schema().version();
        req.app_version = "tests/0.1.0";
        req.hlc = replica.clock().now();
        req.changesets = store.outbox(100);
        return ocop::sync::wire::encode(req);
    }
};

// What the server holds of the phone's pushes: receipts of changesets 1 and 2.
std::pair<bool, bool> receipts(Server& server, const std::string& replica) {
    std::pair<bool, bool> found;
    server.store().write([&](ocop::StoreTxn& t) {
        found = {t.receipt(replica, 1).has_value(), t.receipt(replica, 2).has_value()};
    });
    return found;
}

}  // namespace

TEST_CASE("a push the server cannot write gets 503 with Retry-After and is applied once later",
          "[server][disk]") {
    const auto [fault, code] =
        GENERATE(std::pair{FaultVfs::Fault::disk_full, std::string(errc::store_full)},
                 std::pair{FaultVfs::Fault::io_error, std::string(errc::store_io)});
    // Declared first: it must outlive every connection the server opens through it.
    FaultVfs vfs("ocop-fault-server", "ocop.db", /*make_default=*/true);
    TempDir dir("ocop-disk-fault");
    Server server(disk_fault_options(dir.path() / "data"));
    ocop::UuidV7Generator ids(7);
    const std::string a = ids.next(ocop::system_physical_clock()());
    const std::string b = ids.next(ocop::system_physical_clock()());
    server.accounts().add_user(kOfficer, kOfficerPassword);
    server.accounts().add_grant(kOfficer, {"administrator", a});
    server.accounts().add_grant(kOfficer, {"administrator", b});
    server.start();
    const std::string url = "http://127.0.0.1:" + std::to_string(server.port());

    Phone phone(url, server.port());
    phone.put_province(a, "89");
    phone.put_province(b, "91");
    REQUIRE(phone.store.outbox_size() == 2);
    const uint64_t head_before = server.store().head();

    vfs.set(fault);
    // The raw answer: transient, with a hint of when to come back and a JSON error.
    const std::string push = phone.push_body();
    const Reply r =
        post_json(server.port(), "/v1/sync", push, {{"Authorization", "Bearer " + phone.token}});
    CHECK(r.status == 503);
    CHECK(r.header("retry-after") == std::to_string(retry_after_seconds));
    CHECK(r.header("content-type") == "application/json");
    CHECK(r.error_code() == code);
    CHECK(vfs.injected() > 0);

    // The sync client retries, gives up for this run as transient, and keeps its outbox.
    const ocop::sync::SyncReport failed = phone.sync();
    CHECK_FALSE(failed.complete);
    CHECK(failed.error_transient);
    CHECK(failed.error_code == code);
    CHECK(failed.progress.pushed == 0);
    CHECK(phone.store.outbox_size() == 2);

    vfs.set(FaultVfs::Fault::none);
    // Nothing half-applied: neither record, nor any cell, nor a receipt.
    CHECK_FALSE(server.store().read("admin_unit", a));
    CHECK_FALSE(server.store().read("admin_unit", b));
    CHECK(server.store().head() == head_before);
    CHECK(receipts(server, phone.replica.id()) == std::pair{false, false});
    CHECK(server.sqlite_store()->integrity_check() == "ok");

    // The disk recovered: the next sync applies both changesets, once.
    const ocop::sync::SyncReport ok = phone.sync();
    INFO(ok.error_code << ": " << ok.error_message);
    CHECK(ok.complete);
    CHECK(ok.progress.pushed == 2);
    CHECK(phone.store.outbox_size() == 0);
    REQUIRE(server.store().read("admin_unit", a));
    CHECK(server.store().read("admin_unit", b)->get("name") == "Tỉnh 91");
    CHECK(receipts(server, phone.replica.id()) == std::pair{true, true});
    const uint64_t head_after = server.store().head();
    CHECK(head_after == head_before + 8);  // 4 fields x 2 records, each stored once

    // The first push again (its answer lost after the recovery): answered from the receipts.
    const Reply dup =
        post_json(server.port(), "/v1/sync", push, {{"Authorization", "Bearer " + phone.token}});
    REQUIRE(dup.status == 200);
    const auto answer = ocop::sync::wire::decode_response(dup.body);
    REQUIRE(answer.results.size() == 2);
    CHECK(answer.results[0].duplicate);
    CHECK(answer.results[1].duplicate);
    CHECK(server.store().head() == head_after);
}

TEST_CASE("the server refuses to start on a damaged data file, naming it", "[server][disk]") {
    TempDir dir("ocop-corrupt-start");
    const auto data = dir.path() / "data";
    {
        Server server(disk_fault_options(data));
        server.accounts().add_user(kOfficer, kOfficerPassword);
    }
    const auto name = GENERATE(as<std::string>{}, "ocop.db", "accounts.db", "audit.db");
    const auto file = data / name;
    REQUIRE(std::filesystem::exists(file));
    const std::string intact = read_file(file);
    {  // garbage over the header page: SQLite cannot read it as a database
        std::fstream f(file, std::ios::in | std::ios::out | std::ios::binary);
        f.write(std::string(4096, '\x5A').data(), 4096);
    }
    try {
        Server server(disk_fault_options(data));
        FAIL("the server opened a damaged " << name);
    } catch (const ocop::Error& e) {
        CHECK(e.code() == std::string(errc::store_corrupt));
        CHECK_THAT(e.what(), Catch::Contains(file.string()));
        CHECK_THAT(e.what(), Catch::Contains("backup"));
    }
    // The restored file (the backup) starts again.
    std::ofstream(file, std::ios::binary | std::ios::trunc) << intact;
    CHECK_NOTHROW(Server(disk_fault_options(data)));
}
