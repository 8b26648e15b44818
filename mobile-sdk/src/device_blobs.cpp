#include "ocop/sdk/blobs.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "ocop/core/error.hpp"
#include "ocop/core/error_codes.hpp"
#include "ocop/core/schema.hpp"
#include "ocop/core/sha256.hpp"
#include "ocop/core/sqlite_db.hpp"
#include "ocop/sync/blob_protocol.hpp"

namespace ocop::sdk {

namespace fs = std::filesystem;
namespace bp = sync::blob_protocol;

namespace {

// A phone keeps the photos of its current work and the last weeks' at hand; older ones the
// server holds come back on demand.
constexpr uint64_t kDefaultBudget = 256ull * 1024 * 1024;

[[noreturn]] void blob_io(const std::string& what) {
    throw Error(ErrorKind::internal, errc::blob_io, what);
}

std::string hex_of(const std::string& ref) {
    if (!is_blob_ref(ref))
        throw Error(ErrorKind::invalid_input, errc::blob_bad_ref,
                    "'" + ref.substr(0, 80) + "' is not a blob reference (sha256:<64 hex digits>)");
    return ref.substr(7);
}

std::string read_whole(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) blob_io("cannot read " + path);
    std::ostringstream bytes;
    bytes << in.rdbuf();
    return bytes.str();
}

// Written beside, synced, renamed: a blob file is whole or absent.
void write_durably(const std::string& path, std::string_view bytes) {
    const std::string tmp = path + ".tmp";
    const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) blob_io("cannot write " + tmp);
    size_t done = 0;
    while (done < bytes.size()) {
        const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
        if (n <= 0) {
            ::close(fd);
            blob_io("cannot write " + tmp + " (disk full?)");
        }
        done += static_cast<size_t>(n);
    }
    const bool synced = ::fsync(fd) == 0;
    ::close(fd);
    if (!synced) blob_io("cannot sync " + tmp);
    fs::rename(tmp, path);
}

}  // namespace

struct DeviceBlobs::Index {
    explicit Index(const std::string& path) : db(path, sqlite::Durability::full, 1) {
        db.exec(
            "CREATE TABLE IF NOT EXISTS blobs(hex TEXT PRIMARY KEY, size INTEGER NOT NULL, "
            "type TEXT NOT NULL, uploaded INTEGER NOT NULL, local INTEGER NOT NULL, "
            "used_ms INTEGER NOT NULL, created_ms INTEGER NOT NULL, "
            "attempted INTEGER NOT NULL DEFAULT 0) WITHOUT ROWID");
    }
    sqlite::Db db;
};

DeviceBlobs::DeviceBlobs(std::string dir, Store& store, const Schema& schema, PhysicalClock clock)
    : dir_(std::move(dir)),
      store_(store),
      schema_(schema),
      clock_(std::move(clock)),
      budget_(kDefaultBudget) {
    std::error_code ec;
    fs::create_directories(fs::path(dir_) / "partial", ec);
    if (ec) blob_io("cannot create the blob directory " + dir_ + ": " + ec.message());
    index_ = std::make_unique<Index>((fs::path(dir_) / "index.db").string());
}

DeviceBlobs::~DeviceBlobs() = default;

std::string DeviceBlobs::file_of(const std::string& hex) const {
    return (fs::path(dir_) / hex).string();
}

void DeviceBlobs::write_file_of(const std::string& hex, std::string_view bytes) const {
    write_durably(file_of(hex), bytes);
}

void DeviceBlobs::set_preparer(BlobPreparer preparer) {
    std::lock_guard lock(mutex_);
    preparer_ = std::move(preparer);
}

std::string DeviceBlobs::put_bytes(std::string bytes, std::string content_type) {
    BlobPreparer prepare;
    {
        std::lock_guard lock(mutex_);
        prepare = preparer_;
    }
    if (prepare) prepare(bytes, content_type);
    return store_named(std::move(bytes), std::move(content_type));
}

std::string DeviceBlobs::put_file(const std::string& path, std::string content_type) {
    return put_bytes(read_whole(path), std::move(content_type));
}

std::string DeviceBlobs::store_named(std::string bytes, std::string content_type) {
    // What the server would refuse is refused here, while the officer can still take another.
    if (!bp::accepted_type(content_type))
        throw Error(ErrorKind::invalid_input, errc::blob_unsupported_type,
                    "blobs of type '" + content_type.substr(0, 60) +
                        "' are not kept: use image/jpeg, image/png, image/webp, image/heic or "
                        "application/pdf");
    if (bytes.size() > bp::max_blob_bytes)
        throw Error(ErrorKind::too_large, errc::blob_too_large,
                    "a blob may have at most " + std::to_string(bp::max_blob_bytes) +
                        " bytes, not " + std::to_string(bytes.size()) + " (downscale it first)");
    const std::string ref = blob_ref_of(bytes);
    const std::string hex = ref.substr(7);
    std::lock_guard lock(mutex_);
    auto known = index_->db.prepare("SELECT local FROM blobs WHERE hex=?1");
    known.bind(1, hex);
    const bool have = known.step() && known.int64(0) == 1;
    if (!have) write_file_of(hex, bytes);
    const int64_t now = clock_();
    // A blob captured here is pending until the server holds it; one already known keeps its
    // upload state (the same photo attached twice is uploaded once).
    auto put = index_->db.prepare(
        "INSERT INTO blobs(hex, size, type, uploaded, local, used_ms, created_ms) "
        "VALUES(?1, ?2, ?3, 0, 1, ?4, ?4) ON CONFLICT(hex) DO UPDATE SET local=1, used_ms=?4");
    put.bind(1, hex).bind(2, static_cast<int64_t>(bytes.size())).bind(3, content_type).bind(4, now);
    put.run();
    return ref;
}

void DeviceBlobs::mark_uploaded(const std::string& hex) {
    std::lock_guard lock(mutex_);
    auto done = index_->db.prepare("UPDATE blobs SET uploaded=1 WHERE hex=?1");
    done.bind(1, hex);
    done.run();
}

bool DeviceBlobs::attempted(const std::string& hex) {
    std::lock_guard lock(mutex_);
    auto q = index_->db.prepare("SELECT attempted FROM blobs WHERE hex=?1");
    q.bind(1, hex);
    return q.step() && q.int64(0) == 1;
}

void DeviceBlobs::mark_attempted(const std::string& hex) {
    std::lock_guard lock(mutex_);
    auto q = index_->db.prepare("UPDATE blobs SET attempted=1 WHERE hex=?1 AND attempted=0");
    q.bind(1, hex);
    q.run();
}

void DeviceBlobs::record_fetched(const std::string& hex, std::string_view bytes,
                                 const std::string& type) {
    std::lock_guard lock(mutex_);
    // The file first: an index row says local only when the bytes are there.
    write_file_of(hex, bytes);
    auto put = index_->db.prepare(
        "INSERT INTO blobs(hex, size, type, uploaded, local, used_ms, created_ms) "
        "VALUES(?1, ?2, ?3, 1, 1, ?4, ?4) ON CONFLICT(hex) DO UPDATE SET local=1, uploaded=1, "
        "used_ms=?4");
    put.bind(1, hex).bind(2, static_cast<int64_t>(bytes.size())).bind(3, type).bind(4, clock_());
    put.run();
}

std::optional<BlobInfo> DeviceBlobs::info(const std::string& ref) {
    const std::string hex = hex_of(ref);
    std::lock_guard lock(mutex_);
    auto q = index_->db.prepare("SELECT size, type, uploaded, local FROM blobs WHERE hex=?1");
    q.bind(1, hex);
    if (!q.step()) return std::nullopt;
    return BlobInfo{ref, static_cast<uint64_t>(q.int64(0)), std::string(q.text(1)), q.int64(2) == 1,
                    q.int64(3) == 1};
}

std::optional<std::string> DeviceBlobs::path(const std::string& ref) {
    const std::string hex = hex_of(ref);
    std::lock_guard lock(mutex_);
    auto q = index_->db.prepare("SELECT local FROM blobs WHERE hex=?1");
    q.bind(1, hex);
    if (!q.step() || q.int64(0) != 1) return std::nullopt;
    // Used now: the last to be evicted.
    auto used = index_->db.prepare("UPDATE blobs SET used_ms=?2 WHERE hex=?1");
    used.bind(1, hex).bind(2, clock_());
    used.run();
    return file_of(hex);
}

std::optional<std::string> DeviceBlobs::read(const std::string& ref) {
    const auto file = path(ref);
    if (!file) return std::nullopt;
    return read_whole(*file);
}

void DeviceBlobs::set_budget(uint64_t bytes) {
    {
        std::lock_guard lock(mutex_);
        budget_ = bytes;
    }
    evict();
}

uint64_t DeviceBlobs::budget() const {
    return budget_;
}

uint64_t DeviceBlobs::bytes_stored() {
    std::lock_guard lock(mutex_);
    auto q = index_->db.prepare("SELECT IFNULL(SUM(size), 0) FROM blobs WHERE local=1");
    q.step();
    return static_cast<uint64_t>(q.int64(0));
}

size_t DeviceBlobs::evict() {
    std::lock_guard lock(mutex_);
    auto total =
        index_->db.prepare("SELECT IFNULL(SUM(size), 0) FROM blobs WHERE local=1 AND uploaded=1");
    total.step();
    auto held = static_cast<uint64_t>(total.int64(0));
    size_t removed = 0;
    // Only blobs the server holds: each can be fetched again. A pending one is never chosen.
    auto oldest = index_->db.prepare(
        "SELECT hex, size FROM blobs WHERE local=1 AND uploaded=1 ORDER BY used_ms, hex");
    std::vector<std::pair<std::string, uint64_t>> victims;
    while (held > budget_ && oldest.step()) {
        victims.emplace_back(std::string(oldest.text(0)), static_cast<uint64_t>(oldest.int64(1)));
        held -= victims.back().second;
    }
    for (const auto& [hex, size] : victims) {
        auto gone = index_->db.prepare("UPDATE blobs SET local=0 WHERE hex=?1");
        gone.bind(1, hex);
        gone.run();
        std::error_code ec;
        fs::remove(file_of(hex), ec);
        ++removed;
    }
    return removed;
}

void DeviceBlobs::set_prefetch(const std::string& collection, bool prefetch) {
    schema_.require_collection(collection);
    std::lock_guard lock(mutex_);
    if (prefetch)
        prefetch_.insert(collection);
    else
        prefetch_.erase(collection);
}

std::vector<std::string> DeviceBlobs::pending() {
    std::lock_guard lock(mutex_);
    std::vector<std::string> out;
    auto q = index_->db.prepare("SELECT hex FROM blobs WHERE uploaded=0 ORDER BY created_ms, hex");
    while (q.step()) out.push_back("sha256:" + std::string(q.text(0)));
    return out;
}

std::vector<std::string> DeviceBlobs::wanted() {
    std::set<std::string> collections;
    {
        std::lock_guard lock(mutex_);
        collections = prefetch_;
    }
    std::vector<std::string> out;
    std::set<std::string> seen;
    for (const auto& name : collections) {
        const CollectionDef* def = schema_.collection(name);
        std::string after;
        while (true) {
            const auto page = store_.query(name, {}, 500, after);
            for (const auto& record : page)
                for (const auto& field : def->fields)
                    if (field.type == FieldType::blob)
                        if (const Value& v = record.get(field.name);
                            v.is_string() && is_blob_ref(v.get<std::string>()) &&
                            seen.insert(v.get<std::string>()).second) {
                            const auto known = info(v.get<std::string>());
                            if (!known || !known->local) out.push_back(v.get<std::string>());
                        }
            if (page.size() < 500) break;
            after = page.back().id;
        }
    }
    return out;
}

}  // namespace ocop::sdk
