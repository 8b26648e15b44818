#include "ocop/server/blob_store.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "ocop/core/error.hpp"
#include "ocop/core/error_codes.hpp"
#include "ocop/core/sha256.hpp"
#include "ocop/core/stored_number.hpp"

namespace ocop::server {

namespace fs = std::filesystem;

namespace {

[[noreturn]] void io_failed(const std::string& what) {
    throw Error(ErrorKind::transient, errc::store_io, what + ": " + std::strerror(errno));
}

// The file's bytes and the directory entry on disk before the caller renames it into place.
void sync_file(const std::string& path) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) io_failed("open " + path);
    const int rc = ::fsync(fd);
    ::close(fd);
    if (rc != 0) io_failed("fsync " + path);
}

std::string read_text(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

void write_text(const fs::path& path, const std::string& text) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << text;
    if (!out) io_failed("write " + path.string());
}

std::string hash_of_file(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    Sha256 h;
    char buffer[64 * 1024];
    while (in.read(buffer, sizeof buffer) || in.gcount() > 0)
        h.update(buffer, static_cast<size_t>(in.gcount()));
    return h.hex();
}

uint64_t size_or_zero(const fs::path& path) {
    std::error_code ec;
    const auto size = fs::file_size(path, ec);
    return ec ? 0 : static_cast<uint64_t>(size);
}

}  // namespace

FilesystemBlobStore::FilesystemBlobStore(std::string blobs_dir) : dir_(std::move(blobs_dir)) {
    fs::create_directories(fs::path(dir_) / "partial");
}

std::string FilesystemBlobStore::complete_path(std::string_view hex) const {
    return (fs::path(dir_) / std::string(hex.substr(0, 2)) / std::string(hex)).string();
}

std::string FilesystemBlobStore::partial_path(std::string_view hex) const {
    return (fs::path(dir_) / "partial" / std::string(hex)).string();
}

std::optional<BlobInfo> FilesystemBlobStore::find(std::string_view hex) {
    const fs::path path = complete_path(hex);
    std::error_code ec;
    const auto size = fs::file_size(path, ec);
    if (ec) return std::nullopt;
    return BlobInfo{static_cast<uint64_t>(size), read_text(path.string() + ".type")};
}

uint64_t FilesystemBlobStore::received(std::string_view hex) {
    std::lock_guard lock(mutex_);
    return size_or_zero(partial_path(hex));
}

std::optional<uint64_t> FilesystemBlobStore::declared_size(std::string_view hex) {
    std::lock_guard lock(mutex_);
    const fs::path upload = partial_path(hex) + ".upload";
    if (!fs::exists(upload)) return std::nullopt;
    std::istringstream in(read_text(upload));
    std::string type, size;
    std::getline(in, type);
    std::getline(in, size);
    return stored_u64(size, "the declared size of blob upload " + std::string(hex));
}

uint64_t FilesystemBlobStore::append(std::string_view hex, uint64_t offset, std::string_view bytes,
                                     uint64_t total, std::string_view content_type) {
    std::lock_guard lock(mutex_);
    const std::string path = partial_path(hex);
    const uint64_t have = size_or_zero(path);
    if (offset != have)
        throw Error(ErrorKind::conflict, errc::blob_offset_mismatch,
                    "this upload holds " + std::to_string(have) + " bytes; a chunk at " +
                        std::to_string(offset) + " does not continue it");
    if (have == 0)
        write_text(path + ".upload", std::string(content_type) + "\n" + std::to_string(total));
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
    if (fd < 0) io_failed("open " + path);
    size_t done = 0;
    while (done < bytes.size()) {
        const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            ::close(fd);
            io_failed("write " + path);
        }
        done += static_cast<size_t>(n);
    }
    ::close(fd);
    return have + bytes.size();
}

BlobInfo FilesystemBlobStore::finish(std::string_view hex) {
    std::lock_guard lock(mutex_);
    const fs::path target = complete_path(hex);
    // Two uploads of the same bytes finishing at once: the second finds the blob in place.
    if (fs::exists(target))
        return BlobInfo{size_or_zero(target), read_text(target.string() + ".type")};
    const std::string partial = partial_path(hex);
    const std::string upload = partial + ".upload";
    std::istringstream meta(read_text(upload));
    std::string type;
    std::getline(meta, type);
    if (hash_of_file(partial) != hex) {
        fs::remove(partial);
        fs::remove(upload);
        throw Error(ErrorKind::invalid_input, errc::blob_hash_mismatch,
                    "the bytes received do not hash to sha256:" + std::string(hex) +
                        "; the upload was discarded: send the blob again from its start");
    }
    fs::create_directories(target.parent_path());
    write_text(target.string() + ".type", type);
    sync_file(partial);
    // Type first, blob last: a blob visible under its name always has its type beside it.
    fs::rename(partial, target);
    sync_file(target.parent_path().string());
    fs::remove(upload);
    return BlobInfo{size_or_zero(target), type};
}

std::string FilesystemBlobStore::read(std::string_view hex, uint64_t offset, size_t max) {
    std::ifstream in(complete_path(hex), std::ios::binary);
    if (!in)
        throw Error(ErrorKind::not_found, errc::blob_not_found,
                    "no blob sha256:" + std::string(hex) + " on the server");
    in.seekg(static_cast<std::streamoff>(offset));
    std::string out(max, '\0');
    in.read(out.data(), static_cast<std::streamsize>(max));
    out.resize(static_cast<size_t>(std::max<std::streamsize>(in.gcount(), 0)));
    return out;
}

namespace {

bool is_blob_name(const std::string& name) {
    if (name.size() != 64) return false;
    for (const char c : name)
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
    return true;
}

template <typename Fn>
void each_complete_blob(const fs::path& dir, Fn&& fn) {
    if (!fs::exists(dir)) return;
    for (const auto& shard : fs::directory_iterator(dir)) {
        if (!shard.is_directory() || shard.path().filename() == "partial") continue;
        for (const auto& entry : fs::directory_iterator(shard.path()))
            if (entry.is_regular_file() && is_blob_name(entry.path().filename().string()))
                fn(entry.path());
    }
}

}  // namespace

BlobTotals FilesystemBlobStore::totals() {
    BlobTotals t;
    each_complete_blob(dir_, [&](const fs::path& blob) {
        ++t.count;
        t.bytes += size_or_zero(blob);
    });
    return t;
}

BlobTotals copy_blobs(const std::string& from, const std::string& to) {
    BlobTotals t;
    each_complete_blob(from, [&](const fs::path& blob) {
        const std::string hex = blob.filename().string();
        const fs::path target = fs::path(to) / hex.substr(0, 2) / hex;
        if (!fs::exists(target)) {
            if (hash_of_file(blob) != hex)
                throw Error(ErrorKind::internal, errc::store_corrupt,
                            "blob " + blob.string() + " does not hash to its name");
            fs::create_directories(target.parent_path());
            fs::copy_file(blob.string() + ".type", target.string() + ".type",
                          fs::copy_options::overwrite_existing);
            fs::copy_file(blob, target.string() + ".partial", fs::copy_options::overwrite_existing);
            sync_file(target.string() + ".partial");
            fs::rename(target.string() + ".partial", target);
        }
        ++t.count;
        t.bytes += size_or_zero(target);
    });
    return t;
}

}  // namespace ocop::server
