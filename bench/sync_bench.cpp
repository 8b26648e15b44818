// Sync benchmark over loopback HTTP with the real ocop-server: D devices each push C field
// changes, then a fresh ocop-field device pulls everything. Prints changes/s for push and pull,
// bytes on the wire per change, requests per sync, and peak RSS of the server and of the pulling
// device.
// Usage: ocop-sync-bench [--changes N] [--devices D]   (defaults: 1,000,000 and 4)
#include <fcntl.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include <Poco/Net/ServerSocket.h>
#include <Poco/Process.h>

#include <fstream>
#include <iostream>
#include <thread>

#include "bench_util.hpp"
#include "ocop/sdk/database.hpp"
#include "ocop/sync/http_transport.hpp"
#include "realistic_data.hpp"

extern char** environ;

using namespace ocop;
using nlohmann::json;

namespace {

double vm_hwm_mib(int pid) {
    std::ifstream f("/proc/" + std::to_string(pid) + "/status");
    std::string line;
    while (std::getline(f, line))
        if (line.rfind("VmHWM:", 0) == 0) return std::stod(line.substr(6)) / 1024.0;
    return 0;
}

struct ChildResult {
    int exit_code = -1;
    std::string out;
    double peak_rss_mib = 0;
    double seconds = 0;
};

// Runs a binary with arguments and stdin text; returns its output, exit code and peak RSS.
ChildResult run_child(const std::string& bin, const std::vector<std::string>& args,
                      const std::string& input = {}) {
    const auto dir = std::filesystem::temp_directory_path();
    const auto in_path = dir / "ocop-bench-stdin", out_path = dir / "ocop-bench-stdout";
    std::ofstream(in_path) << input;
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, in_path.c_str(), O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 1, out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    std::vector<char*> argv{const_cast<char*>(bin.c_str())};
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    bench::Stopwatch sw;
    pid_t pid = 0;
    ChildResult r;
    if (posix_spawn(&pid, bin.c_str(), &fa, nullptr, argv.data(), environ) != 0) return r;
    // ru_maxrss of a spawned child includes the parent's RSS at the moment of exec (Linux keeps
    // the old mm's high-water mark), so read the child's own VmHWM while it runs instead.
    int status = 0;
    while (waitpid(pid, &status, WNOHANG) == 0) {
        r.peak_rss_mib = std::max(r.peak_rss_mib, vm_hwm_mib(pid));
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    r.seconds = sw.seconds();
    posix_spawn_file_actions_destroy(&fa);
    r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    std::ifstream f(out_path);
    r.out.assign(std::istreambuf_iterator<char>(f), {});
    return r;
}

int free_port() {
    Poco::Net::ServerSocket s(Poco::Net::SocketAddress("127.0.0.1", 0));
    return s.address().port();
}

[[noreturn]] void fail(const std::string& why) {
    std::cerr << "ocop-sync-bench: " << why << "\n";
    std::exit(1);
}

}  // namespace

int main(int argc, char** argv) {
    size_t changes = 1000000, devices = 4;
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string a = argv[i];
        if (a == "--changes")
            changes = std::strtoull(argv[i + 1], nullptr, 10);
        else if (a == "--devices")
            devices = std::strtoull(argv[i + 1], nullptr, 10);
        else
            fail("unknown option " + a);
    }
    if (changes < 10 * devices || devices == 0)
        fail("need --devices >= 1 and --changes >= 10 per device");
    const size_t records_per_device = changes / devices / 10;

    const auto dir = bench::fresh_temp_dir("ocop-sync-bench");
    const std::string password = "bench-password-2026";
    if (run_child(OCOP_ADMIN_BIN, {"--data", (dir / "server").string(), "user", "add", "bench"},
                  password + "\n")
            .exit_code != 0)
        fail("ocop-admin user add failed");
    // The bench user leads inspections (it writes signed minutes) in every commune the generator
    // writes to.
    for (const auto& unit : bench::InspectionGenerator::units())
        if (run_child(OCOP_ADMIN_BIN,
                      {"--data", (dir / "server").string(), "user", "grant", "bench", "team_lead",
                       unit, "--allow-unknown-unit"},
                      "")
                .exit_code != 0)
            fail("ocop-admin user grant failed");
    const int port = free_port();
    const std::string url = "http://127.0.0.1:" + std::to_string(port);
    Poco::ProcessHandle server = Poco::Process::launch(
        OCOP_SERVER_BIN, {"--data", (dir / "server").string(), "--port", std::to_string(port),
                          "--log-level", "warning", "--plain-http"});  // the sync cost, not TLS
    {
        sync::HttpTransport health(url);
        bool up = false;
        for (int i = 0; i < 100 && !up; ++i) {
            try {
                up = health.get("/v1/health").status == 200;
            } catch (const std::exception&) {
                std::this_thread::sleep_for(std::chrono::milliseconds(100));
            }
        }
        if (!up) fail("ocop-server did not start");
    }

    std::printf("ocop sync benchmark: %zu devices x %zu records x 10 fields over %s\n", devices,
                records_per_device, url.c_str());
    std::vector<std::unique_ptr<sdk::Database>> dbs;
    bench::Stopwatch writing;
    for (size_t d = 0; d < devices; ++d) {
        auto db = sdk::Database::open((dir / ("device" + std::to_string(d) + ".db")).string());
        db->enroll(url, "bench", password);
        bench::InspectionGenerator gen(100 + d);
        constexpr size_t per_txn = 50;  // a form save is one changeset; batch to keep set-up short
        for (size_t r = 0; r < records_per_device; r += per_txn)
            db->write([&](sdk::Transaction& t) {
                for (size_t k = r; k < std::min(r + per_txn, records_per_device); ++k) {
                    FieldValues fields;
                    for (auto& f : gen.inspection_fields()) fields[f.field] = f.value;
                    t.create("inspection", fields);
                }
            });
        dbs.push_back(std::move(db));
    }
    std::printf("  (set-up: %zu field changes written on devices in %.1f s)\n",
                devices * records_per_device * 10, writing.seconds());

    // Push: every device uploads at once.
    std::vector<sync::SyncReport> reports(devices);
    bench::Stopwatch push_sw;
    {
        std::vector<std::thread> threads;
        for (size_t d = 0; d < devices; ++d)
            threads.emplace_back([&, d] {
                sync::SyncOptions opts;
                opts.pull = false;
                reports[d] = dbs[d]->sync({}, nullptr, opts);
            });
        for (auto& t : threads) t.join();
    }
    const double push_s = push_sw.seconds();
    size_t pushed_bytes = 0, push_requests = 0;
    for (const auto& r : reports) {
        if (!r.complete) fail("push did not complete: " + r.error_code + " " + r.error_message);
        if (!r.refusals.empty())
            fail("the server refused a pushed changeset: " + r.refusals.front().code + " " +
                 r.refusals.front().message);
        pushed_bytes += r.progress.bytes_sent;
        push_requests += r.progress.requests;
    }
    const double pushed = static_cast<double>(devices * records_per_device * 10);
    const double server_rss_after_push = vm_hwm_mib(server.id());

    // Pull: a fresh device (its own process) receives everything.
    const auto home = dir / "fresh-device";
    if (run_child(OCOP_FIELD_BIN, {"--home", home.string(), "login", url, "bench"}, password + "\n")
            .exit_code != 0)
        fail("ocop-field login failed");
    // OCOP_BENCH_PULL_WRAPPER (e.g. "heaptrack") runs the pulling device under a profiler.
    const char* wrapper = std::getenv("OCOP_BENCH_PULL_WRAPPER");
    const ChildResult pull =
        wrapper ? run_child(wrapper, {OCOP_FIELD_BIN, "--home", home.string(), "sync"})
                : run_child(OCOP_FIELD_BIN, {"--home", home.string(), "sync"});
    if (pull.exit_code != 0) fail("ocop-field sync failed: " + pull.out);
    const json report = json::parse(pull.out);
    const double pulled = report["pulled"].get<double>();
    if (pulled < static_cast<double>(devices * records_per_device * 10))
        fail("the fresh device pulled " + std::to_string(pulled) + " changes, fewer than pushed");
    const double server_rss = vm_hwm_mib(server.id());
    Poco::Process::requestTermination(server.id());
    server.wait();

    bench::figure("push", pushed / push_s, "changes/s");
    bench::figure("push: bytes on the wire per change", static_cast<double>(pushed_bytes) / pushed,
                  "B");
    bench::figure("push: requests per device sync", static_cast<double>(push_requests) / devices,
                  "");
    bench::figure("pull (fresh device, incl. process start)", pulled / pull.seconds, "changes/s");
    bench::figure("pull: changes received", pulled, "");
    bench::figure("pull: bytes on the wire per change",
                  report["bytes_received"].get<double>() / pulled, "B");
    bench::figure("pull: requests", report["requests"].get<double>(), "");
    bench::figure("peak RSS, server (after push)", server_rss_after_push, "MiB");
    bench::figure("peak RSS, server (after pull)", server_rss, "MiB");
    bench::figure("peak RSS, pulling device (VmHWM)", pull.peak_rss_mib, "MiB");
    std::filesystem::remove_all(dir);
    return 0;
}
