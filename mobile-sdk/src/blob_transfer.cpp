// DeviceBlobs' transfers (blobs.hpp): uploads resumed at the server's length, downloads resumed
// at the partial file's, each attempt judged by the bytes it moved.
#include <filesystem>
#include <fstream>
#include <thread>

#include "ocop/core/error.hpp"
#include "ocop/core/error_codes.hpp"
#include "ocop/core/sha256.hpp"
#include "ocop/core/sqlite_db.hpp"
#include "ocop/sdk/blobs.hpp"
#include "ocop/sync/blob_protocol.hpp"

namespace ocop::sdk {

namespace fs = std::filesystem;
namespace bp = sync::blob_protocol;

namespace {

// Retries of one blob: a failure after progress starts the count again (a cut link that came
// back), one without progress adds to it; the waits double up to a bound.
class Attempts {
  public:
    explicit Attempts(const BlobSyncOptions& o) : options_(o), wait_(o.retry_wait) {}
    // After a failed attempt: false when the blob is left for the next run.
    bool again(uint64_t progress_now) {
        if (progress_now > progress_) {
            progress_ = progress_now;
            stalled_ = 0;
            wait_ = options_.retry_wait;
        }
        if (++stalled_ > options_.max_stalled_attempts) return false;
        if (options_.sleep)
            options_.sleep(wait_);
        else
            std::this_thread::sleep_for(wait_);
        wait_ = std::min(wait_ * 2, options_.max_retry_wait);
        return true;
    }

  private:
    const BlobSyncOptions& options_;
    std::chrono::milliseconds wait_;
    uint64_t progress_ = 0;
    int stalled_ = 0;
};

bool retryable(const Error& e) {
    return e.may_be_transient() || e.code() == errc::blob_offset_mismatch;
}

}  // namespace

bool DeviceBlobs::upload_one(const std::string& hex, sync::BlobTransport& transport,
                             const std::string& token, const BlobSyncOptions& options,
                             BlobReport& report,
                             const std::function<void(const BlobProgress&)>& on_progress,
                             const std::atomic<bool>* cancel) {
    const std::string ref = "sha256:" + hex;
    const auto known = info(ref);
    if (!known || !known->local) return false;
    const std::string bytes = read(ref).value_or("");
    if (bytes.size() != known->size) {
        report.error_code = errc::blob_io;
        report.error_message = "the stored copy of " + ref + " is damaged";
        return false;
    }
    Attempts attempts(options);
    uint64_t acknowledged = 0;  // the most the server said it holds
    uint64_t sent_total = 0, start = 0;
    bool first = true;
    while (!(cancel && cancel->load())) {
        uint64_t offset = 0, sent = 0;
        try {
            // A blob never offered has nothing on the server to resume (unless another device
            // sent the same bytes: then the chunk's answer says complete): no HEAD for it.
            const bool fresh = first && !attempted(hex);
            mark_attempted(hex);
            const sync::BlobRemote remote =
                fresh ? sync::BlobRemote{} : transport.status(ref, token);
            if (!fresh) ++report.requests;
            if (first) start = remote.received;
            first = false;
            offset = remote.received;
            if (offset < acknowledged) report.resent_acknowledged += acknowledged - offset;
            acknowledged = std::max(acknowledged, offset);
            bool complete = remote.complete;
            while (!complete && offset < bytes.size()) {
                const size_t n =
                    static_cast<size_t>(std::min<uint64_t>(bp::chunk_bytes, bytes.size() - offset));
                sent = 0;
                const sync::BlobRemote r = transport.upload(
                    ref, offset, bytes.size(), known->content_type,
                    std::string_view(bytes).substr(static_cast<size_t>(offset), n), token,
                    [&](uint64_t moved) {
                        sent = moved;
                        if (on_progress)
                            on_progress({ref, true, offset + moved, bytes.size(), 0, 0});
                    });
                ++report.requests;
                sent_total += n;
                report.bytes_sent += n;
                sent = 0;
                offset = r.received;
                acknowledged = std::max(acknowledged, offset);
                complete = r.complete;
            }
            if (!complete) throw Error(ErrorKind::transient, errc::sync_network, "incomplete");
            mark_uploaded(hex);
            report.lost_in_flight +=
                sent_total -
                std::min(sent_total, bytes.size() - std::min<uint64_t>(start, bytes.size()));
            return true;
        } catch (const Error& e) {
            sent_total += sent;
            report.bytes_sent += sent;
            if (e.code() == errc::blob_not_referenced) {
                ++report.not_referenced;
                return false;
            }
            if (!retryable(e)) {
                report.error_code = e.code();
                report.error_message = e.what();
                return false;
            }
            ++report.failures;
            report.error_code = e.code();
            report.error_message = e.what();
            if (!attempts.again(acknowledged)) return false;
        }
    }
    return false;
}

void DeviceBlobs::download_one(const std::string& hex, sync::BlobTransport& transport,
                               const std::string& token, const BlobSyncOptions& options,
                               BlobReport& report,
                               const std::function<void(const BlobProgress&)>& on_progress) {
    const std::string ref = "sha256:" + hex;
    const std::string partial = (fs::path(dir_) / "partial" / hex).string();
    Attempts attempts(options);
    std::string type;
    while (true) {
        std::error_code ec;
        const auto have = fs::exists(partial) ? fs::file_size(partial, ec) : 0;
        try {
            std::ofstream out(partial, std::ios::binary | std::ios::app);
            uint64_t got = have;
            ++report.requests;
            const sync::BlobDownload remote = transport.download(
                ref, have,
                [&](std::string_view piece) {
                    out.write(piece.data(), static_cast<std::streamsize>(piece.size()));
                    got += piece.size();
                    report.bytes_received += piece.size();
                    if (on_progress) on_progress({ref, false, got, 0, 0, 0});
                },
                token);
            out.close();
            if (!out) throw Error(ErrorKind::internal, errc::blob_io, "cannot write " + partial);
            if (got < remote.size) throw Error(ErrorKind::transient, errc::sync_network, "cut");
            type = remote.content_type;
            break;
        } catch (const Error& e) {
            if (!e.may_be_transient()) throw;
            ++report.failures;
            if (!attempts.again(fs::exists(partial) ? fs::file_size(partial, ec) : 0)) throw;
        }
    }
    std::string bytes;
    {
        std::ifstream in(partial, std::ios::binary);
        bytes.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    }
    fs::remove(partial);
    if (blob_ref_of(bytes) != ref)
        throw Error(ErrorKind::transient, errc::blob_hash_mismatch,
                    "the bytes fetched for " + ref + " do not match it; fetch it again");
    record_fetched(hex, bytes, type);
    ++report.downloaded;
}

std::string DeviceBlobs::fetch(const std::string& ref, sync::BlobTransport& transport,
                               const std::string& token, const BlobSyncOptions& options,
                               const std::function<void(const BlobProgress&)>& on_progress) {
    if (auto file = path(ref)) return *file;
    BlobReport report;
    download_one(ref.substr(7), transport, token, options, report, on_progress);
    evict();
    auto file = path(ref);
    if (!file)  // evicted at once: the budget is smaller than this blob
        throw Error(ErrorKind::too_large, errc::blob_too_large,
                    ref + " does not fit the device's blob budget");
    return *file;
}

BlobReport DeviceBlobs::sync(sync::BlobTransport& transport, const std::string& token,
                             const BlobSyncOptions& options,
                             const std::function<void(const BlobProgress&)>& on_progress,
                             const std::atomic<bool>* cancel) {
    BlobReport report;
    const auto todo = pending();
    uint64_t run_total = 0, run_done = 0;
    for (const auto& ref : todo)
        if (const auto i = info(ref)) run_total += i->size;
    const auto progress = [&](const BlobProgress& p) {
        if (!on_progress) return;
        BlobProgress q = p;
        q.run_done = run_done + p.done;
        q.run_total = run_total;
        on_progress(q);
    };
    for (const auto& ref : todo) {
        if (cancel && cancel->load()) break;
        if (upload_one(ref.substr(7), transport, token, options, report, progress, cancel))
            ++report.uploaded;
        if (const auto i = info(ref)) run_done += i->size;
    }
    bool fetched_all = true;
    if (options.prefetch)
        for (const auto& ref : wanted()) {
            if (cancel && cancel->load()) break;
            try {
                download_one(ref.substr(7), transport, token, options, report, progress);
            } catch (const Error& e) {
                fetched_all = false;
                report.error_code = e.code();
                report.error_message = e.what();
            }
        }
    evict();
    report.pending = pending().size();
    report.complete = report.pending == 0 && fetched_all && !(cancel && cancel->load());
    if (report.complete) report.error_code.clear(), report.error_message.clear();
    return report;
}

}  // namespace ocop::sdk
