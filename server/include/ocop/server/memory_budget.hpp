// A server-wide budget for the memory that request bodies take (docs/security.md, "Request
// memory"): the body as received, what it inflates to, and an estimate of its parsed JSON. Every
// request takes its share through a lease, as it reads; a request that cannot get it within the
// wait is answered 503 http.busy with Retry-After, one that needs more than the whole budget 413.
// So concurrent gzip bombs cost at most the budget, however many arrive at once.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <mutex>

namespace ocop::server {

class MemoryBudget {
  public:
    MemoryBudget(size_t capacity_bytes, std::chrono::milliseconds wait)
        : capacity_(capacity_bytes), wait_(wait) {}
    MemoryBudget(const MemoryBudget&) = delete;
    MemoryBudget& operator=(const MemoryBudget&) = delete;

    // Takes `bytes` once they are free, waiting at most the budget's wait; false if not.
    bool acquire(size_t bytes);
    void release(size_t bytes);

    size_t capacity() const noexcept { return capacity_; }
    size_t in_use() const;

  private:
    const size_t capacity_;
    const std::chrono::milliseconds wait_;
    mutable std::mutex mutex_;
    std::condition_variable freed_;
    size_t in_use_ = 0;
};

// One request's share of a budget, returned when the lease ends. Without a budget it only counts.
class MemoryLease {
  public:
    MemoryLease() = default;
    explicit MemoryLease(MemoryBudget* budget) : budget_(budget) {}
    MemoryLease(const MemoryLease&) = delete;
    MemoryLease& operator=(const MemoryLease&) = delete;
    ~MemoryLease();

    // Charges this (still empty) lease to `budget` from now on.
    void attach(MemoryBudget* budget) noexcept {
        if (held_ == 0) budget_ = budget;
    }

    // Grows the share to `total` bytes (never shrinks it). Throws Error(http.body_too_large) if
    // that is more than the whole budget, Error(http.busy) if it is not free within the wait.
    void grow_to(size_t total);
    size_t held() const noexcept { return held_; }

  private:
    MemoryBudget* budget_ = nullptr;
    size_t held_ = 0;
};

}  // namespace ocop::server
