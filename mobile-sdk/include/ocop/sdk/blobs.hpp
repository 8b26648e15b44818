// Blobs on the device (docs/attachments.md): photos, signatures and scans that records reference
// by content ("sha256:<hex>"). DeviceBlobs keeps them in a directory beside the store, with an
// index of what each is: a blob captured here and not yet on the server (never evicted), one the
// server holds (evictable: it can be fetched again), and how recently each was used. A storage
// budget bounds the evictable ones, least recently used first. Uploads run after the records
// synced (the server accepts a blob only once one of this device's changes references it) and
// resume at the byte the server holds; downloads run on demand, or ahead for the collections an
// app asks to prefetch.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "ocop/core/store.hpp"
#include "ocop/sync/blob_transport.hpp"

namespace ocop::sdk {

struct BlobInfo {
    std::string ref;
    uint64_t size = 0;
    std::string content_type;
    bool uploaded = false;  // the server holds it (or it came from the server)
    bool local = true;      // its bytes are on the device
};

// An app's chance to change a captured blob before it is stored and named: downscale a photo,
// re-encode it, strip its location. Gets the bytes and the type; may change both.
using BlobPreparer = std::function<void(std::string& bytes, std::string& content_type)>;

struct BlobProgress {
    std::string ref;
    bool upload = true;
    uint64_t done = 0;   // bytes of this blob the other side holds
    uint64_t total = 0;  // its size
    // Over the whole run: bytes moved so far and bytes the run set out to move.
    uint64_t run_done = 0;
    uint64_t run_total = 0;
};

struct BlobSyncOptions {
    // A transfer that moved no byte for this long is given up and resumed: the socket timeout of
    // HttpBlobTransport (set there). Attempts: a blob whose attempts moved nothing this many
    // times in a row is left for the next run.
    int max_stalled_attempts = 8;
    // Waits between attempts after a failure: first, doubling up to max.
    std::chrono::milliseconds retry_wait{1000};
    std::chrono::milliseconds max_retry_wait{8000};
    std::function<void(std::chrono::milliseconds)> sleep;  // empty: sleep for real
    bool prefetch = true;  // also fetch what the prefetch policy asks for
};

struct BlobReport {
    size_t uploaded = 0;        // blobs the server now holds that it did not before
    size_t downloaded = 0;      // blobs fetched
    size_t pending = 0;         // captured here, not yet on the server
    size_t not_referenced = 0;  // refused for now: the referencing record is not on the server yet
    uint64_t bytes_sent = 0;    // blob bytes written to the network (chunks, re-sent parts too)
    uint64_t bytes_received = 0;
    // Bytes sent again that the server had already acknowledged (HEAD or chunk answer): 0 by
    // design, measured to show it.
    uint64_t resent_acknowledged = 0;
    // Bytes sent that never reached the server's copy (in flight when the link was cut).
    uint64_t lost_in_flight = 0;
    size_t requests = 0;    // HEAD, PATCH and GET requests made
    size_t failures = 0;    // attempts that failed (cuts, stalls), each resumed
    bool complete = false;  // nothing left pending and every wanted blob fetched
    std::string error_code;
    std::string error_message;
};

class DeviceBlobs {
  public:
    // `dir` is created if needed. `store` is the device's store (records referencing blobs).
    DeviceBlobs(std::string dir, Store& store, const Schema& schema,
                PhysicalClock clock = system_physical_clock());
    ~DeviceBlobs();
    DeviceBlobs(const DeviceBlobs&) = delete;
    DeviceBlobs& operator=(const DeviceBlobs&) = delete;

    void set_preparer(BlobPreparer preparer);
    // Stores `bytes` (after the preparer) and returns its reference for a blob field. The same
    // content stored twice is one blob. Throws Error(blob.unsupported_type / blob.too_large) for
    // what the server would refuse, blob.io when the disk fails.
    std::string put_bytes(std::string bytes, std::string content_type);
    // The same for a file's content (blob.io when it cannot be read).
    std::string put_file(const std::string& path, std::string content_type);

    std::optional<BlobInfo> info(const std::string& ref);
    // The file holding the blob's bytes, when they are on the device (marks it used).
    std::optional<std::string> path(const std::string& ref);
    // Its bytes, when on the device.
    std::optional<std::string> read(const std::string& ref);

    // Bytes evictable blobs may take together (pending ones are not counted against it and never
    // evicted). Setting it evicts down to it.
    void set_budget(uint64_t bytes);
    uint64_t budget() const;
    uint64_t bytes_stored();  // every blob on the device
    // Evicts least recently used blobs the server holds until the evictable ones fit the budget;
    // returns how many were removed.
    size_t evict();

    // Which collections' blobs a sync fetches ahead (the rest on demand).
    void set_prefetch(const std::string& collection, bool prefetch);

    // Uploads every pending blob (resuming each at the server's length), then prefetches. Never
    // throws for the network: the report says what happened.
    BlobReport sync(sync::BlobTransport& transport, const std::string& token,
                    const BlobSyncOptions& options = {},
                    const std::function<void(const BlobProgress&)>& on_progress = {},
                    const std::atomic<bool>* cancel = nullptr);
    // Fetches one blob now (resuming a partial download) and returns its file. Throws
    // Error(blob.not_referenced / blob.not_found / transient) when it cannot.
    std::string fetch(const std::string& ref, sync::BlobTransport& transport,
                      const std::string& token, const BlobSyncOptions& options = {},
                      const std::function<void(const BlobProgress&)>& on_progress = {});

    std::vector<std::string> pending();

  private:
    struct Index;
    std::string file_of(const std::string& hex) const;
    void write_file_of(const std::string& hex, std::string_view bytes) const;
    void mark_uploaded(const std::string& hex);
    // Whether an upload of the blob was ever begun (then the server may hold part of it).
    bool attempted(const std::string& hex);
    void mark_attempted(const std::string& hex);
    void record_fetched(const std::string& hex, std::string_view bytes, const std::string& type);
    std::string store_named(std::string bytes, std::string content_type);
    bool upload_one(const std::string& hex, sync::BlobTransport& transport,
                    const std::string& token, const BlobSyncOptions& options, BlobReport& report,
                    const std::function<void(const BlobProgress&)>& on_progress,
                    const std::atomic<bool>* cancel);
    void download_one(const std::string& hex, sync::BlobTransport& transport,
                      const std::string& token, const BlobSyncOptions& options, BlobReport& report,
                      const std::function<void(const BlobProgress&)>& on_progress);
    std::vector<std::string> wanted();  // refs of prefetched collections not on the device

    const std::string dir_;
    Store& store_;
    const Schema& schema_;
    PhysicalClock clock_;
    std::unique_ptr<Index> index_;
    std::mutex mutex_;
    BlobPreparer preparer_;
    uint64_t budget_;
    std::set<std::string> prefetch_;
};

}  // namespace ocop::sdk
