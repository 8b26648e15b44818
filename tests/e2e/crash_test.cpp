// Crash tests with the real processes: the server is killed with SIGKILL at random moments while
// devices push and pull, and restarted; devices are killed while applying pull pages. Afterwards
// the server's database passes integrity_check, every changeset a device wrote is on the server
// exactly once, and every replica holds the same cells.
#include <Poco/Pipe.h>
#include <Poco/Process.h>
#include <signal.h>

#include <random>

#include "e2e_support.hpp"

using namespace ocop::test;
using nlohmann::json;

namespace {

int kills_requested() {
    const char* env = std::getenv("OCOP_CRASH_KILLS");
    return env ? std::max(1, std::atoi(env)) : 100;
}

void put_inspections(const Device& d, int count, const std::string& tag) {
    for (int i = 0; i < count; ++i)
        d.ok({"put", "inspection", "kind=production_facility",
              "site_name=Cơ sở " + tag + "-" + std::to_string(i),
              "started_at=2026-11-21T09:00:00+07:00", "status=draft", "unit=" + kUnit});
}

// A background `ocop-field sync`; its one-line report goes to pipes nobody needs to read (it fits
// in the pipe buffer), keeping the test's own output clean.
struct BackgroundSync {
    Poco::Pipe out, err;
    std::unique_ptr<Poco::ProcessHandle> handle;
};

std::unique_ptr<BackgroundSync> start_sync(const Device& d,
                                           const std::vector<std::string>& extra = {}) {
    std::vector<std::string> args = {"--home", d.home.string(), "sync", "--backoff-ms",
                                     "50",     "--attempts",    "40"};
    args.insert(args.end(), extra.begin(), extra.end());
    auto s = std::make_unique<BackgroundSync>();
    s->handle = std::make_unique<Poco::ProcessHandle>(
        Poco::Process::launch(field_bin, args, nullptr, &s->out, &s->err));
    return s;
}

uint64_t changesets_written(const Device& d) {
    ocop::SqliteStore store(d.db().string());
    return std::stoull(store.meta("local_changeset_seq").value_or("0"));
}

}  // namespace

TEST_CASE("server killed at random points during pushes and pulls loses nothing", "[e2e][crash]") {
    const int kills = kills_requested();
    const auto root = temp_dir("ocop-crash-server");
    const auto data = root / "server";
    add_user(data, "doan.kiem.tra", "mat-khau-doan-2026");
    grant(data, "doan.kiem.tra", "inspector", kUnit);
    ServerProcess server(server_bin, data, free_port());
    server.start();
    std::vector<Device> devices = {{root / "d1"}, {root / "d2"}, {root / "d3"}};
    for (const auto& d : devices) d.login(server.url(), "doan.kiem.tra", "mat-khau-doan-2026");

    std::mt19937 rng(20261123);
    std::uniform_int_distribution<int> delay_ms(0, 60);
    for (int k = 0; k < kills; ++k) {
        INFO("kill " << k);
        for (size_t i = 0; i < devices.size(); ++i)
            put_inspections(devices[i], 1 + static_cast<int>(rng() % 3), "k" + std::to_string(k));
        std::vector<std::unique_ptr<BackgroundSync>> syncs;
        for (const auto& d : devices) syncs.push_back(start_sync(d, {"--page-cells", "7"}));
        std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms(rng)));
        server.kill();
        server.start();
        for (auto& s : syncs) s->handle->wait();  // they retry until the server is back
    }

    // Heal: everyone syncs until complete, twice around so each sees the others' last pushes.
    for (int round = 0; round < 2; ++round)
        for (const auto& d : devices) {
            const RunResult r = d.cmd({"sync", "--backoff-ms", "50"});
            INFO(r.err);
            REQUIRE(r.exit_code == 0);
        }
    server.stop();

    if (!testing_postgresql()) {  // SQLite's own check of the file; PostgreSQL keeps its own
        ocop::SqliteStore store((data / "ocop.db").string());
        CHECK(store.integrity_check() == "ok");
    }
    for (const auto& d : devices) {
        const uint64_t written = changesets_written(d);
        CHECK(d.ok({"status"})["pending"] == 0);
        ocop::SqliteStore store(d.db().string());
        const AppliedChangesets applied =
            applied_changesets_of(data.string(), store.meta("replica_id").value());
        CHECK(static_cast<uint64_t>(applied.count) == written);  // exactly once each
        CHECK(applied.min == 1);
        CHECK(static_cast<uint64_t>(applied.max) == written);
    }
    const CellDump on_server = dump_server_cells(data);
    for (const auto& d : devices) CHECK(dump_cells(d.db()) == on_server);
    std::printf("crash test: %d server kills, %zu cells converged on 3 devices\n", kills,
                on_server.size());
    std::filesystem::remove_all(root);
}

TEST_CASE("a device killed while applying pull pages resumes without loss or duplication",
          "[e2e][crash]") {
    const auto root = temp_dir("ocop-crash-device");
    const auto data = root / "server";
    add_user(data, "can.bo.xa", "mat-khau-xa-2026");
    grant(data, "can.bo.xa", "inspector", kUnit);
    ServerProcess server(server_bin, data, free_port());
    server.start();
    Device writer{root / "writer"}, reader{root / "reader"};
    writer.login(server.url(), "can.bo.xa", "mat-khau-xa-2026");
    reader.login(server.url(), "can.bo.xa", "mat-khau-xa-2026");
    put_inspections(writer, 60, "w");
    REQUIRE(writer.cmd({"sync"}).exit_code == 0);

    std::mt19937 rng(7);
    int killed = 0;
    for (int k = 0; k < 30; ++k) {
        auto p = start_sync(reader, {"--page-cells", "3"});
        std::this_thread::sleep_for(std::chrono::milliseconds(rng() % 40));
        if (Poco::Process::isRunning(*p->handle)) {
            ::kill(p->handle->id(), SIGKILL);
            ++killed;
        }
        p->handle->wait();
    }
    const RunResult last = reader.cmd({"sync", "--page-cells", "3"});
    INFO(last.err);
    REQUIRE(last.exit_code == 0);
    CHECK(killed > 0);
    server.stop();
    {
        ocop::SqliteStore store(reader.db().string());
        CHECK(store.integrity_check() == "ok");
    }
    const CellDump on_server = dump_server_cells(data);
    CHECK(on_server.size() == 60 * 5);
    CHECK(dump_cells(reader.db()) == on_server);
    std::filesystem::remove_all(root);
}
