#include "ocop/server/secrets.hpp"

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <Poco/Base64Decoder.h>
#include <Poco/Base64Encoder.h>
#include <Poco/DigestEngine.h>
#include <Poco/Exception.h>
#include <Poco/SHA2Engine.h>

#include <sstream>

#include "ocop/core/error.hpp"
#include "ocop/core/error_codes.hpp"
#include "ocop/server/tuning.hpp"

namespace ocop::server::secrets {

namespace {

std::string encode(std::string_view bytes, int options) {
    std::ostringstream out;
    Poco::Base64Encoder encoder(out, options);
    encoder.rdbuf()->setLineLength(0);  // Poco breaks lines every 72 characters by default
    encoder.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    encoder.close();
    return out.str();
}

}  // namespace

std::string random_bytes(size_t n) {
    std::string out(n, '\0');
    if (n > 0 && RAND_bytes(reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(n)) != 1)
        throw Error(ErrorKind::internal, errc::internal_error,
                    "the system's random number generator failed");
    return out;
}

std::string base64(std::string_view bytes) {
    return encode(bytes, 0);
}

std::string base64url(std::string_view bytes) {
    return encode(bytes, Poco::BASE64_URL_ENCODING | Poco::BASE64_NO_PADDING);
}

std::optional<std::string> base64_decode(std::string_view text) {
    // Poco's decoder skips whitespace; a stored hash never has any, so refuse it outright.
    for (char c : text)
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '+' || c == '/' || c == '='))
            return std::nullopt;
    try {
        std::istringstream in{std::string(text)};
        Poco::Base64Decoder decoder(in);
        std::string out((std::istreambuf_iterator<char>(decoder)),
                        std::istreambuf_iterator<char>());
        if (decoder.bad()) return std::nullopt;
        return out;
    } catch (const Poco::Exception&) {  // DataFormatException on a bad quantum
        return std::nullopt;
    }
}

std::string sha256_hex(std::string_view data) {
    Poco::SHA2Engine engine(Poco::SHA2Engine::SHA_256);
    engine.update(data.data(), data.size());
    return Poco::DigestEngine::digestToHex(engine.digest());
}

bool constant_time_equal(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::string new_device_token() {
    return base64url(random_bytes(tuning::device_token_bytes));
}

}  // namespace ocop::server::secrets
