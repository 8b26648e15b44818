// The changeset fuzz target's inputs replayed with its invariants (fuzz/changeset_fuzzer.cpp,
// docs/fuzzing.md): every seed of fuzz/corpus/changeset/ and every input under
// fuzz/regressions/changeset/ either decodes and survives an encode/decode round trip, or is
// refused with one of the codec's codes.
#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <string>
#include <vector>

#include "ocop/core/changeset_codec.hpp"
#include "ocop/core/error.hpp"
#include "ocop/core/error_codes.hpp"

namespace errc = ocop::errc;

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

TEST_CASE("changeset fuzz inputs decode and round-trip, or are refused with a codec code",
          "[codec][fuzz]") {
    const std::set<std::string> allowed{errc::changeset_malformed, errc::changeset_too_large,
                                        errc::changeset_version_unsupported, errc::changeset_empty};
    const auto files = inputs("changeset");
    REQUIRE(files.size() >= 10);
    size_t decoded = 0;
    for (const auto& file : files) {
        INFO("input " << file.lexically_relative(kFuzz).string());
        try {
            const auto cs = ocop::codec::decode(contents(file));
            const std::string once = ocop::codec::encode(cs);
            CHECK(ocop::codec::encode(ocop::codec::decode(once)) == once);
            ++decoded;
        } catch (const ocop::Error& e) {
            INFO("refused: " << e.code() << ": " << e.what());
            CHECK(allowed.count(e.code()) == 1);
        }
    }
    CHECK(decoded >= 3);  // the corpus holds valid changesets
}
