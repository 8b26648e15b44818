// Password hashes: PBKDF2-HMAC-SHA256 with a 16-byte random salt, stored as
// "pbkdf2-sha256$<iterations>$<salt base64>$<hash base64>". Poco 1.11 cannot instantiate
// HMACEngine<SHA2Engine> (SHA2Engine lacks BLOCK_SIZE/DIGEST_SIZE until 1.12), so the derivation
// is OpenSSL's PKCS5_PBKDF2_HMAC, which Poco::Crypto links anyway.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace ocop::server {

inline constexpr std::string_view password_hash_scheme = "pbkdf2-sha256";

// The raw PBKDF2-HMAC-SHA256 output (RFC 8018), `length` bytes.
std::string pbkdf2_sha256(std::string_view password, std::string_view salt, uint32_t iterations,
                          size_t length);

// A new encoded hash of `password` with a fresh random salt.
std::string hash_password(std::string_view password, uint32_t iterations);

// True if `password` matches `encoded`. A malformed or unknown encoding is simply no match; the
// comparison of the derived key is constant-time.
bool verify_password(std::string_view password, std::string_view encoded);

}  // namespace ocop::server
