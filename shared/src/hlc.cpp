#include "ocop/core/hlc.hpp"

#include <algorithm>
#include <chrono>
#include <string>

#include "ocop/core/error.hpp"
#include "ocop/core/error_codes.hpp"

namespace ocop {

PhysicalClock system_physical_clock() {
    return [] {
        return std::chrono::duration_cast<std::chrono::milliseconds>(
                   std::chrono::system_clock::now().time_since_epoch())
            .count();
    };
}

HlcClock::HlcClock(PhysicalClock physical, int64_t max_ahead_ms, Hlc last)
    : physical_(std::move(physical)), max_ahead_ms_(max_ahead_ms), last_(last) {}

// The counter has 16 bits in the packed form. When a burst exhausts it inside one millisecond we
// move l forward by one: still monotonic, and the drift is bounded by the burst size / 65536 ms.
Hlc HlcClock::advance_to(int64_t wall_ms, uint32_t logical) {
    if (logical > Hlc::max_logical) {
        wall_ms += 1;
        logical = 0;
    }
    // A stamp no wire format could carry would wedge every peer that receives it: refuse to
    // issue it (only a clock dragged to the end of its range gets here).
    if (wall_ms > Hlc::max_wall_ms)
        throw Error(ErrorKind::internal, errc::clock_bad_stamp,
                    "the clock reached the end of its range (" + std::to_string(wall_ms) + " ms)");
    last_ = Hlc{wall_ms, logical};
    return last_;
}

Hlc HlcClock::now() {
    const int64_t pt = physical_();
    const std::lock_guard lock(mutex_);
    if (pt > last_.wall_ms) return advance_to(pt, 0);
    return advance_to(last_.wall_ms, last_.logical + 1);
}

bool HlcClock::too_far_ahead(Hlc remote) const {
    return remote.wall_ms > physical_() + max_ahead_ms_;
}

bool HlcClock::observe(Hlc remote) {
    const int64_t pt = physical_();
    if (remote.wall_ms > pt + max_ahead_ms_) return false;
    const std::lock_guard lock(mutex_);
    const int64_t l = std::max({last_.wall_ms, remote.wall_ms, pt});
    uint32_t c = 0;
    if (l == last_.wall_ms && l == remote.wall_ms) {
        c = std::max(last_.logical, remote.logical) + 1;
    } else if (l == last_.wall_ms) {
        c = last_.logical + 1;
    } else if (l == remote.wall_ms) {
        c = remote.logical + 1;
    }
    advance_to(l, c);
    return true;
}

}  // namespace ocop
