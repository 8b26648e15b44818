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

// last_seen is for administrators ("which devices still sync?"); writing it at most once a minute
// per device keeps every sync from costing a durable write to accounts.db.
inline constexpr int64_t last_seen_resolution_ms = 60'000;

// HTTP worker threads: the store serialises writes anyway and the machine has few cores; more
// threads only help with slow rural uploads, which mostly wait on the network.
inline constexpr int http_max_threads = 16;
inline constexpr int http_max_queued = 64;
// A stalled upload is cut after this (rural 3G spikes stay well below it).
inline constexpr std::chrono::seconds http_receive_timeout{60};
// Devices send one request per connection; a short keep-alive frees threads and lets a shutdown
// finish soon after the last request.
inline constexpr std::chrono::seconds http_keep_alive_timeout{5};
// When an error is answered before the request body was read (401 before a push), the server
// still reads and discards up to this much so the client sees the answer instead of a reset.
// Larger bodies are not read: the connection is closed.
inline constexpr size_t max_discard_bytes = 1024 * 1024;

}  // namespace ocop::server::tuning
