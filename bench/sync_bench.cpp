// Sync benchmark with the real ocop-server, over plain HTTP on loopback and over HTTPS (a
// self-signed certificate made at run time with openssl, as the end-to-end tests do), in one run:
//
//   limits   the machine's limits, measured first on the same cells: a raw JSON parse of them
//            (nlohmann, no decoding into structs) and a raw SQLite upsert of them (WAL,
//            synchronous=FULL, 5,000 cells a transaction), and the two in series;
//   push     D devices (default 4) push N/D field changes each at once (durable, FULL);
//   pull     a fresh ocop-field device, its own process, pulls all N (start-up and peak RSS of
//            that process included);
//   burst    a deadline burst: 1,000 syncs of devices 30 at a time, each pushing one form and
//            pulling what the others pushed, against a live server (syncs/s, p50, p99).
//
// Every change rate is also printed as a ratio to the serial parse + upsert limit. The figures
// go out as a table, or with --json as one JSON object.
// Usage: ocop-sync-bench [--changes N] [--devices D] [--burst-syncs S] [--burst-concurrency C]
//                        [--transport http|https|both] [--json]
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <Poco/Net/ServerSocket.h>

#include <algorithm>
#include <array>
#include <fstream>
#include <iostream>
#include <map>
#include <mutex>
#include <optional>
#include <thread>

#include "bench_util.hpp"
#include "ocop/core/changeset_codec.hpp"
#include "ocop/sdk/database.hpp"
#include "ocop/sync/http_transport.hpp"
#include "raw_upsert.hpp"
#include "realistic_data.hpp"

extern char** environ;

using namespace ocop;
using nlohmann::json;

namespace {

// Thrown, not exited, so that the servers started so far are stopped on the way out.
struct BenchFailure : std::runtime_error {
    using std::runtime_error::runtime_error;
};
[[noreturn]] void fail(const std::string& why) {
    throw BenchFailure(why);
}

// Runs fn(i) for i in [0, n) on n threads; the first failure of any is rethrown after all end.
template <class Fn>
void on_threads(size_t n, Fn fn) {
    std::mutex m;
    std::exception_ptr first;
    std::vector<std::thread> threads;
    for (size_t i = 0; i < n; ++i)
        threads.emplace_back([&, i] {
            try {
                fn(i);
            } catch (...) {
                std::lock_guard lock(m);
                if (!first) first = std::current_exception();
            }
        });
    for (auto& t : threads) t.join();
    if (first) std::rethrow_exception(first);
}

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

// Runs a binary with arguments and stdin text; returns its output, exit code, wall time and peak
// RSS.
ChildResult run_child(const std::string& bin, const std::vector<std::string>& args,
                      const std::string& input = {}, bool quiet = false) {
    // Named by this process: two benchmarks may run at once (other worktrees of the same tree).
    const auto dir = std::filesystem::temp_directory_path();
    const std::string me = std::to_string(getpid());
    const auto in_path = dir / ("ocop-bench-stdin-" + me),
               out_path = dir / ("ocop-bench-stdout-" + me);
    std::ofstream(in_path) << input;
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, in_path.c_str(), O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 1, out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (quiet) posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
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
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    r.seconds = sw.seconds();
    posix_spawn_file_actions_destroy(&fa);
    r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    std::ifstream f(out_path);
    r.out.assign(std::istreambuf_iterator<char>(f), {});
    std::filesystem::remove(in_path);
    std::filesystem::remove(out_path);
    return r;
}

int free_port() {
    Poco::Net::ServerSocket s(Poco::Net::SocketAddress("127.0.0.1", 0));
    return s.address().port();
}

struct Options {
    size_t changes = 1000000;
    size_t devices = 4;
    size_t burst_syncs = 1000;
    // 50 in the issue; but on loopback every device shares 127.0.0.1, and the server admits at
    // most 32 connections per address (server tuning http_max_connections_per_address).
    size_t burst_concurrency = 30;
    std::vector<std::string> transports{"http", "https"};
    bool json = false;
};

// ---- the machine's limits, on the same cells ----------------------------------------------

struct Limits {
    double parse = 0;   // raw JSON parse, changes/s
    double upsert = 0;  // raw SQLite upsert, changes/s
    double serial() const { return 1.0 / (1.0 / parse + 1.0 / upsert); }
};

Limits measure_limits(size_t changes, const std::filesystem::path& dir) {
    // The cells the devices write: the same generator, in forms of 50 records (one changeset).
    bench::InspectionGenerator gen(100, "bench");
    std::vector<std::string> texts;
    std::vector<std::array<std::string, 3>> keys;  // record id, field, value as stored (JSON)
    int64_t ms = 1780000000000;
    for (size_t done = 0; done < changes;) {
        Changeset cs;
        cs.replica = gen.new_id(1);
        cs.seq = texts.size() + 1;
        cs.schema_version = 1;
        cs.hlc = Hlc{++ms, 0};
        for (int r = 0; r < 50 && done < changes; ++r) {
            RecordChange rec{"inspection", gen.new_id(ms), gen.inspection_fields()};
            for (const auto& f : rec.fields) keys.push_back({rec.id, f.field, f.value.dump()});
            done += rec.fields.size();
            cs.records.push_back(std::move(rec));
        }
        texts.push_back(codec::encode(cs));
    }
    Limits l;
    {
        bench::Stopwatch sw;
        size_t parsed = 0;
        for (const auto& t : texts) parsed += json::parse(t).size();
        if (parsed == 0) fail("raw parse saw nothing");
        l.parse = static_cast<double>(keys.size()) / sw.seconds();
    }
    bench::RawUpsert raw((dir / "raw-upsert.db").string());
    constexpr size_t per_txn = 5000;  // one pull page of cells, 500 changesets of one form
    bench::Stopwatch sw;
    for (size_t i = 0; i < keys.size(); i += per_txn) {
        raw.begin();
        for (size_t j = i; j < std::min(i + per_txn, keys.size()); ++j)
            raw.put("inspection", keys[j][0], keys[j][1], keys[j][2]);
        raw.commit();
    }
    l.upsert = static_cast<double>(keys.size()) / sw.seconds();
    return l;
}

// ---- a live server -----------------------------------------------------------------------

const std::string kPassword = "bench-password-2026";

class LiveServer {
  public:
    // `tls`: serve HTTPS with a self-signed certificate for 127.0.0.1 made now with openssl.
    LiveServer(const std::filesystem::path& dir, bool tls, const std::string& user) : dir_(dir) {
        std::filesystem::create_directories(dir);
        const std::string data = (dir / "server").string();
        if (run_child(OCOP_ADMIN_BIN, {"--data", data, "user", "add", user}, kPassword + "\n")
                .exit_code != 0)
            fail("ocop-admin user add failed");
        // The user leads inspections (it writes signed minutes) in every commune the generator
        // writes to.
        for (const auto& unit : bench::InspectionGenerator::units())
            if (run_child(OCOP_ADMIN_BIN, {"--data", data, "user", "grant", user, "team_lead", unit,
                                           "--allow-unknown-unit"})
                    .exit_code != 0)
                fail("ocop-admin user grant failed");
        std::vector<std::string> args{"--data", data, "--log-level", "warning"};
        const int port = free_port();
        args.insert(args.end(), {"--port", std::to_string(port)});
        if (tls) {
            ca_ = (dir / "cert.pem").string();
            const std::string key = (dir / "key.pem").string();
            const ChildResult r = run_child(
                "/usr/bin/openssl",
                {"req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                 "-nodes", "-keyout", key, "-out", ca_, "-days", "2", "-subj", "/CN=localhost",
                 "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"},
                {}, /*quiet=*/true);
            if (r.exit_code != 0) fail("openssl could not make a self-signed certificate");
            args.insert(args.end(), {"--tls-cert", ca_, "--tls-key", key});
        } else {
            args.push_back("--plain-http");
        }
        url_ = std::string(tls ? "https" : "http") + "://127.0.0.1:" + std::to_string(port);
        // The server's own output goes to a log file, so that --json output stays one object.
        const std::string log = (dir / "server.log").string();
        posix_spawn_file_actions_t fa;
        posix_spawn_file_actions_init(&fa);
        posix_spawn_file_actions_addopen(&fa, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
        posix_spawn_file_actions_adddup2(&fa, 1, 2);
        std::vector<char*> argv{const_cast<char*>(OCOP_SERVER_BIN)};
        for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
        argv.push_back(nullptr);
        const int spawned = posix_spawn(&pid_, OCOP_SERVER_BIN, &fa, nullptr, argv.data(), environ);
        posix_spawn_file_actions_destroy(&fa);
        if (spawned != 0) fail("cannot start " + std::string(OCOP_SERVER_BIN));
        sync::HttpOptions http;
        http.ca_file = ca_;
        sync::HttpTransport health(url_, http);
        for (int i = 0; i < 100; ++i) {
            try {
                if (health.get("/v1/health").status == 200) return;
            } catch (const std::exception&) {
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
        }
        fail("ocop-server did not start");
    }
    ~LiveServer() {
        kill(pid_, SIGINT);  // a clean stop, as systemd would ask
        int status = 0;
        waitpid(pid_, &status, 0);
    }
    const std::string& url() const { return url_; }
    const std::string& ca_file() const { return ca_; }
    double peak_rss_mib() const { return vm_hwm_mib(pid_); }

    std::unique_ptr<sdk::Database> enroll(const std::string& name, const std::string& user) const {
        auto db = sdk::Database::open((dir_ / (name + ".db")).string());
        sdk::EnrollOptions opts;
        opts.ca_file = ca_;
        db->enroll(url_, user, kPassword, opts);
        return db;
    }

  private:
    std::filesystem::path dir_;
    std::string url_, ca_;
    pid_t pid_ = 0;
};

// ---- one transport's figures ---------------------------------------------------------------

struct Figures {
    double setup_s = 0;
    double push_rate = 0, push_bytes_per_change = 0, push_requests_per_device = 0;
    double pull_rate = 0, pull_s = 0, pulled = 0, pull_bytes_per_change = 0, pull_requests = 0;
    double pull_rss_mib = 0, server_rss_mib = 0;
    double burst_rate = 0, burst_p50_ms = 0, burst_p99_ms = 0, burst_max_ms = 0;
    double burst_bytes_per_change = 0;
};

void check_report(const sync::SyncReport& r, const char* what) {
    if (!r.complete)
        fail(std::string(what) + " did not complete: " + r.error_code + " " + r.error_message);
    if (!r.refusals.empty())
        fail(std::string(what) + ": the server refused a changeset: " + r.refusals.front().code +
             " " + r.refusals.front().message);
}

void push_and_pull(const Options& o, bool tls, const std::filesystem::path& dir, Figures& fig) {
    const size_t records_per_device = o.changes / o.devices / 10;
    LiveServer server(dir, tls, "bench");
    std::vector<std::unique_ptr<sdk::Database>> dbs;
    bench::Stopwatch writing;
    for (size_t d = 0; d < o.devices; ++d) {
        auto db = server.enroll("device" + std::to_string(d), "bench");
        bench::InspectionGenerator gen(100 + d, "bench");
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
    fig.setup_s = writing.seconds();

    // Push: every device uploads at once.
    std::vector<sync::SyncReport> reports(o.devices);
    bench::Stopwatch push_sw;
    on_threads(o.devices, [&](size_t d) {
        sync::SyncOptions opts;
        opts.pull = false;
        reports[d] = dbs[d]->sync({}, nullptr, opts);
    });
    const double push_s = push_sw.seconds();
    size_t pushed_bytes = 0, push_requests = 0;
    for (const auto& r : reports) {
        check_report(r, "push");
        pushed_bytes += r.progress.bytes_sent;
        push_requests += r.progress.requests;
    }
    const double pushed = static_cast<double>(o.devices * records_per_device * 10);
    fig.push_rate = pushed / push_s;
    fig.push_bytes_per_change = static_cast<double>(pushed_bytes) / pushed;
    fig.push_requests_per_device =
        static_cast<double>(push_requests) / static_cast<double>(o.devices);
    dbs.clear();

    // Pull: a fresh device, its own process, receives everything.
    const auto home = dir / "fresh-device";
    std::vector<std::string> login{"--home", home.string(), "login", server.url(), "bench"};
    if (tls) login.insert(login.end(), {"--ca-file", server.ca_file()});
    if (run_child(OCOP_FIELD_BIN, login, kPassword + "\n").exit_code != 0)
        fail("ocop-field login failed");
    // OCOP_BENCH_PULL_WRAPPER (e.g. "heaptrack") runs the pulling device under a profiler.
    const char* wrapper = std::getenv("OCOP_BENCH_PULL_WRAPPER");
    const ChildResult pull =
        wrapper ? run_child(wrapper, {OCOP_FIELD_BIN, "--home", home.string(), "sync"})
                : run_child(OCOP_FIELD_BIN, {"--home", home.string(), "sync"});
    if (pull.exit_code != 0) fail("ocop-field sync failed: " + pull.out);
    const json report = json::parse(pull.out);
    fig.pulled = report["pulled"].get<double>();
    if (fig.pulled < pushed)
        fail("the fresh device pulled " + std::to_string(fig.pulled) +
             " changes, fewer than pushed");
    fig.pull_s = pull.seconds;
    fig.pull_rate = fig.pulled / pull.seconds;
    fig.pull_bytes_per_change = report["bytes_received"].get<double>() / fig.pulled;
    fig.pull_requests = report["requests"].get<double>();
    fig.pull_rss_mib = pull.peak_rss_mib;
    fig.server_rss_mib = server.peak_rss_mib();
}

// The deadline burst: `concurrency` devices sync at once, again and again, until `syncs` syncs
// are done; each sync pushes one inspection form (10 changes) and pulls what the others pushed
// since. Devices enroll (one PBKDF2 login each) and sync once before the clock starts.
void burst(const Options& o, bool tls, const std::filesystem::path& dir, Figures& fig) {
    LiveServer server(dir, tls, "burst");
    std::vector<std::unique_ptr<sdk::Database>> dbs(o.burst_concurrency);
    on_threads(dbs.size(), [&](size_t d) {
        dbs[d] = server.enroll("burst" + std::to_string(d), "burst");
        check_report(dbs[d]->sync(), "first sync");
    });
    std::vector<double> latencies_ms;
    std::mutex m;
    size_t next = 0, bytes = 0;
    bench::Stopwatch wall;
    on_threads(dbs.size(), [&](size_t d) {
        bench::InspectionGenerator gen(5000 + d, "burst");
        for (;;) {
            {
                std::lock_guard lock(m);
                if (next == o.burst_syncs) return;
                ++next;
            }
            dbs[d]->write([&](sdk::Transaction& t) {
                FieldValues fields;
                for (auto& f : gen.inspection_fields()) fields[f.field] = f.value;
                t.create("inspection", fields);
            });
            bench::Stopwatch one;
            const sync::SyncReport r = dbs[d]->sync();
            const double ms = one.seconds() * 1000;
            check_report(r, "burst sync");
            std::lock_guard lock(m);
            latencies_ms.push_back(ms);
            bytes += r.progress.bytes_sent;
        }
    });
    const double wall_s = wall.seconds();
    std::sort(latencies_ms.begin(), latencies_ms.end());
    auto pct = [&](double p) {
        const size_t i =
            static_cast<size_t>(p * static_cast<double>(latencies_ms.size() - 1) + 0.5);
        return latencies_ms[i];
    };
    fig.burst_rate = static_cast<double>(latencies_ms.size()) / wall_s;
    fig.burst_p50_ms = pct(0.50);
    fig.burst_p99_ms = pct(0.99);
    fig.burst_max_ms = latencies_ms.back();
    fig.burst_bytes_per_change =
        static_cast<double>(bytes) / (10.0 * static_cast<double>(o.burst_syncs));
}

// ---- output --------------------------------------------------------------------------------

json to_json(const Options& o, const Limits& l, const std::map<std::string, Figures>& runs) {
    json out{{"changes", o.changes},
             {"devices", o.devices},
             {"burst_syncs", o.burst_syncs},
             {"burst_concurrency", o.burst_concurrency},
             {"limits",
              {{"raw_json_parse_changes_per_s", l.parse},
               {"raw_sqlite_upsert_changes_per_s", l.upsert},
               {"serial_parse_upsert_changes_per_s", l.serial()}}}};
    for (const auto& [name, f] : runs) {
        out[name] = {
            {"setup_s", f.setup_s},
            {"push_changes_per_s", f.push_rate},
            {"push_ratio_to_limit", f.push_rate / l.serial()},
            {"push_bytes_per_change", f.push_bytes_per_change},
            {"push_requests_per_device", f.push_requests_per_device},
            {"pull_changes_per_s", f.pull_rate},
            {"pull_ratio_to_limit", f.pull_rate / l.serial()},
            {"pull_seconds", f.pull_s},
            {"pull_changes", f.pulled},
            {"pull_bytes_per_change", f.pull_bytes_per_change},
            {"pull_requests", f.pull_requests},
            {"pull_changes_per_request", f.pulled / f.pull_requests},
            {"pull_peak_rss_mib", f.pull_rss_mib},
            {"server_peak_rss_mib", f.server_rss_mib},
            {"burst_syncs_per_s", f.burst_rate},
            {"burst_p50_ms", f.burst_p50_ms},
            {"burst_p99_ms", f.burst_p99_ms},
            {"burst_max_ms", f.burst_max_ms},
            {"burst_push_bytes_per_change", f.burst_bytes_per_change},
        };
    }
    return out;
}

void print_table(const Options& o, const Limits& l, const std::map<std::string, Figures>& runs) {
    std::printf(
        "ocop sync benchmark: %zu changes from %zu devices; burst of %zu syncs, %zu at a time\n\n",
        o.changes, o.devices, o.burst_syncs, o.burst_concurrency);
    std::printf("machine limits, same cells, this run:\n");
    bench::figure("raw JSON parse", l.parse, "changes/s");
    bench::figure("raw SQLite upsert (WAL, synchronous=FULL)", l.upsert, "changes/s");
    bench::figure("serial parse + upsert (the limit)", l.serial(), "changes/s");
    std::printf("\n%-40s", "figure");
    for (const auto& [name, f] : runs) std::printf(" %14s", name.c_str());
    std::printf("   target\n");
    auto row = [&](const char* label, auto get, const char* fmt, const char* target) {
        std::printf("%-40s", label);
        for (const auto& [name, f] : runs) {
            char cell[64];
            std::snprintf(cell, sizeof cell, fmt, get(f));
            std::printf(" %14s", cell);
        }
        std::printf("   %s\n", target);
    };
    const double lim = l.serial();
    row(
        "push, 4 devices (changes/s)", [](const Figures& f) { return f.push_rate; }, "%.0f",
        ">= 200000");
    row(
        "  ratio to the limit", [&](const Figures& f) { return f.push_rate / lim; }, "%.2f", "");
    row(
        "  bytes on the wire per change", [](const Figures& f) { return f.push_bytes_per_change; },
        "%.1f", "");
    row(
        "  requests per device", [](const Figures& f) { return f.push_requests_per_device; },
        "%.1f", "");
    row(
        "pull, fresh device incl. start (ch/s)", [](const Figures& f) { return f.pull_rate; },
        "%.0f", ">= 300000");
    row(
        "  ratio to the limit", [&](const Figures& f) { return f.pull_rate / lim; }, "%.2f", "");
    row(
        "  seconds", [](const Figures& f) { return f.pull_s; }, "%.2f", "< 3.5 (1M)");
    row(
        "  requests", [](const Figures& f) { return f.pull_requests; }, "%.0f", "<= 1 per 10000");
    row(
        "  changes per request", [](const Figures& f) { return f.pulled / f.pull_requests; },
        "%.0f", ">= 10000");
    row(
        "  bytes on the wire per change", [](const Figures& f) { return f.pull_bytes_per_change; },
        "%.1f", "");
    row(
        "  peak RSS of the device (MiB)", [](const Figures& f) { return f.pull_rss_mib; }, "%.1f",
        "< 64");
    row(
        "peak RSS of the server (MiB)", [](const Figures& f) { return f.server_rss_mib; }, "%.1f",
        "");
    row(
        "burst (syncs/s)", [](const Figures& f) { return f.burst_rate; }, "%.0f", "");
    row(
        "  p50 (ms)", [](const Figures& f) { return f.burst_p50_ms; }, "%.0f", "");
    row(
        "  p99 (ms)", [](const Figures& f) { return f.burst_p99_ms; }, "%.0f", "< 250");
    row(
        "  max (ms)", [](const Figures& f) { return f.burst_max_ms; }, "%.0f", "");
    row(
        "  push bytes on the wire per change",
        [](const Figures& f) { return f.burst_bytes_per_change; }, "%.1f", "");
    row(
        "(set-up: writing on devices, s)", [](const Figures& f) { return f.setup_s; }, "%.1f", "");
}

Options parse_options(int argc, char** argv) {
    Options o;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        if (a == "--json") {
            o.json = true;
            continue;
        }
        if (i + 1 >= argc) fail("option " + a + " needs a value");
        const std::string v = argv[++i];
        if (a == "--changes")
            o.changes = std::strtoull(v.c_str(), nullptr, 10);
        else if (a == "--devices")
            o.devices = std::strtoull(v.c_str(), nullptr, 10);
        else if (a == "--burst-syncs")
            o.burst_syncs = std::strtoull(v.c_str(), nullptr, 10);
        else if (a == "--burst-concurrency")
            o.burst_concurrency = std::strtoull(v.c_str(), nullptr, 10);
        else if (a == "--transport")
            o.transports = v == "both" ? std::vector<std::string>{"http", "https"}
                                       : std::vector<std::string>{v};
        else
            fail("unknown option " + a);
    }
    if (o.devices == 0 || o.changes < 10 * o.devices)
        fail("need --devices >= 1 and --changes >= 10 per device");
    if (o.burst_concurrency == 0 || o.burst_syncs < o.burst_concurrency)
        fail("need --burst-concurrency >= 1 and --burst-syncs >= --burst-concurrency");
    for (const auto& t : o.transports)
        if (t != "http" && t != "https") fail("--transport is http, https or both");
    return o;
}

}  // namespace

int run(int argc, char** argv) {
    const Options o = parse_options(argc, argv);
    const auto dir = bench::fresh_temp_dir("ocop-sync-bench-" + std::to_string(getpid()));
    auto progress = [&](const std::string& what) {
        if (!o.json) std::fprintf(stderr, "ocop-sync-bench: %s\n", what.c_str());
    };
    progress("measuring the machine's limits");
    const Limits limits = measure_limits(o.changes, dir);
    std::map<std::string, Figures> runs;
    for (const auto& t : o.transports) {
        const bool tls = t == "https";
        Figures& f = runs[t];
        progress(t + ": push and pull");
        push_and_pull(o, tls, dir / (t + "-bulk"), f);
        progress(t + ": burst");
        burst(o, tls, dir / (t + "-burst"), f);
    }
    if (o.json)
        std::cout << to_json(o, limits, runs).dump(2) << "\n";
    else
        print_table(o, limits, runs);
    std::filesystem::remove_all(dir);
    return 0;
}

int main(int argc, char** argv) {
    try {
        return run(argc, argv);
    } catch (const std::exception& e) {
        std::cerr << "ocop-sync-bench: " << e.what() << "\n";
        return 1;
    }
}
