// Every tunable of the server, with why it has its value. Protocol limits (body sizes, page sizes)
// live in ocop/sync/tuning.hpp; these are the server's own.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>

namespace ocop::server::tuning {

// PBKDF2-HMAC-SHA256 work factor for new password hashes (OWASP's 2023 figure). About 0.25 s on
// one core of the reference machine: paid once per login (device enrolment), never per sync.
// Each hash stores its own count, so raising this later does not invalidate existing passwords.
inline constexpr uint32_t pbkdf2_iterations = 600'000;
// Read connections of the server's SQLite store beside the writing one: pulls and the scope
// checks of a burst read while a group commit waits for its fsync (SqliteStore).
inline constexpr size_t sqlite_store_readers = 4;
// Appends to the SQLite audit trail that share one commit at most (SqliteAuditLog).
inline constexpr size_t max_audit_appends_per_commit = 256;
// A device's "seen" writes (its last sync, its previous token let go) that share one commit of
// accounts.db at most (SqliteAccountStore::authenticate).
inline constexpr size_t max_seen_writes_per_commit = 256;
// A stored count above this is treated as a corrupt hash rather than burning minutes of CPU.
inline constexpr uint32_t max_pbkdf2_iterations = 10'000'000;
inline constexpr size_t password_salt_bytes = 16;
// 256 bits from a CSPRNG: guessing a token is hopeless, so a token is looked up by its hash.
inline constexpr size_t device_token_bytes = 32;

inline constexpr size_t min_password_chars = 10;
// Long passphrases are welcome; a megabyte "password" is not.
inline constexpr size_t max_password_bytes = 1024;
inline constexpr size_t max_device_name_bytes = 200;
inline constexpr size_t max_app_version_bytes = 100;
// A login body is a handful of short strings.
inline constexpr size_t max_login_body_bytes = 16 * 1024;

// Login throttling (login_throttle.hpp): a person who mistypes a password a few times is not
// slowed down; a script guessing passwords is. After this many failed logins for one user name
// within login_failure_window, that name is locked out; with the doubling below a guesser gets
// about a dozen guesses in the first two hours and then one an hour (a few dozen a day):
// hopeless against a 10-character password, while an officer who mistyped waits a minute.
inline constexpr int login_user_free_failures = 5;
// Per remote address the allowance is larger: a commune office's NAT or a mobile carrier's
// CGNAT puts many officers behind one address, and one of them mistyping must not lock out the
// others. Still far below what guessing needs.
inline constexpr int login_address_free_failures = 20;
// Failures older than this no longer count towards the first lock-out.
inline constexpr std::chrono::minutes login_failure_window{15};
// Once locked out, a name or address stays remembered (and each failure locks it again, for
// longer) until it has had no failure for this long: waiting a little must not restart the
// free allowance, or a patient script would get 5 guesses every hour and a quarter.
inline constexpr std::chrono::hours login_lockout_memory{24};
// The first lock-out; each further failure after one locks again for twice as long, up to the
// cap. An hour at most: long enough to make guessing useless, short enough that a locked-out
// officer (or one locked out by someone else on purpose) can still work today.
inline constexpr std::chrono::minutes login_first_lockout{1};
inline constexpr std::chrono::minutes login_max_lockout{60};
// Users and addresses remembered at once (a few hundred bytes each: a few MiB in all). Beyond
// this the one that failed longest ago is dropped, so a flood of made-up names cannot exhaust
// memory.
inline constexpr size_t login_throttle_max_entries = 10'000;

// HTTPS (tls.hpp): TLS 1.2 is the floor (TLS 1.0/1.1 are deprecated by RFC 8996); TLS 1.3 is
// preferred when both sides have it. For TLS 1.2 only forward-secret AEAD suites (Mozilla's
// "intermediate" list), which every Android 5+ phone still in service supports; TLS 1.3 suites
// are OpenSSL's defaults, all of which are fine.
inline constexpr const char* tls12_cipher_list =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:"
    "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:"
    "DHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES256-GCM-SHA384";

// A stored server clock further ahead of the host's clock than this is not resumed at start
// (server_identity.cpp): no honest correction of a host clock spans a day, while the stamps a
// crafted base once dragged the clock to (up to the end of its range) do.
inline constexpr int64_t max_resumed_clock_ahead_ms = 24LL * 60 * 60 * 1000;

// last_seen is for administrators ("which devices still sync?"); writing it at most once a minute
// per device keeps every sync from costing a durable write to accounts.db.
inline constexpr int64_t last_seen_resolution_ms = 60'000;

// Device tokens (docs/security.md, "Device tokens"). A token that has not been used for this long
// stops working (auth.token_expired: log in again, nothing on the device is lost). Commune
// officers stay offline for weeks during inspection rounds in remote communes, so anything
// shorter would lock out honest devices; a lost phone that never syncs again is cut off after it.
inline constexpr std::chrono::milliseconds token_idle_expiry = std::chrono::days{60};
// A token older than this is replaced on its next use (the answer carries the new one), so a
// token copied off a phone or out of a log stops being useful within about a week of normal use.
// Weekly keeps the extra durable write to accounts.db rare (one per device per week).
inline constexpr std::chrono::milliseconds token_rotate_after = std::chrono::days{7};
// After a rotation the presented token keeps working this long: if the answer carrying the new
// token is lost (a cut 3G connection), the device retries with the old one and gets a new token
// again. A week covers a device that loses its link right after the rotation and stays out of
// reach for days; it also bounds how long a stolen old token survives its replacement.
inline constexpr std::chrono::milliseconds token_rotation_grace = std::chrono::days{7};
// A previous token presented this soon after its rotation belongs to a request that raced the
// rotating one (the same device's requests in parallel, maybe on two server processes): it is
// accepted but not rotated again, so that the new token the other answer carries stays valid. A
// device that lost that answer is rotated on its next request after this window.
inline constexpr std::chrono::milliseconds token_rotation_race_window = std::chrono::minutes{2};
// Longest revocation reason kept (it is shown to the device's user in one line).
inline constexpr size_t max_revoke_reason_bytes = 500;

// `ocop-admin audit` answers at most this many entries per query (newest first): enough for any
// investigation page, small enough that a mistyped filter does not print a year of syncs.
inline constexpr size_t max_audit_query_rows = 10'000;

// HTTP worker threads. Poco gives each connection a thread for its whole life, and a device on a
// rural link spends most of a request waiting on the network: a waiting thread costs little (its
// stack is reserved, not touched), so there are enough of them for hundreds of slow or idle
// connections, while the watchdog below cuts the ones too slow to be honest.
inline constexpr int http_max_threads = 256;
// Connections accepted while every thread is busy wait here (beyond it they are closed at once).
inline constexpr int http_max_queued = 256;
// Connections the kernel completes before the server accepts them: a burst of devices (after a
// network outage every phone in a district retries at once) must not have its handshakes dropped
// and retried a second later. Linux caps it at net.core.somaxconn (4096 by default).
inline constexpr int http_listen_backlog = 1024;
// One recv or send that waits longer than this fails the connection (a dead link).
inline constexpr std::chrono::seconds http_receive_timeout{60};
// Devices send one request per connection; a short keep-alive frees threads and lets a shutdown
// finish soon after the last request.
inline constexpr std::chrono::seconds http_keep_alive_timeout{5};

// The slow-link watchdog (connection_watchdog.hpp), as Apache's mod_reqtimeout
// "header=20-40,MinRate=500 body=20,MinRate=500": request headers (well under 1 KiB from our
// clients) must be complete within 20 s; a body gets 20 s and then one more second per 500 bytes.
// 500 B/s is far below the worst 2G/EDGE link a commune office has (several KB/s), far above a
// "byte every few seconds" trickle that only holds a thread.
inline constexpr std::chrono::seconds http_header_timeout{20};
inline constexpr std::chrono::seconds http_body_grace{20};
inline constexpr size_t http_min_body_bytes_per_second = 500;
// Connections open at once from one address (IPv4, or IPv6 /64). A commune office behind one NAT
// has a handful of phones syncing at once; a carrier's CGNAT may put more behind one address,
// which is why this is not smaller. One address can never hold more than this share of threads.
inline constexpr size_t http_max_connections_per_address = 32;

// Request memory (memory_budget.hpp): the bytes all requests together may hold for their bodies
// as received, inflated and parsed (an estimate: json_parse_cost in http_body.cpp). An ordinary
// sync (a day's forms, well under 1 MiB of JSON) takes a few MiB of it, the largest honest
// request (one 8 MiB changeset) about 100 MiB, so it still fits alone; a request that cannot get
// its share within the wait is answered 503 http.busy with Retry-After, and retried by the device.
inline constexpr size_t request_memory_budget_bytes = 128 * 1024 * 1024;
inline constexpr std::chrono::milliseconds request_memory_wait{2000};
// Allocations of at least this size get pages of their own, returned when freed (server.cpp).
inline constexpr size_t malloc_mmap_threshold_bytes = 1024 * 1024;
inline constexpr std::chrono::seconds busy_retry_after{5};

// When an error is answered before the request body was read (401 before a push), a body of up
// to this much is read and dropped first, and the connection stays open for the next request.
inline constexpr size_t max_discard_keep_alive_bytes = 1024 * 1024;
// A larger unread body (or one refused as too large) is read and dropped after the answer, up to
// this much, and the connection then closed: the client reads the answer instead of a reset
// (closing a socket with unread input makes the kernel send one). Beyond it the connection is
// closed at once.
inline constexpr size_t max_discard_bytes = 32 * 1024 * 1024;

}  // namespace ocop::server::tuning
