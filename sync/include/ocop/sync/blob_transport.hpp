// How a device moves blobs (ocop/sync/blob_protocol.hpp). HttpBlobTransport
// (http_blob_transport.hpp) speaks it over HTTP(S); tests may put anything behind it. Every
// call throws Error: transient (sync.network / sync.timeout / sync.no_connection) when the link
// failed, and the server's code (blob.*, auth.*) when it answered with an error.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

namespace ocop::sync {

struct BlobRemote {
    uint64_t received = 0;  // bytes of the blob the server holds
    bool complete = false;  // verified and readable
};

struct BlobDownload {
    uint64_t size = 0;
    std::string content_type;
};

class BlobTransport {
  public:
    virtual ~BlobTransport() = default;
    // Called with the bytes moved so far in this call, as they move.
    using Progress = std::function<void(uint64_t bytes)>;

    // HEAD: how much of `ref` the server holds.
    virtual BlobRemote status(const std::string& ref, const std::string& token) = 0;
    // PATCH: `bytes` of the blob `ref` (`total` bytes of `content_type`) from `offset`. On a
    // blob.offset_mismatch the server's length is in the error's message and the next status().
    virtual BlobRemote upload(const std::string& ref, uint64_t offset, uint64_t total,
                              const std::string& content_type, std::string_view bytes,
                              const std::string& token, const Progress& progress) = 0;
    // GET from `offset`: every piece goes to `sink` as it arrives. Returns the blob's whole size
    // and type.
    virtual BlobDownload download(const std::string& ref, uint64_t offset,
                                  const std::function<void(std::string_view)>& sink,
                                  const std::string& token) = 0;
    // The device token the server rotated on a blob request (empty: none since last asked).
    virtual std::string take_new_token() { return {}; }
};

}  // namespace ocop::sync
