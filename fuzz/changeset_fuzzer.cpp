// Fuzzes the changeset decoder (codec::decode): any input either decodes, or is refused with one
// of the codes of its contract (changeset_codec.hpp); nothing else may escape. What decodes must
// survive a round trip: encoding it and decoding that gives the same encoding again.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_check.hpp"
#include "ocop/core/changeset_codec.hpp"
#include "ocop/core/error_codes.hpp"

namespace errc = ocop::errc;
using ocop::fuzz::check;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    ocop::Changeset cs;
    try {
        cs = ocop::codec::decode(input);
    } catch (const ocop::Error& e) {
        ocop::fuzz::check_code(e, {errc::changeset_malformed, errc::changeset_too_large,
                                   errc::changeset_version_unsupported, errc::changeset_empty});
        return 0;
    }
    check(!cs.records.empty(), "a decoded changeset has records");
    for (const auto& r : cs.records) check(!r.fields.empty(), "a decoded record has fields");

    const std::string once = ocop::codec::encode(cs);
    ocop::Changeset again;
    try {
        again = ocop::codec::decode(once);
    } catch (const ocop::Error& e) {
        ocop::fuzz::fail(std::string("the encoding of a decoded changeset is refused: ") +
                         e.what() + "\nencoding: " + once);
    }
    check(ocop::codec::encode(again) == once, "encode(decode(encode(x))) == encode(x)");
    return 0;
}
