// Sync benchmark with the real ocop-server, over plain HTTP on loopback and over HTTPS (a
// self-signed certificate made at run time with openssl, as the end-to-end tests do), on SQLite
// (the default) or on PostgreSQL (--database), with one server process or several behind haproxy
// (--processes), in one run:
//
//   limits   the machine's limits, measured first on the same cells: a raw JSON parse of them
//            (nlohmann, no decoding into structs) and a raw SQLite upsert of them (WAL,
//            synchronous=FULL, 5,000 cells a transaction), and the two in series;
//   push     D devices (default 4) push N/D field changes each at once (durable); with several
//            processes the devices are spread over them (over haproxy for https);
//   pull     a fresh ocop-field device, its own process, pulls all N (start-up and peak RSS of
//            that process included);
//   burst    a deadline burst: 1,000 distinct devices of 40 communes, 50 at a time, each pushing
//            one form and pulling what the others of its commune pushed (burst.hpp: syncs/s,
//            p50, p99, max).
//
// Every change rate is also printed as a ratio to the serial parse + upsert limit. The figures
// go out as a table, or with --json as one JSON object. OCOP_BENCH_KEEP=1 keeps the run's
// directory (device stores, server data and logs) instead of removing it at the end.
// Usage: ocop-sync-bench [--changes N] [--devices D] [--burst-devices B] [--burst-communes K]
//                        [--burst-concurrency C]
//                        [--transport http|https|both] [--database URL [--database-schema S]]
//                        [--processes P] [--sync-work-slots N] [--json]
#include <unistd.h>

#include <array>
#include <iostream>
#include <map>

#include "bench_server.hpp"
#include "bench_util.hpp"
#include "burst.hpp"
#include "ocop/core/changeset_codec.hpp"
#include "raw_upsert.hpp"
#include "realistic_data.hpp"

using namespace ocop;
using namespace ocop::bench;
using nlohmann::json;

namespace {

struct Options {
    size_t changes = 1000000;
    size_t devices = 4;
    BurstOptions burst;
    std::vector<std::string> transports{"http", "https"};
    // Empty: SQLite. The schema names the run's schemas (one per server started, dropped at the
    // end); by default one made from the process id, so that runs never share data.
    std::string database, schema;
    size_t processes = 1;
    size_t sync_work_slots = 0;  // 0: the server's default
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

// ---- one transport's figures ---------------------------------------------------------------

struct Figures {
    double setup_s = 0;
    double push_rate = 0, push_bytes_per_change = 0, push_requests_per_device = 0;
    double pull_rate = 0, pull_s = 0, pulled = 0, pull_bytes_per_change = 0, pull_requests = 0;
    double pull_rss_mib = 0, server_rss_mib = 0;
    BurstFigures burst;
};

void push_and_pull(const Options& o, const ServerSetup& setup, const std::filesystem::path& dir,
                   Figures& fig) {
    const size_t records_per_device = o.changes / o.devices / 10;
    LiveServer server(dir, setup, "bench");
    // Over plain HTTP the devices are spread over the processes, so that the push measures them
    // and their database rather than haproxy; over HTTPS they go through haproxy, which ends TLS.
    const auto& direct = server.process_urls();
    std::vector<std::unique_ptr<sdk::Database>> dbs;
    bench::Stopwatch writing;
    for (size_t d = 0; d < o.devices; ++d) {
        auto db = server.enroll("device" + std::to_string(d), "bench",
                                setup.tls ? server.url() : direct[d % direct.size()]);
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
    if (setup.tls) login.insert(login.end(), {"--ca-file", server.ca_file()});
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

// ---- output --------------------------------------------------------------------------------

json to_json(const Options& o, const Limits& l, const std::map<std::string, Figures>& runs) {
    json out{{"changes", o.changes},
             {"devices", o.devices},
             {"database", o.database.empty() ? "sqlite" : "postgresql"},
             {"processes", o.processes},
             {"sync_work_slots", o.sync_work_slots},
             {"burst_devices", o.burst.devices},
             {"burst_communes", o.burst.communes},
             {"burst_concurrency", o.burst.concurrency},
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
            {"burst_syncs_per_s", f.burst.rate},
            {"burst_p50_ms", f.burst.p50_ms},
            {"burst_p99_ms", f.burst.p99_ms},
            {"burst_max_ms", f.burst.max_ms},
            {"burst_push_bytes_per_change", f.burst.bytes_per_change},
            {"burst_pulled_per_sync", f.burst.pulled_per_sync},
            {"burst_retried_requests", f.burst.retries},
            {"burst_setup_s", f.burst.enrol_s},
        };
    }
    return out;
}

void print_table(const Options& o, const Limits& l, const std::map<std::string, Figures>& runs) {
    std::printf(
        "ocop sync benchmark on %s, %zu server process%s: %zu changes from %zu devices; burst of "
        "%zu devices of %zu communes, %zu at a time\n\n",
        o.database.empty() ? "SQLite" : "PostgreSQL", o.processes, o.processes == 1 ? "" : "es",
        o.changes, o.devices, o.burst.devices, o.burst.communes, o.burst.concurrency);
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
        "peak RSS of a server process (MiB)", [](const Figures& f) { return f.server_rss_mib; },
        "%.1f", "");
    row(
        "burst (syncs/s)", [](const Figures& f) { return f.burst.rate; }, "%.0f", "");
    row(
        "  p50 (ms)", [](const Figures& f) { return f.burst.p50_ms; }, "%.0f", "");
    row(
        "  p99 (ms)", [](const Figures& f) { return f.burst.p99_ms; }, "%.0f", "< 250");
    row(
        "  max (ms)", [](const Figures& f) { return f.burst.max_ms; }, "%.0f", "");
    row(
        "  push bytes on the wire per change",
        [](const Figures& f) { return f.burst.bytes_per_change; }, "%.1f", "");
    row(
        "  changes pulled per sync", [](const Figures& f) { return f.burst.pulled_per_sync; },
        "%.0f", "");
    row(
        "  requests sent again", [](const Figures& f) { return double(f.burst.retries); }, "%.0f",
        "");
    row(
        "(set-up: writing on devices, s)", [](const Figures& f) { return f.setup_s; }, "%.1f", "");
    row(
        "(set-up: burst enrolment, s)", [](const Figures& f) { return f.burst.enrol_s; }, "%.1f",
        "");
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
        else if (a == "--burst-devices")
            o.burst.devices = std::strtoull(v.c_str(), nullptr, 10);
        else if (a == "--burst-communes")
            o.burst.communes = std::strtoull(v.c_str(), nullptr, 10);
        else if (a == "--burst-concurrency")
            o.burst.concurrency = std::strtoull(v.c_str(), nullptr, 10);
        else if (a == "--database")
            o.database = v;
        else if (a == "--database-schema")
            o.schema = v;
        else if (a == "--sync-work-slots")
            o.sync_work_slots = std::strtoull(v.c_str(), nullptr, 10);
        else if (a == "--processes")
            o.processes = std::strtoull(v.c_str(), nullptr, 10);
        else if (a == "--transport")
            o.transports = v == "both" ? std::vector<std::string>{"http", "https"}
                                       : std::vector<std::string>{v};
        else
            fail("unknown option " + a);
    }
    if (o.devices == 0 || o.changes < 10 * o.devices)
        fail("need --devices >= 1 and --changes >= 10 per device");
    if (o.burst.concurrency == 0 || o.burst.devices < o.burst.concurrency)
        fail("need --burst-concurrency >= 1 and --burst-devices >= --burst-concurrency");
    if (o.processes == 0 || (o.processes > 1 && o.database.empty()))
        fail("--processes above 1 needs a PostgreSQL --database");
    if (!o.database.empty() && o.schema.empty()) o.schema = "bench_" + std::to_string(getpid());
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
    std::vector<std::string> schemas;
    // Each server gets data of its own: a directory on SQLite, a schema on PostgreSQL.
    auto setup_for = [&](const std::string& transport, const std::string& job) {
        ServerSetup s;
        s.tls = transport == "https";
        s.processes = o.processes;
        s.sync_work_slots = o.sync_work_slots;
        s.database = o.database;
        if (!o.database.empty()) {
            s.schema = o.schema + "_" + transport + "_" + job;
            schemas.push_back(s.schema);
        }
        return s;
    };
    // Dropped however the run ends; a schema that cannot be dropped is named, not fatal.
    auto drop_schemas = [&]() noexcept {
        for (const auto& s : schemas) try {
                drop_postgresql_schema(o.database, s);
            } catch (const std::exception& e) {
                std::fprintf(stderr, "ocop-sync-bench: schema %s left behind: %s\n", s.c_str(),
                             e.what());
            }
    };
    try {
        for (const auto& t : o.transports) {
            Figures& f = runs[t];
            progress(t + ": push and pull");
            push_and_pull(o, setup_for(t, "bulk"), dir / (t + "-bulk"), f);
            progress(t + ": burst (enrolling " + std::to_string(o.burst.devices) + " devices)");
            LiveServer server(dir / (t + "-burst"), setup_for(t, "burst"), /*user=*/"");
            BurstOptions burst = o.burst;
            burst.progress = progress;
            f.burst = run_burst(server, burst);
        }
    } catch (...) {
        drop_schemas();
        throw;
    }
    drop_schemas();
    if (o.json)
        std::cout << to_json(o, limits, runs).dump(2) << "\n";
    else
        print_table(o, limits, runs);
    if (!std::getenv("OCOP_BENCH_KEEP")) std::filesystem::remove_all(dir);
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
