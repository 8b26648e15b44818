// Every limit and tunable of the shared core, with the reason for its value.
#pragma once

#include <cstddef>
#include <cstdint>

namespace ocop::tuning {

// A device clock further ahead of the receiver than this is not trusted. LiteCore uses 2 minutes;
// we allow 5 because phones in the field resync NTP rarely, and the sync protocol also corrects
// each device's offset from the server's clock at every exchange.
inline constexpr int64_t max_clock_ahead_ms = 5 * 60 * 1000;

// One changeset is one saved form: a few dozen fields normally. 8 MiB leaves room for a large
// checklist with long notes while keeping a malicious body from exhausting memory when parsed.
inline constexpr size_t max_changeset_bytes = 8 * 1024 * 1024;
inline constexpr size_t max_records_per_changeset = 5000;
inline constexpr size_t max_fields_per_record = 512;
// A single value (one note, one checklist as JSON). Photos are blobs, not values.
inline constexpr size_t max_value_bytes = 1024 * 1024;
// Nesting of JSON values; deeper documents are refused instead of risking the stack.
inline constexpr int max_json_depth = 32;

}  // namespace ocop::tuning
