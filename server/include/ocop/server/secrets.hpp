// Small cryptographic building blocks of the account store: CSPRNG bytes, base64 forms, SHA-256
// and constant-time comparison. OpenSSL (linked through Poco::Crypto) provides the randomness and
// the comparison; Poco the encodings and the digest.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace ocop::server::secrets {

// `n` bytes from OpenSSL's CSPRNG. Throws Error(internal.error) if it cannot deliver.
std::string random_bytes(size_t n);

// RFC 4648 base64 with padding, no line breaks.
std::string base64(std::string_view bytes);
// nullopt when `text` is not valid base64.
std::optional<std::string> base64_decode(std::string_view text);
// RFC 4648 §5 base64url without padding: safe in headers, URLs and file names.
std::string base64url(std::string_view bytes);

// Lowercase hex SHA-256.
std::string sha256_hex(std::string_view data);

// Equal length and equal bytes, in time that depends only on the length.
bool constant_time_equal(std::string_view a, std::string_view b);

// A new device token: `tuning::device_token_bytes` random bytes, base64url.
std::string new_device_token();

}  // namespace ocop::server::secrets
