// Hybrid logical clock (Kulkarni et al., "Logical Physical Clocks", 2014) and the version stamp
// built on it. A stamp orders every write in the system; the merge rule compares stamps only.
#pragma once

#include <compare>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>

namespace ocop {

// l (physical milliseconds since the Unix epoch) and c (logical counter), compared in that order.
struct Hlc {
    int64_t wall_ms = 0;
    uint32_t logical = 0;

    auto operator<=>(const Hlc&) const = default;

    // 48 bits of milliseconds (until the year 10889) and 16 of counter, so that a stamp is one
    // SQL integer and compares as one.
    static constexpr uint32_t max_logical = 0xFFFF;
    // The largest wall time a stamp may carry: the wire formats refuse anything from 2^47 on.
    static constexpr int64_t max_wall_ms = (int64_t{1} << 47) - 1;
    uint64_t packed() const noexcept {
        return (static_cast<uint64_t>(wall_ms) << 16) | static_cast<uint64_t>(logical);
    }
    static Hlc unpack(uint64_t packed) noexcept {
        return Hlc{static_cast<int64_t>(packed >> 16), static_cast<uint32_t>(packed & 0xFFFF)};
    }
};

// The version of one field value: when it was written (HLC) and by which replica. The replica id
// breaks ties, so two different writes never compare equal.
struct Stamp {
    Hlc hlc;
    std::string replica;

    auto operator<=>(const Stamp&) const = default;
    bool operator==(const Stamp&) const = default;
};

// Milliseconds since the Unix epoch. Injected so tests and the simulator can drift and jump clocks.
using PhysicalClock = std::function<int64_t()>;
PhysicalClock system_physical_clock();

// Safe to share between threads: a device's writes and its sync run stamp and observe through
// one clock (the SDK lets an app write while a sync runs on another thread).
class HlcClock {
  public:
    // `max_ahead_ms`: a remote timestamp further than this ahead of our physical clock is not
    // adopted (LiteCore's kMaxClockSkew idea), so one device with a wrong clock cannot drag
    // everybody's clock into the future.
    HlcClock(PhysicalClock physical, int64_t max_ahead_ms, Hlc last = {});

    // Send or local event: a new timestamp, greater than every one issued or adopted before.
    Hlc now();

    // Receive event: merges a remote timestamp. Returns false, and leaves the clock unchanged,
    // when `remote` lies beyond the tolerance.
    bool observe(Hlc remote);

    // True if `remote` lies beyond the tolerance of our physical clock.
    bool too_far_ahead(Hlc remote) const;

    // Makes every later timestamp greater than `floor`, whatever the tolerance: for stamps this
    // replica must order itself after (the bases it overwrites, the stamps the server gave it).
    // Callers hold remote floors to the tolerance first (the server does: sync_service.cpp).
    void advance_past(Hlc floor) noexcept {
        const std::lock_guard lock(mutex_);
        if (floor > last_) last_ = floor;
    }

    Hlc last() const noexcept {
        const std::lock_guard lock(mutex_);
        return last_;
    }
    // Moves the clock to `to`, also backwards. Only for a replica whose every stamp issued above
    // `to` has been replaced (the sync client, after the server re-stamped a runaway clock's
    // changesets); anything else would break the order of its own writes.
    void rebase(Hlc to) noexcept {
        const std::lock_guard lock(mutex_);
        last_ = to;
    }
    int64_t physical_ms() const { return physical_(); }
    int64_t max_ahead_ms() const noexcept { return max_ahead_ms_; }

  private:
    Hlc advance_to(int64_t wall_ms, uint32_t logical);  // with mutex_ held

    PhysicalClock physical_;
    int64_t max_ahead_ms_;
    mutable std::mutex mutex_;
    Hlc last_;
};

}  // namespace ocop
