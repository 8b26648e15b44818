// Where the server keeps blobs (content-addressed attachments: photos, signatures, scans). The
// interface is what the blob route and the backups need, so that an object store or PostgreSQL
// can hold blobs later; FilesystemBlobStore keeps them under the data directory. Blobs are named
// by the 64 hex digits of their SHA-256: the same content is stored once (deduplicated), and a
// blob becomes visible only once its bytes were verified against that name.
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

namespace ocop::server {

struct BlobInfo {
    uint64_t size = 0;
    std::string content_type;
};

struct BlobTotals {
    uint64_t count = 0;
    uint64_t bytes = 0;
};

class BlobStore {
  public:
    virtual ~BlobStore() = default;
    // A complete, verified blob; nothing for one not (yet) stored.
    virtual std::optional<BlobInfo> find(std::string_view hex) = 0;
    // How many bytes an unfinished upload holds (0: none began).
    virtual uint64_t received(std::string_view hex) = 0;
    // Appends `bytes` to the unfinished upload of a blob of `total` bytes of `content_type`, at
    // `offset`, which must be received(hex) (Error blob.offset_mismatch otherwise). Returns the
    // bytes held afterwards. What was appended survives a cut connection.
    virtual uint64_t append(std::string_view hex, uint64_t offset, std::string_view bytes,
                            uint64_t total, std::string_view content_type) = 0;
    // The declared size of an unfinished upload (nothing: none began).
    virtual std::optional<uint64_t> declared_size(std::string_view hex) = 0;
    // Verifies that the unfinished upload hashes to `hex` and makes it a complete blob. On a
    // mismatch the upload is forgotten and Error(blob.hash_mismatch) thrown.
    virtual BlobInfo finish(std::string_view hex) = 0;
    // Up to `max` bytes of a complete blob from `offset` (empty at its end).
    virtual std::string read(std::string_view hex, uint64_t offset, size_t max) = 0;
    // Complete blobs: how many, and their bytes.
    virtual BlobTotals totals() = 0;
};

// DIR/blobs/<first two hex digits>/<hex> for complete blobs, each with <hex>.type beside it;
// DIR/blobs/partial/<hex> (+ <hex>.upload: type and declared size) for uploads under way. A
// finished blob is written to disk (fsync) before it is renamed into place.
class FilesystemBlobStore final : public BlobStore {
  public:
    explicit FilesystemBlobStore(std::string blobs_dir);

    std::optional<BlobInfo> find(std::string_view hex) override;
    uint64_t received(std::string_view hex) override;
    uint64_t append(std::string_view hex, uint64_t offset, std::string_view bytes, uint64_t total,
                    std::string_view content_type) override;
    std::optional<uint64_t> declared_size(std::string_view hex) override;
    BlobInfo finish(std::string_view hex) override;
    std::string read(std::string_view hex, uint64_t offset, size_t max) override;
    BlobTotals totals() override;

  private:
    std::string complete_path(std::string_view hex) const;
    std::string partial_path(std::string_view hex) const;

    const std::string dir_;
    std::mutex mutex_;  // uploads: one append or finish at a time (complete blobs never change)
};

// The name of the blobs directory inside a data directory.
inline constexpr const char* blobs_dir_name = "blobs";

// Copies every complete blob of the blobs directory `from` into `to` (created), verifying each
// against its name (Error(store.corrupt) naming the blob otherwise); blobs already in `to` are
// kept. Returns what `to` holds of them afterwards. Used by backups and restores.
BlobTotals copy_blobs(const std::string& from, const std::string& to);

}  // namespace ocop::server
