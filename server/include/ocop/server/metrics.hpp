// The server's counters for GET /metrics (docs/metrics.md), in one object owned by Server: no
// globals, safe to update from every worker thread. Labels are bounded: routes are the registered
// route templates (any other path counts as "other"), error codes are those of the code table
// (messages_vi.hpp; any other code counts as "other"), statuses are HTTP statuses.
//
// The counts come from what the server sees: the request handler counts every request and its
// error answer, the sync route hands over each decoded request with the SyncResponse it got back.
// What is read from the stores at scrape time (devices, database size) comes in MetricGauges.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ocop/sync/protocol.hpp"

namespace ocop::server {

// Read at scrape time by the metrics route.
struct MetricGauges {
    uint64_t devices_enrolled = 0;       // not revoked
    uint64_t devices_seen_last_day = 0;  // not revoked, last request within 24 hours
    // Each SQLite database of the data directory (file name) and its bytes, with its -wal and
    // -shm files.
    std::vector<std::pair<std::string, uint64_t>> database_bytes;
    uint64_t store_head = 0;
    // The sync route's turns (work_gate.hpp): how many there are, and syncs waiting for one.
    uint64_t sync_work_slots = 0;
    uint64_t syncs_waiting_for_turn = 0;
};

class Metrics {
  public:
    // Upper bounds (seconds) of the sync duration histogram's buckets; +Inf follows.
    static constexpr std::array<double, 13> sync_duration_buckets = {
        0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60};
    // The route whose requests the sync duration histogram times.
    static constexpr std::string_view sync_route = "/v1/sync";
    // The label of a path no route has.
    static constexpr std::string_view other_route = "other";

    // One answered request: `route` is its route template (other_route when none matched).
    void count_request(std::string_view route, int status, uint64_t bytes_in, uint64_t bytes_out,
                       double seconds);
    // A JSON error answer with `code`.
    void count_error_answer(std::string_view code);
    // A sync exchange the sync service answered: its outcomes, changes, conflicts and pull.
    void count_sync(const sync::SyncRequest& request, const sync::SyncResponse& answer);

    // The Prometheus text exposition format, version 0.0.4: every counter, the histogram, then
    // the gauges.
    std::string render(const MetricGauges& gauges) const;

  private:
    mutable std::mutex mutex_;
    std::map<std::pair<std::string, int>, uint64_t, std::less<>> requests_;
    std::map<std::string, uint64_t, std::less<>> bytes_in_;            // by route
    std::map<std::string, uint64_t, std::less<>> bytes_out_;           // by route
    std::map<std::string, uint64_t, std::less<>> error_answers_;       // by code
    std::map<std::string, uint64_t, std::less<>> refused_changesets_;  // by code
    uint64_t changesets_applied_ = 0;
    uint64_t changesets_duplicate_ = 0;
    uint64_t changes_applied_ = 0;
    uint64_t changes_superseded_ = 0;
    uint64_t conflicts_opened_ = 0;
    uint64_t conflicts_resolved_ = 0;
    uint64_t conflicts_reopened_ = 0;
    uint64_t cells_pulled_ = 0;
    std::array<uint64_t, sync_duration_buckets.size()> sync_buckets_{};  // not cumulative
    uint64_t sync_count_ = 0;
    double sync_seconds_ = 0;
};

// `code` when the code table knows it, else "other": a label value with bounded cardinality.
std::string_view metric_code_label(std::string_view code) noexcept;

}  // namespace ocop::server
