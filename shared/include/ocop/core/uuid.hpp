// Record ids generated offline: UUIDv7 (RFC 9562) as lowercase text. The leading 48-bit
// millisecond timestamp keeps ids of one device roughly in creation order, which keeps SQLite's
// B-tree inserts local; the 74 random bits make collisions between devices negligible.
#pragma once

#include <cstdint>
#include <random>
#include <string>
#include <string_view>

namespace ocop {

class UuidV7Generator {
  public:
    UuidV7Generator();                        // seeded from std::random_device
    explicit UuidV7Generator(uint64_t seed);  // reproducible, for tests and the demo generator

    std::string next(int64_t unix_ms);

  private:
    std::mt19937_64 rng_;
};

// A UUID (version 8, RFC 9562) derived from a name, the same on every replica: lets two replicas
// refer to "the conflict record of this field" without coordinating.
std::string name_based_uuid(std::string_view name);

// Lowercase 8-4-4-4-12 hex form of any UUID version.
bool is_uuid(std::string_view text) noexcept;

}  // namespace ocop
