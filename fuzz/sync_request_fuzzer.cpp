// Fuzzes the sync request decoder (wire::decode_request) and gzip inflate (gzip_decompress), the
// two steps a /v1/sync body goes through. An input that starts with the gzip magic is inflated
// first, as the server does for Content-Encoding: gzip; any other input is decoded as it is, and
// also sent through a gzip round trip. Invariants: only the contract's error codes escape, inflate
// never returns more than its limit, and what decodes survives an encode/decode round trip.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_check.hpp"
#include "ocop/core/error_codes.hpp"
#include "ocop/sync/gzip.hpp"
#include "ocop/sync/wire.hpp"

namespace errc = ocop::errc;
using ocop::fuzz::check;

namespace {

// Smaller than the server's 64 MiB so that a bomb costs milliseconds, not seconds, per input;
// the limit logic is the same.
constexpr size_t kInflateLimit = 1 << 20;

void decode(std::string_view body) {
    ocop::sync::SyncRequest req;
    try {
        req = ocop::sync::wire::decode_request(body);
    } catch (const ocop::Error& e) {
        ocop::fuzz::check_code(
            e, {errc::sync_malformed, errc::sync_too_large, errc::sync_version_unsupported,
                errc::changeset_malformed, errc::changeset_too_large,
                errc::changeset_version_unsupported, errc::changeset_empty});
        return;
    }
    const std::string once = ocop::sync::wire::encode(req);
    ocop::sync::SyncRequest again;
    try {
        again = ocop::sync::wire::decode_request(once);
    } catch (const ocop::Error& e) {
        ocop::fuzz::fail(std::string("the encoding of a decoded request is refused: ") + e.what() +
                         "\nencoding: " + once);
    }
    check(ocop::sync::wire::encode(again) == once, "encode(decode(encode(x))) == encode(x)");
}

void gzip_round_trip(std::string_view body) {
    const std::string packed = ocop::sync::gzip_compress(body);
    check(ocop::sync::gzip_decompress(packed, body.size()) == body, "gzip round trip");
    if (body.empty()) return;
    try {
        ocop::sync::gzip_decompress(packed, body.size() - 1);
        ocop::fuzz::fail("inflate beyond the limit was not refused");
    } catch (const ocop::Error& e) {
        ocop::fuzz::check_code(e, {errc::http_body_too_large});
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    if (size >= 2 && data[0] == 0x1f && data[1] == 0x8b) {
        std::string body;
        try {
            body = ocop::sync::gzip_decompress(input, kInflateLimit);
        } catch (const ocop::Error& e) {
            ocop::fuzz::check_code(e, {errc::http_bad_encoding, errc::http_body_too_large});
            return 0;
        }
        check(body.size() <= kInflateLimit, "inflate stays within its limit");
        decode(body);
        return 0;
    }
    decode(input);
    gzip_round_trip(input);
    return 0;
}
