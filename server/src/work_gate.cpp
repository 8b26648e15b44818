#include "ocop/server/work_gate.hpp"

namespace ocop::server {

WorkGate::Turn WorkGate::enter() {
    std::unique_lock lock(mutex_);
    const uint64_t ticket = arrived_++;
    turned_.wait(lock, [&] { return ticket < left_ + slots_; });
    return Turn(*this);
}

void WorkGate::leave() {
    {
        std::lock_guard lock(mutex_);
        ++left_;
    }
    turned_.notify_all();
}

size_t WorkGate::waiting() const {
    std::lock_guard lock(mutex_);
    const uint64_t working_or_done = left_ + slots_;
    return arrived_ > working_or_done ? static_cast<size_t>(arrived_ - working_or_done) : 0;
}

}  // namespace ocop::server
