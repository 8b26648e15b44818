// SHA-256 (FIPS 180-4), incremental, for content-addressed blobs ("sha256:<hex>") and the hash a
// signed inspection carries. In the core because the server, the SDK (which may link no Poco or
// OpenSSL: an app's own HTTP stack) and the domain rules all need the same function.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace ocop {

class Sha256 {
  public:
    Sha256();
    void update(const void* data, size_t size);
    void update(std::string_view bytes) { update(bytes.data(), bytes.size()); }
    // The digest as 64 lowercase hex digits; the object must not be updated afterwards.
    std::string hex();

  private:
    void block(const uint8_t* p);
    std::array<uint32_t, 8> h_;
    std::array<uint8_t, 64> buffer_{};
    size_t buffered_ = 0;
    uint64_t length_ = 0;
};

// "sha256:" + the hex digest of `bytes`: the blob reference of that content (schema.hpp).
std::string blob_ref_of(std::string_view bytes);

}  // namespace ocop
