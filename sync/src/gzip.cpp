#include "ocop/sync/gzip.hpp"

#include <zlib.h>

#include <algorithm>

#include "ocop/core/error.hpp"
#include "ocop/core/error_codes.hpp"

namespace ocop::sync {

namespace {
constexpr int kGzipHeader = 16;  // added to windowBits: gzip header instead of zlib's
// Inflating takes the largest window, so it reads any size deflate_size_for chose.
constexpr int kGzipWindowBits = 15 + kGzipHeader;

// A window that spans the data loses nothing (no match can reach further back), and a hash
// table scaled to it finds the same matches in small bodies. Full size, deflate's state is about
// 256 KiB, allocated and cleared per call: for a sync answer of a few KiB that cost more than
// compressing it.
struct DeflateSize {
    int window_bits;
    int mem_level;
};
DeflateSize deflate_size_for(size_t bytes) {
    // deflate reaches back at most its window less MIN_LOOKAHEAD (258 + 3 + 1 bytes).
    constexpr size_t kLookahead = 262;
    int bits = 9;  // the smallest window deflate takes
    while (bits < 15 && (size_t{1} << bits) < bytes + kLookahead) ++bits;
    return {bits, std::clamp(bits - 6, 1, 8)};
}
}  // namespace

std::string gzip_compress(std::string_view data, int level) {
    z_stream zs{};
    const DeflateSize size = deflate_size_for(data.size());
    if (deflateInit2(&zs, level, Z_DEFLATED, size.window_bits + kGzipHeader, size.mem_level,
                     Z_DEFAULT_STRATEGY) != Z_OK)
        throw Error(ErrorKind::internal, errc::internal_error, "deflateInit2 failed");
    std::string out;
    out.resize(deflateBound(&zs, static_cast<uLong>(data.size())));
    zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
    zs.avail_in = static_cast<uInt>(data.size());
    zs.next_out = reinterpret_cast<Bytef*>(out.data());
    zs.avail_out = static_cast<uInt>(out.size());
    const int rc = deflate(&zs, Z_FINISH);
    deflateEnd(&zs);
    if (rc != Z_STREAM_END)
        throw Error(ErrorKind::internal, errc::internal_error, "deflate failed");
    out.resize(zs.total_out);
    return out;
}

std::string gzip_decompress(std::string_view data, size_t max_output,
                            const std::function<void(size_t)>& on_grow) {
    z_stream zs{};
    if (inflateInit2(&zs, kGzipWindowBits) != Z_OK)
        throw Error(ErrorKind::internal, errc::internal_error, "inflateInit2 failed");
    std::string out;
    char buffer[64 * 1024];
    zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
    zs.avail_in = static_cast<uInt>(data.size());
    int rc = Z_OK;
    while (rc != Z_STREAM_END) {
        zs.next_out = reinterpret_cast<Bytef*>(buffer);
        zs.avail_out = sizeof buffer;
        rc = inflate(&zs, Z_NO_FLUSH);
        if (rc != Z_OK && rc != Z_STREAM_END) {
            inflateEnd(&zs);
            throw Error(ErrorKind::invalid_input, errc::http_bad_encoding,
                        "body is not valid gzip data");
        }
        const size_t produced = sizeof buffer - zs.avail_out;
        if (out.size() + produced > max_output) {
            inflateEnd(&zs);
            throw Error(ErrorKind::too_large, errc::http_body_too_large,
                        "body inflates beyond " + std::to_string(max_output) + " bytes");
        }
        if (on_grow && out.size() + produced > out.capacity()) {
            // Charged before the allocation is made, at the size the string will double to.
            try {
                on_grow(std::min(std::max(out.capacity() * 2, out.size() + produced), max_output));
            } catch (...) {
                inflateEnd(&zs);
                throw;
            }
            out.reserve(std::min(std::max(out.capacity() * 2, out.size() + produced), max_output));
        }
        out.append(buffer, produced);
        if (rc == Z_OK && zs.avail_in == 0 && zs.avail_out != 0) {
            inflateEnd(&zs);
            throw Error(ErrorKind::invalid_input, errc::http_bad_encoding,
                        "gzip body is truncated");
        }
    }
    const bool trailing = zs.avail_in != 0;
    inflateEnd(&zs);
    // One gzip member is all our peers send; anything after it is corruption, not to be ignored.
    if (trailing)
        throw Error(ErrorKind::invalid_input, errc::http_bad_encoding,
                    "bytes after the end of the gzip data");
    return out;
}

}  // namespace ocop::sync
