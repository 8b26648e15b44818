// The blob (attachment) protocol, shared by the server's blob route and the device's blob
// transport: paths, headers, limits and accepted types. docs/attachments.md describes it.
//
//   HEAD  /v1/blobs/sha256:<hex>   -> 200, X-Blob-Received: bytes the server holds of it,
//                                     X-Blob-Complete: 1 once verified (then X-Blob-Length)
//   PATCH /v1/blobs/sha256:<hex>   X-Blob-Offset: where this chunk starts (must be X-Blob-Received)
//                                  X-Blob-Length: the blob's whole size; Content-Type: its type
//                                  -> 200 {"received":N,"complete":bool}; 409 blob.offset_mismatch
//                                     with "received" when the offset is not the server's length
//   GET   /v1/blobs/sha256:<hex>   Range: bytes=N- (optional) -> 200 or 206 with the bytes
#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace ocop::sync::blob_protocol {

inline constexpr std::string_view path_prefix = "/v1/blobs/";
inline constexpr const char* header_received = "X-Blob-Received";
inline constexpr const char* header_complete = "X-Blob-Complete";
inline constexpr const char* header_length = "X-Blob-Length";
inline constexpr const char* header_offset = "X-Blob-Offset";

// A downscaled photo is a few hundred KB and a scanned dossier a few MB; 20 MiB keeps a
// multi-page PDF while no single upload can fill a server's disk by mistake.
inline constexpr uint64_t max_blob_bytes = 20 * 1024 * 1024;

// Evidence is photos, signatures and scans: what the dashboard and the devices can show.
inline constexpr std::array<std::string_view, 5> accepted_types = {
    "image/jpeg", "image/png", "image/webp", "image/heic", "application/pdf"};

inline bool accepted_type(std::string_view type) {
    for (const auto t : accepted_types)
        if (type == t) return true;
    return false;
}

// One upload request carries at most this much (a photo goes in one): a chunk costs a round trip
// for its answer, and a cut costs only what was in flight, whatever the chunk's size (the server
// keeps every byte that arrived, and the next attempt starts at its X-Blob-Received). At 64 kbit/s
// a chunk takes over two minutes: the stall timeout, not a request timeout, judges it.
inline constexpr size_t chunk_bytes = 1024 * 1024;
// The device's socket send buffer while it sends a blob (the kernel doubles it): small, so that
// bytes written are bytes near the link.
inline constexpr size_t socket_buffer_bytes = 16 * 1024;
// The unit of a socket write or read: each is one step of progress for the stall timeout.
inline constexpr size_t io_bytes = 4 * 1024;
// A transfer is given up (and resumed on the next attempt) only when no byte moved for this long:
// a retransmission time-out on an EDGE link is a few seconds, a whole 300 KB photo at 64 kbit/s
// about 40 s, so a fixed request timeout would cut healthy transfers (docs/attachments.md).
inline constexpr std::chrono::seconds stall_timeout{30};

}  // namespace ocop::sync::blob_protocol
