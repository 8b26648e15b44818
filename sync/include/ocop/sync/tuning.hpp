// Every tunable of the sync protocol, with why it has its value (LiteCore keeps these in one
// file too: Replicator/ReplicatorTuning.hh).
#pragma once

#include <chrono>
#include <cstddef>

namespace ocop::sync::tuning {

// Pull pages are sized in bytes: a device asks for a byte budget (default_page_bytes unless it
// says otherwise) and the server fills the page up to it, measuring each cell as its value's
// JSON text plus the collection, record id and field names (about 80 bytes for an inspection
// field, ~50 bytes of JSON on the wire before gzip, ~5 after). 1 MiB is ~13,000 such cells: a
// fresh device pulls 1,000,000 changes in ~76 requests (issue #18: at most 1 per 10,000). A
// device holds two pages at once (one applied while the next is decoded) and each costs ~8 MiB
// decoded per MiB of budget: measured with ocop-sync-bench, a fresh device's peak RSS is
// ~50 MiB at 1 MiB and ~70 MiB at 2 MiB, against a 64 MiB limit. The cell count only caps the
// per-cell overhead of pages of tiny values; a device that asks for a cell count (older clients
// asked for 5,000) gets at most that many.
inline constexpr size_t default_page_cells = 50000;
inline constexpr size_t max_page_cells = 100000;
inline constexpr size_t default_page_bytes = 1024 * 1024;
inline constexpr size_t min_page_bytes = 1024;
inline constexpr size_t max_page_bytes = 8 * 1024 * 1024;

// A backfill names the units a user just gained; a province has a few hundred communes.
inline constexpr size_t max_units_per_pull = 1000;
// A scoped pull skips cells of records the user does not cover; it reads at most this many
// times the page size per request, so a commune officer's pull through a province's changes
// costs bounded work per request (the cursor still advances past what was skipped).
// With byte-sized pages of tens of thousands of cells, twenty pages would be a million cells;
// the scan stops at max_scan_cells_per_pull (at least one page) whatever the page size.
inline constexpr size_t max_scan_pages_per_pull = 20;
inline constexpr size_t max_scan_cells_per_pull = 200000;

// Push batches: one request carries at most this many changesets / bytes of encoded changesets;
// the server parses a request whole, so the byte bound is also its memory bound per request.
// A day of inspections (~100 forms) fits in one request; a month offline takes a few.
inline constexpr size_t max_changesets_per_request = 500;
inline constexpr size_t max_push_bytes_per_request = 1024 * 1024;

// HTTP bodies: the compressed body and what it may inflate to (zip-bomb guard). An honest
// request is at most one changeset of max_changeset_bytes (8 MiB) or a batch of about
// max_push_bytes_per_request, plus a little envelope; 16 MiB inflated leaves room for both and
// keeps what one request can make the server parse small (the server also holds all requests
// together to its request-memory budget: server/include/ocop/server/memory_budget.hpp).
inline constexpr size_t max_request_body_bytes = 16 * 1024 * 1024;
inline constexpr size_t max_inflated_body_bytes = 16 * 1024 * 1024;
inline constexpr size_t max_response_bytes = 64 * 1024 * 1024;

// Client retries: exponential backoff with jitter, capped, for transient failures only.
inline constexpr int max_attempts_per_sync = 6;
inline constexpr std::chrono::milliseconds initial_backoff{500};
inline constexpr std::chrono::milliseconds max_backoff{30000};

// HTTP timeouts: rural 3G/4G links have multi-second latency spikes; a stalled request beyond
// this is treated as a cut and retried. Opening a connection is one round trip, so a connect
// that takes longer than a few seconds means nothing is there: offline, a person waits for that
// and not for the request timeout.
inline constexpr std::chrono::seconds connect_timeout{3};
inline constexpr std::chrono::seconds request_timeout{60};
// One sync run keeps one connection (one TLS handshake, not one per request). A connection idle
// longer than this is not tried again: the server closes idle ones after 5 s
// (server tuning http_keep_alive_timeout), and a request sent into a closed one costs a round
// trip before the transport reconnects.
inline constexpr std::chrono::seconds keep_alive_idle{4};

// When nothing answers at all (sync.no_connection) the device is offline or the URL is wrong;
// backing off for half a minute would only keep a person waiting. A run tries again at most
// once, and only if that attempt can end within the budget.
inline constexpr int max_no_connection_attempts = 2;
inline constexpr std::chrono::milliseconds no_connection_budget{5000};

// A device keeps each changeset the server acknowledged this long, to send it again to a server
// restored from a backup up to this old (docs/guarantees.md §12). A province backs up daily or
// weekly; a few hundred forms a week are a few MiB on a phone.
inline constexpr std::chrono::milliseconds acked_retention{90LL * 24 * 60 * 60 * 1000};

}  // namespace ocop::sync::tuning
