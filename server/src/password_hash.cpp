#include "ocop/server/password_hash.hpp"

#include <openssl/evp.h>

#include <charconv>
#include <vector>

#include "ocop/core/error.hpp"
#include "ocop/core/error_codes.hpp"
#include "ocop/server/secrets.hpp"
#include "ocop/server/tuning.hpp"

namespace ocop::server {

namespace {

constexpr size_t kHashBytes = 32;  // one SHA-256 block of output: PBKDF2 gains nothing beyond it

std::vector<std::string_view> split(std::string_view text, char sep) {
    std::vector<std::string_view> parts;
    size_t start = 0;
    while (true) {
        const size_t end = text.find(sep, start);
        parts.push_back(text.substr(start, end - start));
        if (end == std::string_view::npos) return parts;
        start = end + 1;
    }
}

}  // namespace

std::string pbkdf2_sha256(std::string_view password, std::string_view salt, uint32_t iterations,
                          size_t length) {
    if (iterations == 0 || iterations > tuning::max_pbkdf2_iterations)
        throw Error(ErrorKind::internal, errc::internal_error,
                    "PBKDF2 iteration count out of range: " + std::to_string(iterations));
    std::string out(length, '\0');
    const int ok =
        PKCS5_PBKDF2_HMAC(password.data(), static_cast<int>(password.size()),
                          reinterpret_cast<const unsigned char*>(salt.data()),
                          static_cast<int>(salt.size()), static_cast<int>(iterations), EVP_sha256(),
                          static_cast<int>(length), reinterpret_cast<unsigned char*>(out.data()));
    if (ok != 1) throw Error(ErrorKind::internal, errc::internal_error, "PBKDF2 derivation failed");
    return out;
}

std::string hash_password(std::string_view password, uint32_t iterations) {
    const std::string salt = secrets::random_bytes(tuning::password_salt_bytes);
    const std::string hash = pbkdf2_sha256(password, salt, iterations, kHashBytes);
    return std::string(password_hash_scheme) + "$" + std::to_string(iterations) + "$" +
           secrets::base64(salt) + "$" + secrets::base64(hash);
}

bool verify_password(std::string_view password, std::string_view encoded) {
    const auto parts = split(encoded, '$');
    if (parts.size() != 4 || parts[0] != password_hash_scheme) return false;
    uint32_t iterations = 0;
    const auto [end, ec] =
        std::from_chars(parts[1].data(), parts[1].data() + parts[1].size(), iterations);
    if (ec != std::errc() || end != parts[1].data() + parts[1].size() || iterations == 0 ||
        iterations > tuning::max_pbkdf2_iterations)
        return false;
    const auto salt = secrets::base64_decode(parts[2]);
    const auto expected = secrets::base64_decode(parts[3]);
    if (!salt || !expected || salt->empty() || expected->empty() || expected->size() > 64)
        return false;
    const std::string actual = pbkdf2_sha256(password, *salt, iterations, expected->size());
    return secrets::constant_time_equal(actual, *expected);
}

}  // namespace ocop::server
