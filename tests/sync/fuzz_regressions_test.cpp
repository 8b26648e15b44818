// The sync request fuzz target's inputs replayed with its invariants (fuzz/sync_request_fuzzer.cpp,
// docs/fuzzing.md): every seed of fuzz/corpus/sync_request/ and every input under
// fuzz/regressions/sync_request/ either decodes and survives an encode/decode round trip, or is
// refused with one of the decoder's codes; gzip inputs are inflated first, within a limit. Also
// the error body the fuzz target found broken (F1): it must be JSON whatever the message bytes.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <string>
#include <vector>

#include "ocop/core/error.hpp"
#include "ocop/core/error_codes.hpp"
#include "ocop/sync/gzip.hpp"
#include "ocop/sync/wire.hpp"

namespace errc = ocop::errc;
namespace wire = ocop::sync::wire;

namespace {

const std::filesystem::path kFuzz(OCOP_FUZZ_DIR);

std::vector<std::filesystem::path> inputs(const std::string& target) {
    std::vector<std::filesystem::path> out;
    for (const auto* base : {"corpus", "regressions"}) {
        const auto dir = kFuzz / base / target;
        if (!std::filesystem::exists(dir)) continue;
        for (const auto& entry : std::filesystem::directory_iterator(dir))
            if (entry.is_regular_file()) out.push_back(entry.path());
    }
    std::sort(out.begin(), out.end());
    return out;
}

std::string contents(const std::filesystem::path& file) {
    std::ifstream in(file, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

}  // namespace

TEST_CASE("sync request fuzz inputs decode and round-trip, or are refused with a decoder code",
          "[sync][wire][fuzz]") {
    const std::set<std::string> allowed{
        errc::sync_malformed,      errc::sync_too_large,      errc::sync_version_unsupported,
        errc::changeset_malformed, errc::changeset_too_large, errc::changeset_version_unsupported,
        errc::changeset_empty,     errc::http_bad_encoding,   errc::http_body_too_large};
    const auto files = inputs("sync_request");
    REQUIRE(files.size() >= 10);
    size_t decoded = 0;
    for (const auto& file : files) {
        INFO("input " << file.lexically_relative(kFuzz).string());
        std::string body = contents(file);
        try {
            if (body.size() >= 2 && body[0] == '\x1f' && body[1] == '\x8b')
                body = ocop::sync::gzip_decompress(body, 1 << 20);  // the fuzz target's limit
            const auto req = wire::decode_request(body);
            const std::string once = wire::encode(req);
            CHECK(wire::encode(wire::decode_request(once)) == once);
            ++decoded;
        } catch (const ocop::Error& e) {
            INFO("refused: " << e.code() << ": " << e.what());
            CHECK(allowed.count(e.code()) == 1);
        }
    }
    CHECK(decoded >= 3);  // the corpus holds valid requests, plain and gzipped
}

TEST_CASE("an error body is JSON whatever bytes its message quotes (fuzz finding F1)",
          "[sync][wire][fuzz]") {
    // The messages of fuzz/regressions/http/f1-*: a JSON parse error quoting the first byte of a
    // two-byte character, a lone continuation byte, an unknown Content-Encoding of one byte.
    for (const std::string& message :
         {std::string("not valid JSON: [json.exception.parse_error.101] last read: '\"\xc3'"),
          std::string("invalid literal; last read: '\xde'"),
          std::string("unsupported Content-Encoding '\xc3' (use gzip or none)")}) {
        std::string body;
        REQUIRE_NOTHROW(body = wire::error_body(errc::http_bad_json, message));
        const auto doc = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
        REQUIRE(doc.is_object());
        CHECK(doc["error"]["code"] == errc::http_bad_json);
        CHECK(doc["error"]["message"].is_string());
    }
}
