#include "ocop/core/uuid.hpp"

#include <array>

namespace ocop {

namespace {
std::string format(const std::array<uint8_t, 16>& b);
}

UuidV7Generator::UuidV7Generator() : rng_(std::random_device{}()) {
    // random_device yields 32 bits; widen the seed so two devices started in the same
    // microsecond do not share a sequence.
    std::random_device rd;
    std::seed_seq seq{rd(), rd(), rd(), rd()};
    rng_.seed(seq);
}

UuidV7Generator::UuidV7Generator(uint64_t seed) : rng_(seed) {}

std::string UuidV7Generator::next(int64_t unix_ms) {
    std::array<uint8_t, 16> b{};
    const auto ms = static_cast<uint64_t>(unix_ms);
    for (int i = 0; i < 6; ++i) b[i] = static_cast<uint8_t>(ms >> (8 * (5 - i)));
    const uint64_t r1 = rng_();
    const uint64_t r2 = rng_();
    for (int i = 0; i < 2; ++i) b[6 + i] = static_cast<uint8_t>(r1 >> (8 * i));
    for (int i = 0; i < 8; ++i) b[8 + i] = static_cast<uint8_t>(r2 >> (8 * i));
    b[6] = static_cast<uint8_t>((b[6] & 0x0F) | 0x70);  // version 7
    b[8] = static_cast<uint8_t>((b[8] & 0x3F) | 0x80);  // RFC 4122 variant

    return format(b);
}

std::string name_based_uuid(std::string_view name) {
    // Two independent 64-bit FNV-1a hashes, each finished with the splitmix64 mixer: not a
    // cryptographic hash, enough to keep names apart.
    auto hash = [&](uint64_t h) {
        for (unsigned char c : name) {
            h ^= c;
            h *= 0x100000001b3ULL;
        }
        h ^= h >> 30;
        h *= 0xbf58476d1ce4e5b9ULL;
        h ^= h >> 27;
        h *= 0x94d049bb133111ebULL;
        return h ^ (h >> 31);
    };
    const uint64_t h1 = hash(0xcbf29ce484222325ULL), h2 = hash(0x84222325cbf29ce4ULL);
    std::array<uint8_t, 16> b{};
    for (int i = 0; i < 8; ++i) b[i] = static_cast<uint8_t>(h1 >> (8 * i));
    for (int i = 0; i < 8; ++i) b[8 + i] = static_cast<uint8_t>(h2 >> (8 * i));
    b[6] = static_cast<uint8_t>((b[6] & 0x0F) | 0x80);  // version 8
    b[8] = static_cast<uint8_t>((b[8] & 0x3F) | 0x80);  // RFC 4122 variant
    return format(b);
}

namespace {
std::string format(const std::array<uint8_t, 16>& b) {
    static constexpr char hex[] = "0123456789abcdef";
    std::string out;
    out.reserve(36);
    for (int i = 0; i < 16; ++i) {
        if (i == 4 || i == 6 || i == 8 || i == 10) out.push_back('-');
        out.push_back(hex[b[i] >> 4]);
        out.push_back(hex[b[i] & 0x0F]);
    }
    return out;
}
}  // namespace

bool is_uuid(std::string_view t) noexcept {
    if (t.size() != 36) return false;
    for (size_t i = 0; i < t.size(); ++i) {
        const char c = t[i];
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (c != '-') return false;
        } else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
            return false;
        }
    }
    return true;
}

}  // namespace ocop
