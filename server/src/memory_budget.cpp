#include "ocop/server/memory_budget.hpp"

#include <string>

#include "ocop/core/error.hpp"
#include "ocop/core/error_codes.hpp"

namespace ocop::server {

bool MemoryBudget::acquire(size_t bytes) {
    std::unique_lock lock(mutex_);
    const bool got = freed_.wait_for(lock, wait_, [&] { return capacity_ - in_use_ >= bytes; });
    if (got) in_use_ += bytes;
    return got;
}

void MemoryBudget::release(size_t bytes) {
    {
        std::lock_guard lock(mutex_);
        in_use_ -= bytes;
    }
    freed_.notify_all();
}

size_t MemoryBudget::in_use() const {
    std::lock_guard lock(mutex_);
    return in_use_;
}

MemoryLease::~MemoryLease() {
    if (budget_ && held_ > 0) budget_->release(held_);
}

void MemoryLease::grow_to(size_t total) {
    if (total <= held_) return;
    if (!budget_) {
        held_ = total;
        return;
    }
    if (total > budget_->capacity())
        throw Error(ErrorKind::too_large, errc::http_body_too_large,
                    "request needs " + std::to_string(total) +
                        " bytes of memory, more than the server allows all requests together (" +
                        std::to_string(budget_->capacity()) + ")");
    if (!budget_->acquire(total - held_))
        throw Error(ErrorKind::transient, errc::http_busy,
                    "the server is busy reading other requests; retry after Retry-After seconds");
    held_ = total;
}

}  // namespace ocop::server
