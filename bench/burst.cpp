#include "burst.hpp"

#include <algorithm>

#include "bench_util.hpp"
#include "realistic_data.hpp"

namespace ocop::bench {

BurstFigures run_burst(const LiveServer& server, const BurstOptions& o) {
    BurstFigures fig;
    std::vector<std::unique_ptr<sdk::Database>> dbs(o.devices);
    const auto units = InspectionGenerator::units();
    const size_t communes = std::clamp<size_t>(o.communes, 1, units.size());
    const auto user_of = [](size_t commune) { return "burst-" + std::to_string(commune); };
    Stopwatch setup;
    on_threads(o.enrol_threads, [&](size_t t) {
        for (size_t k = t; k < communes; k += o.enrol_threads)
            server.add_user(user_of(k), communes == 1 ? units : std::vector<std::string>{units[k]});
    });
    on_threads(o.enrol_threads, [&](size_t t) {
        for (size_t d = t; d < o.devices; d += o.enrol_threads) {
            const size_t commune = d % communes;
            dbs[d] = server.enroll("burst" + std::to_string(d), user_of(commune));
            // As a device that synced before the deadline day: nothing of the burst is pulled
            // here, and what the first sync of a new device does once is not timed.
            check_report(dbs[d]->sync(), "first sync");
            InspectionGenerator gen(5000 + d, user_of(commune));
            dbs[d]->write([&](sdk::Transaction& txn) {
                FieldValues fields;
                for (auto& f : gen.inspection_fields()) fields[f.field] = f.value;
                if (communes > 1) fields["unit"] = units[commune];
                txn.create("inspection", fields);
            });
        }
    });
    fig.enrol_s = setup.seconds();
    if (o.progress) o.progress("burst: set-up done, timed syncs start");

    std::vector<double> latencies_ms;
    std::mutex m;
    size_t next = 0, bytes = 0, pulled = 0;
    Stopwatch wall;
    on_threads(o.concurrency, [&](size_t) {
        for (;;) {
            size_t d = 0;
            {
                std::lock_guard lock(m);
                if (next == o.devices) return;
                d = next++;
            }
            Stopwatch one;
            const sync::SyncReport r = dbs[d]->sync();
            const double ms = one.seconds() * 1000;
            check_report(r, "burst sync");
            std::lock_guard lock(m);
            latencies_ms.push_back(ms);
            bytes += r.progress.bytes_sent;
            pulled += r.progress.pulled_cells;
            fig.retries += r.progress.failed_attempts;
        }
    });
    const double wall_s = wall.seconds();
    std::sort(latencies_ms.begin(), latencies_ms.end());
    const auto pct = [&](double p) {
        const size_t i =
            static_cast<size_t>(p * static_cast<double>(latencies_ms.size() - 1) + 0.5);
        return latencies_ms[i];
    };
    const auto n = static_cast<double>(latencies_ms.size());
    fig.rate = n / wall_s;
    fig.p50_ms = pct(0.50);
    fig.p99_ms = pct(0.99);
    fig.max_ms = latencies_ms.back();
    fig.bytes_per_change = static_cast<double>(bytes) / (10.0 * n);
    fig.pulled_per_sync = static_cast<double>(pulled) / n;
    return fig;
}

}  // namespace ocop::bench
