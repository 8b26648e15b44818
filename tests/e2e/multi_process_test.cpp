// Several ocop-server processes on one PostgreSQL database behind haproxy, configured from the
// shipped packaging/haproxy/ocop-server.cfg (issue 13): 20 devices write and sync in parallel
// with requests balanced at random, one process is killed with SIGKILL mid-run, and at the end
// every replica holds the server's cells, every changeset was applied once, every record written
// is there and every conflict was recorded once. A changeset pushed through one process and sent
// again through another is answered from its receipt.
#include <Poco/Process.h>

#include <atomic>
#include <fstream>
#include <mutex>
#include <regex>
#include <set>
#include <sstream>

#include "e2e_support.hpp"

using namespace ocop::test;
using nlohmann::json;

namespace {

const std::string kPassword = "mat-khau-tinh-2026";
constexpr int kServers = 3;
constexpr int kDevices = 20;
constexpr int kRounds = 3;
constexpr int kParallel = 6;

// The shipped configuration with the test's addresses: a plain-HTTP bind on loopback (TLS is not
// what this test is about) and the processes at their free ports. Everything else as shipped.
std::string derived_haproxy_config(int port, const std::vector<int>& server_ports) {
    std::ifstream in(OCOP_SOURCE_DIR "/packaging/haproxy/ocop-server.cfg");
    REQUIRE(in);
    std::ostringstream out;
    const std::regex bind(R"(^(\s*)bind .*$)");
    const std::regex server(R"(^(\s*server p)(\d)( 127\.0\.0\.1:)\d+(.*)$)");
    int servers_seen = 0;
    for (std::string line; std::getline(in, line);) {
        std::smatch m;
        if (std::regex_match(line, m, bind)) {
            line = m[1].str() + "bind 127.0.0.1:" + std::to_string(port);
        } else if (std::regex_match(line, m, server)) {
            const int n = std::stoi(m[2].str());
            REQUIRE(n >= 1);
            REQUIRE(n <= static_cast<int>(server_ports.size()));
            line = m[1].str() + m[2].str() + m[3].str() +
                   std::to_string(server_ports[static_cast<size_t>(n - 1)]) + m[4].str();
            ++servers_seen;
        }
        out << line << "\n";
    }
    REQUIRE(servers_seen == static_cast<int>(server_ports.size()));
    return out.str();
}

// haproxy in the foreground (-db), its request log in a file of the test's directory.
class Haproxy {
  public:
    Haproxy(const std::filesystem::path& dir, const std::vector<int>& server_ports)
        : port_(free_port()) {
        const auto cfg = dir / "haproxy.cfg";
        std::ofstream(cfg) << derived_haproxy_config(port_, server_ports);
        const std::string command = "exec " OCOP_HAPROXY_BIN " -db -f '" + cfg.string() + "' > '" +
                                    (dir / "haproxy.log").string() + "' 2>&1";
        handle_ = std::make_unique<Poco::ProcessHandle>(
            Poco::Process::launch("/bin/sh", {"-c", command}));
        wait_healthy();
    }
    ~Haproxy() {
        Poco::Process::kill(*handle_);
        handle_->wait();
    }
    Haproxy(const Haproxy&) = delete;
    Haproxy& operator=(const Haproxy&) = delete;
    std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

  private:
    int port_;
    std::unique_ptr<Poco::ProcessHandle> handle_;

    void wait_healthy() const {
        ocop::sync::HttpOptions quick;
        quick.connect_timeout = std::chrono::seconds(1);
        quick.request_timeout = std::chrono::seconds(2);
        ocop::sync::HttpTransport health(url(), quick);
        for (int i = 0; i < 100; ++i) {
            try {
                if (health.get("/v1/health").status == 200) return;
            } catch (const std::exception&) {
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
        }
        FAIL("haproxy did not answer /v1/health");
    }
};

// Retries long enough to outlast a killed process and haproxy noticing it (checks every 2 s).
RunResult sync_device(const Device& d) {
    return d.cmd({"sync", "--backoff-ms", "100", "--attempts", "40"});
}

void sync_ok_across_kill(const Device& d) {
    const RunResult r = sync_device(d);
    INFO("sync stderr: " << r.err << " stdout: " << r.out);
    REQUIRE(r.exit_code == 0);
}

uint64_t changesets_written(const Device& d) {
    ocop::SqliteStore store(d.db().string());
    return std::stoull(store.meta("local_changeset_seq").value_or("0"));
}

std::string replica_of(const Device& d) {
    ocop::SqliteStore store(d.db().string());
    return store.meta("replica_id").value();
}

// How many conflict records the cells hold for each (record, field).
std::map<std::pair<std::string, std::string>, int> conflicts_per_cell(const CellDump& cells) {
    std::map<std::string, std::pair<std::string, std::string>> of_conflict;
    for (const auto& [key, value] : cells) {
        const auto& [collection, id, field] = key;
        if (collection != "conflict") continue;
        if (field == "record_id") of_conflict[id].first = json::parse(value.first);
        if (field == "field") of_conflict[id].second = json::parse(value.first);
    }
    std::map<std::pair<std::string, std::string>, int> count;
    for (const auto& [id, cell] : of_conflict) ++count[cell];
    return count;
}

// Runs `work` for every device index, at most kParallel at once (the machine has few cores).
void for_each_device_parallel(const std::function<void(int)>& work) {
    std::atomic<int> next{0};
    std::vector<std::thread> workers;
    for (int w = 0; w < kParallel; ++w)
        workers.emplace_back([&] {
            for (int i = next++; i < kDevices; i = next++) work(i);
        });
    for (auto& t : workers) t.join();
}

}  // namespace

TEST_CASE("three processes behind haproxy, one killed mid-run: replicas converge, exactly once",
          "[e2e][multi-process][postgresql]") {
    if (!testing_postgresql()) {
        WARN("several processes share a database only on PostgreSQL");
        return;
    }
    const auto root = temp_dir("ocop-multi-process");
    // One data directory for every process: one schema (pg_schema_for) and one blob directory,
    // as on a host running several processes (docs/postgresql.md).
    const auto data = root / "server";
    const std::vector<std::string> users = {"can.bo.an", "can.bo.binh", "can.bo.chi",
                                            "can.bo.dung"};
    for (const auto& u : users) {
        add_user(data, u, kPassword);
        grant(data, u, "inspector", kUnit);
    }
    std::vector<std::unique_ptr<ServerProcess>> servers;
    std::vector<int> ports;
    for (int i = 0; i < kServers; ++i) {
        ports.push_back(free_port());
        servers.push_back(std::make_unique<ServerProcess>(
            server_bin, data, ports.back(),
            std::vector<std::string>{"--trusted-proxies", "127.0.0.1"}));
        servers.back()->start();
    }
    Haproxy proxy(root, ports);

    // Exactly once across processes: a changeset pushed through process 1, its answer "lost"
    // (the device's state from before the push is put back) and sent again through process 3.
    std::string direct_id;
    {
        const Device first{root / "direct"}, again{root / "direct-again"};
        first.login(servers[0]->url(), users[0], kPassword);
        direct_id = put_inspection(first, "Chợ Châu Đốc");
        std::filesystem::copy(first.home, again.home, std::filesystem::copy_options::recursive);
        sync_ok_across_kill(first);
        const CellDump before = dump_server_cells(data);
        {
            ocop::SqliteStore store(again.db().string());
            store.write(
                [&](ocop::StoreTxn& t) { t.set_meta("sdk_server_url", servers[2]->url()); });
        }
        sync_ok_across_kill(again);
        CHECK(again.ok({"status"})["pending"] == 0);
        const AppliedChangesets applied = applied_changesets_of(data.string(), replica_of(first));
        CHECK(applied.count == 1);
        CHECK(applied.distinct == 1);
        CHECK(dump_server_cells(data) == before);
        CHECK(inspections(before).count(direct_id) == 1);
    }

    std::vector<Device> devices;
    for (int i = 0; i < kDevices; ++i) {
        devices.push_back(Device{root / ("phone-" + std::to_string(i))});
        devices.back().login(proxy.url(), users[static_cast<size_t>(i) % users.size()], kPassword);
    }
    // Devices 2k and 2k+1 (one unit, one team) share a record, both know it, and then both set its
    // site name before seeing each other's: one conflict each pair, wherever the pushes land.
    std::vector<std::string> shared;
    for (int k = 0; k < kDevices / 2; ++k) {
        shared.push_back(put_inspection(devices[2 * k], "Chung " + std::to_string(k)));
        sync_ok_across_kill(devices[2 * k]);
        sync_ok_across_kill(devices[2 * k + 1]);
    }
    for (int i = 0; i < kDevices; ++i)
        devices[i].ok({"put", "inspection", "--id", shared[static_cast<size_t>(i / 2)],
                       "site_name=Tên của máy " + std::to_string(i)});

    // Rounds of writes and syncs through haproxy; process 2 is killed once half the syncs are
    // done, with others in flight. Catch's assertions are not thread-safe: the workers collect
    // what went wrong and the test checks it afterwards.
    std::mutex mutex;
    std::set<std::string> written = {shared.begin(), shared.end()};
    written.insert(direct_id);
    std::vector<std::string> errors;
    std::atomic<int> syncs_started{0};
    std::atomic<bool> killed{false};
    std::atomic<int> failed_syncs{0};
    for (int round = 0; round < kRounds; ++round)
        for_each_device_parallel([&](int i) {
            const Device& d = devices[static_cast<size_t>(i)];
            const auto tag = std::to_string(round) + " máy " + std::to_string(i);
            const RunResult added =
                d.cmd({"put", "inspection", "kind=market_point", "site_name=Vòng " + tag,
                       "started_at=2026-11-20T08:00:00+07:00", "status=draft", "unit=" + kUnit});
            // Each of a pair edits its own field of the shared record: no further conflicts.
            const std::string edit = i % 2 == 0
                                         ? "conclusion=Kết luận " + tag
                                         : "gps_lat=10." + std::to_string(100 + 20 * round + i);
            const RunResult edited =
                d.cmd({"put", "inspection", "--id", shared[static_cast<size_t>(i / 2)], edit});
            {
                std::lock_guard lock(mutex);
                if (added.exit_code == 0)
                    written.insert(json::parse(added.out)["id"].get<std::string>());
                for (const RunResult* r : {&added, &edited})
                    if (r->exit_code != 0) errors.push_back(r->err);
            }
            if (syncs_started++ == kDevices * kRounds / 2 && !killed.exchange(true))
                servers[1]->kill();
            // A sync may still give up here; what matters is the end state after the heal.
            if (sync_device(d).exit_code != 0) ++failed_syncs;
        });
    for (const auto& e : errors) UNSCOPED_INFO(e);
    CHECK(errors.empty());
    REQUIRE(killed);

    // Heal: everyone syncs until quiet, twice around so each sees the others' last pushes.
    for (int round = 0; round < 2; ++round)
        for (const auto& d : devices) sync_ok_across_kill(d);
    for (const auto& s : servers) s->stop();

    const CellDump on_server = dump_server_cells(data);
    CHECK(inspections(on_server) == written);
    for (const auto& d : devices) {
        CHECK(d.ok({"status"})["pending"] == 0);
        CHECK(dump_cells(d.db()) == on_server);
        const AppliedChangesets applied = applied_changesets_of(data.string(), replica_of(d));
        const auto written_here = static_cast<int64_t>(changesets_written(d));
        CHECK(applied.count == written_here);  // nothing applied twice...
        CHECK(applied.distinct == written_here);
        CHECK(applied.min == 1);
        CHECK(applied.max == written_here);  // ...and nothing missing
    }
    const auto conflicts = conflicts_per_cell(on_server);
    for (const auto& id : shared) CHECK(conflicts.count({id, "site_name"}) == 1);
    for (const auto& [cell, count] : conflicts) {
        INFO(cell.first << " " << cell.second);
        CHECK(count == 1);
    }
    for (const auto& d : devices) CHECK(d.ok({"conflicts"}).size() == shared.size());
    std::printf(
        "multi-process test: %zu cells, %zu inspections, %d syncs gave up before the heal\n",
        on_server.size(), written.size(), failed_syncs.load());
    std::filesystem::remove_all(root);
}
