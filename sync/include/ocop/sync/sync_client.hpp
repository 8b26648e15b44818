// The client half of the protocol: the loop a device runs to push its pending changesets and pull
// what changed, over any Transport. Retries transient failures with backoff, checkpoints after
// every exchange (so a cut connection resumes where it stopped), reports progress, can be
// cancelled, and says "complete" only when nothing is pending and the pull reached the head.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "ocop/core/local_replica.hpp"
#include "ocop/sync/clock_offset.hpp"
#include "ocop/sync/scope_policy.hpp"
#include "ocop/sync/transport.hpp"
#include "ocop/sync/tuning.hpp"

namespace ocop::sync {

struct SyncOptions {
    std::string app_version = "ocop-sdk/0.1.0";
    // false: only upload (a quick "send my work" on a poor link); the run is complete when
    // nothing is pending.
    bool pull = true;
    // Pull pages are sized in bytes (tuning.hpp): the budget the device asks for. 0: the
    // server's default. `page_cells` (0: the server's default) only caps the cell count.
    size_t page_cells = 0;
    size_t page_bytes = tuning::default_page_bytes;
    size_t max_changesets_per_request = tuning::max_changesets_per_request;
    size_t max_push_bytes_per_request = tuning::max_push_bytes_per_request;
    int max_attempts = tuning::max_attempts_per_sync;
    std::chrono::milliseconds initial_backoff = tuning::initial_backoff;
    std::chrono::milliseconds max_backoff = tuning::max_backoff;
    // When nothing answers (sync.no_connection): the attempts and the time a run spends before
    // it reports that, so an offline person hears it in seconds (tuning.hpp).
    int max_no_connection_attempts = tuning::max_no_connection_attempts;
    std::chrono::milliseconds no_connection_budget = tuning::no_connection_budget;
    // How long acknowledged changesets are retained for a restored server.
    std::chrono::milliseconds acked_retention = tuning::acked_retention;
    // How to wait between attempts; tests and the simulator replace it.
    std::function<void(std::chrono::milliseconds)> sleep;
    // The server rotated the device token: called with the new one, which the caller must keep
    // for later runs (the old one stops working after a grace period).
    std::function<void(const std::string&)> on_new_token;
    // What the user's grants cover (domain::builtin_scope_policy()), for a server that scopes
    // devices: the device evicts and backfills by it. Null: a scoping server's grants fail the
    // run with sync.no_scope_policy. It must outlive the run.
    const ScopePolicy* scope = nullptr;
};

struct SyncProgress {
    size_t resent = 0;           // acknowledged changesets sent again to a restored server
    size_t requests = 0;         // exchanges that got an answer
    size_t failed_attempts = 0;  // requests that got no usable answer and were retried
    size_t pushed = 0;           // changesets the server accepted during this run
    size_t refused = 0;          // changesets the server refused during this run (now quarantined)
    size_t pending = 0;          // changesets still waiting to be sent
    size_t pulled_cells = 0;     // field values received during this run
    size_t evicted = 0;          // records removed because the user no longer covers their unit
    uint64_t cursor = 0;         // pull position
    uint64_t server_head = 0;    // the server's head at the last exchange
    size_t bytes_sent = 0;       // request bodies on the wire (compressed)
    size_t bytes_received = 0;   // answer bodies on the wire (compressed)
};

struct Refusal {
    uint64_t seq = 0;
    std::string code;
    std::string message;
};

struct SyncReport {
    bool complete = false;  // nothing pending and the pull reached the server's head
    SyncProgress progress;
    std::vector<Refusal> refusals;
    std::string error_code;  // empty when complete
    std::string error_message;
    bool error_transient = false;  // a later attempt may succeed (network, server busy)
};

// Meta keys the client keeps in the device store.
namespace meta_key {
inline constexpr const char* pull_cursor = "sync_pull_cursor";
inline constexpr const char* server_id = "sync_server_id";
inline constexpr const char* clock_offset = "sync_clock_offset_ms";
inline constexpr const char* last_complete_sync = "sync_last_complete_ms";
inline constexpr const char* last_error = "sync_last_error";
// Restore epochs (docs/sync-protocol.md, "Restored server").
inline constexpr const char* epoch = "sync_epoch";            // the server epoch last seen
inline constexpr const char* acked = "sync_acked_seq";        // highest changeset acknowledged
inline constexpr const char* skip_to = "sync_skip_to";        // lost numbers end before this one
inline constexpr const char* repull = "sync_repull_pending";  // "1": re-pull after an epoch change
// "1": records were evicted (a unit lost); the main pull asks for this device's own cells too
// (echo) until it reaches the head, so none it wrote and evicted stays missing if the unit
// comes back (docs/sync-protocol.md, "No echo").
inline constexpr const char* echo = "sync_echo_pending";
}  // namespace meta_key

class SyncClient {
  public:
    // `offset` (may be null) learns the server's time; `raw_clock` is the uncorrected device
    // clock used to time exchanges.
    SyncClient(LocalReplica& replica, Transport& transport, std::string token, SyncOptions options,
               ClockOffset* offset = nullptr, PhysicalClock raw_clock = system_physical_clock());

    SyncReport run(const std::function<void(const SyncProgress&)>& on_progress = {},
                   const std::atomic<bool>* cancel = nullptr);

  private:
    struct Exchange;
    struct Prepared;
    struct Received;
    // One exchange in three steps: the request from the device's state; the round trip and the
    // decoding of the answer (touches only the transport: it may run on a second thread while
    // the previous page is applied); the answer applied and checkpointed.
    Prepared prepare();
    Received fetch(const std::string& body, const std::string& token);
    Exchange finish(const Prepared& sent, Received& got, SyncProgress& progress,
                    std::vector<Refusal>& refusals);
    // The next pull request, when `got` is a plain page with more to come and nothing else to
    // act on: it can be sent before `got` is applied.
    std::optional<Prepared> continuation(const Prepared& sent, const Received& got);
    // Whether `next` is still what prepare() would build now that its page was applied.
    bool still_next(const Prepared& next);
    // Waits for a request sent ahead whose answer will not be applied; keeps its new token.
    void discard(Received got, SyncProgress& progress);

    LocalReplica& replica_;
    Transport& transport_;
    std::string token_;
    SyncOptions options_;
    ClockOffset* offset_;
    PhysicalClock raw_clock_;
};

}  // namespace ocop::sync
