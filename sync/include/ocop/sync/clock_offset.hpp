// A device's correction of its own wall clock, learnt from the server's time at every exchange.
// Phones in the field keep wrong clocks for weeks; stamping with (device clock + offset) keeps a
// device's edits ordered like everybody else's once it has talked to the server once.
#pragma once

#include <atomic>
#include <cstdint>

#include "ocop/core/hlc.hpp"

namespace ocop::sync {

class ClockOffset {
  public:
    explicit ClockOffset(int64_t initial_ms = 0) : offset_ms_(initial_ms) {}

    int64_t get() const noexcept { return offset_ms_.load(); }
    void set(int64_t ms) noexcept { offset_ms_.store(ms); }

    // Estimates the offset from one exchange: the server's time was read about halfway between
    // sending (`sent_ms`) and receiving (`received_ms`), both on the uncorrected device clock.
    void learn(int64_t server_ms, int64_t sent_ms, int64_t received_ms) noexcept {
        set(server_ms - (sent_ms + (received_ms - sent_ms) / 2));
    }

    // `base` shifted by the current offset. The returned clock refers to this object, which must
    // outlive it.
    PhysicalClock corrected(PhysicalClock base) const {
        return [this, base = std::move(base)] { return base() + get(); };
    }

  private:
    std::atomic<int64_t> offset_ms_;
};

}  // namespace ocop::sync
