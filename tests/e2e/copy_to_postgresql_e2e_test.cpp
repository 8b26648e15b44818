// A province moves from SQLite to PostgreSQL (issue #13, item 5; docs/postgresql.md): two
// devices sync with a server on its SQLite data directory, the server is stopped, `ocop-admin
// copy-to-postgresql` copies the directory into a schema, and the server starts again on
// PostgreSQL at the same address. The devices go on syncing with the tokens they have, no
// re-enrolment; nothing written before or after the move is lost, and a new device pulls it all.
// Only on the PostgreSQL run: the SQLite run has no cluster to copy into.
#include <algorithm>
#include <set>

#include "e2e_support.hpp"

using namespace ocop::test;
using nlohmann::json;

namespace {

// ocop-admin on the SQLite files of `data`, whatever backend this run tests.
RunResult admin_on_sqlite(const std::filesystem::path& data, std::vector<std::string> command,
                          const std::string& input = {}) {
    std::vector<std::string> args = {"--data", data.string()};
    args.insert(args.end(), command.begin(), command.end());
    return run(admin_bin, args, input);
}

// `ocop-admin copy-to-postgresql` of `data` into the schema its PostgreSQL server will use.
RunResult copy_to_postgresql(const std::filesystem::path& data) {
    return admin_on_sqlite(data,
                           {"copy-to-postgresql", "--database", *test_pg_url(), "--database-schema",
                            pg_schema_for(std::filesystem::absolute(data).string())});
}

}  // namespace

TEST_CASE("a SQLite data directory copied into PostgreSQL keeps every record and every device",
          "[e2e][postgresql][copy]") {
    REQUIRE(testing_postgresql());
    const auto root = temp_dir("ocop-e2e-copy-pg");
    const auto data = root / "server";
    const std::vector<std::string> users = {"can.bo.an", "can.bo.binh"};
    for (const auto& u : users) {
        require_ok(admin_on_sqlite(data, {"user", "add", u}, "mat-khau-" + u + "\n"));
        require_ok(admin_on_sqlite(
            data, {"user", "grant", u, "inspector", kUnit, "--allow-unknown-unit"}));
    }
    const int port = free_port();
    std::vector<Device> devices;
    std::set<std::string> written;
    std::string shared;
    {
        ServerProcess on_sqlite(server_bin, data, port);
        on_sqlite.use_sqlite();
        on_sqlite.start();
        for (size_t i = 0; i < users.size(); ++i) {
            devices.push_back(Device{root / ("phone-" + std::to_string(i))});
            devices.back().login(on_sqlite.url(), users[i], "mat-khau-" + users[i]);
        }
        for (size_t i = 0; i < devices.size(); ++i)
            for (int k = 0; k < 3; ++k) written.insert(put_inspection(devices[i], "trước"));
        shared = *written.begin();
        for (int round = 0; round < 2; ++round)
            for (const auto& d : devices) sync_ok(d);
        // Both edit one record before they see each other's edit: a conflict the server records.
        devices[0].ok({"put", "inspection", "--id", shared, "conclusion=Đạt"});
        devices[1].ok({"put", "inspection", "--id", shared, "conclusion=Không đạt"});
        for (const auto& d : devices) sync_ok(d);

        // While the server holds the files, nothing is copied.
        const RunResult busy = copy_to_postgresql(data);
        CHECK(busy.exit_code == 1);
        CHECK_THAT(busy.err, Catch::Contains("store.in_use"));
        REQUIRE(on_sqlite.stop() == 0);
    }
    const CellDump before_move = dump_cells(data / "ocop.db");
    const RunResult audit_before = admin_on_sqlite(data, {"audit", "--user", users[1]});
    require_ok(audit_before);
    const json pushes_before = json::parse(audit_before.out);
    REQUIRE(pushes_before.size() >= 2);

    const RunResult copied = copy_to_postgresql(data);
    require_ok(copied);
    const json report = json::parse(copied.out);
    CHECK(report["copied"]["users"] == 2);
    CHECK(report["copied"]["devices"] == 2);
    CHECK(report["copied"]["cells"].get<size_t>() == before_move.size());
    CHECK(report["copied"]["applied_changesets"].get<int>() >= 4);
    // The copy is the SQLite store, cell by cell and stamp by stamp.
    CHECK(dump_server_cells(data) == before_move);

    // A second copy into the same schema would mix two provinces' data: refused, nothing changed.
    const RunResult again = copy_to_postgresql(data);
    CHECK(again.exit_code == 1);
    CHECK_THAT(again.err, Catch::Contains("store.not_empty"));
    CHECK(dump_server_cells(data) == before_move);

    // The server on PostgreSQL, at the address the devices know.
    ServerProcess on_pg(server_bin, data, port);
    on_pg.start();
    for (size_t i = 0; i < devices.size(); ++i)
        for (int k = 0; k < 2; ++k) written.insert(put_inspection(devices[i], "sau"));
    for (int round = 0; round < 2; ++round)
        for (const auto& d : devices) sync_ok(d);  // the tokens issued on SQLite still work
    Device newcomer{root / "phone-new"};
    newcomer.login(on_pg.url(), users[0], "mat-khau-" + users[0]);
    sync_ok(newcomer);
    // The audit trail came along: the changesets recorded on SQLite, then the two pushed after
    // the move, numbered after them.
    const RunResult audit = run(admin_bin, admin_args(data, {"audit", "--user", users[1]}));
    require_ok(audit);
    const json pushes = json::parse(audit.out);
    CHECK(pushes.size() == pushes_before.size() + 2);
    std::set<int64_t> ids;
    for (const auto& e : pushes) ids.insert(e["id"].get<int64_t>());
    int64_t last_before = 0;
    for (const auto& e : pushes_before) {
        CHECK(ids.count(e["id"].get<int64_t>()) == 1);
        last_before = std::max(last_before, e["id"].get<int64_t>());
    }
    CHECK(std::count_if(ids.begin(), ids.end(), [&](int64_t id) { return id > last_before; }) == 2);
    REQUIRE(on_pg.stop() == 0);

    const CellDump on_server = dump_server_cells(data);
    CHECK(inspections(on_server) == written);
    for (const auto& d : devices) CHECK(dump_cells(d.db()) == on_server);
    CHECK(dump_cells(newcomer.db()) == on_server);
    // The conflict recorded on SQLite is still open, once, on every device.
    for (const auto& d : devices) CHECK(d.ok({"conflicts"}).size() == 1);
    // Exactly once across the move: each device's changesets 1..N recorded once.
    for (const auto& d : devices) {
        ocop::SqliteStore store(d.db().string());
        const auto seq = store.meta("local_changeset_seq");
        REQUIRE(seq);
        const AppliedChangesets applied =
            applied_changesets_of(data.string(), store.meta("replica_id").value());
        CHECK(applied.count == std::stoll(*seq));
        CHECK(applied.distinct == applied.count);
        CHECK(applied.min == 1);
        CHECK(applied.max == applied.count);
    }
    std::filesystem::remove_all(root);
}
