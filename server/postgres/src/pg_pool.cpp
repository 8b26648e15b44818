#include "ocop/postgres/pg_pool.hpp"

namespace ocop::pg {

Pool::Pool(std::string url, size_t max_connections, std::string setup)
    : url_(std::move(url)), max_(max_connections ? max_connections : 1), setup_(std::move(setup)) {}

Pool::Lease::~Lease() {
    if (c_) pool_->give_back(std::move(c_));
}

Pool::Lease Pool::acquire() {
    std::unique_lock lock(mutex_);
    freed_.wait(lock, [&] { return !idle_.empty() || open_ < max_; });
    if (!idle_.empty()) {
        auto c = std::move(idle_.back());
        idle_.pop_back();
        return Lease(*this, std::move(c));
    }
    ++open_;
    lock.unlock();
    try {
        auto c = std::make_unique<Connection>(url_);
        if (!setup_.empty()) c->exec(setup_);
        return Lease(*this, std::move(c));
    } catch (...) {
        lock.lock();
        --open_;
        freed_.notify_one();
        throw;
    }
}

void Pool::give_back(std::unique_ptr<Connection> c) {
    std::lock_guard lock(mutex_);
    if (c->broken()) {
        --open_;
    } else {
        idle_.push_back(std::move(c));
    }
    freed_.notify_one();
}

}  // namespace ocop::pg
