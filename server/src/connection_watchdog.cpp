#include "ocop/server/connection_watchdog.hpp"

#include <sys/socket.h>
#include <unistd.h>

#include <vector>

#include "ocop/server/login_throttle.hpp"

namespace ocop::server {

void WatchedConnection::set_phase(Phase p) {
    std::lock_guard lock(mutex_);
    phase_ = p;
    phase_start_ = Clock::now();
}

void WatchedConnection::body_started() {
    body_bytes_.store(0);
    set_phase(Phase::body);
}

const char* WatchedConnection::overdue(Clock::time_point now, const WatchdogPolicy& policy) const {
    std::lock_guard lock(mutex_);
    const auto elapsed = now - phase_start_;
    switch (phase_) {
        case Phase::headers:
            return elapsed > policy.header_timeout ? "request headers took too long" : nullptr;
        case Phase::body: {
            // Apache's MinRate: the grace period, plus a second per min-rate bytes received.
            const size_t rate = policy.min_body_bytes_per_second;
            const auto earned = std::chrono::milliseconds(
                rate == 0 ? 0 : static_cast<int64_t>(body_bytes_.load() * 1000 / rate));
            return elapsed > policy.body_grace + earned ? "request body arrived too slowly"
                                                        : nullptr;
        }
        case Phase::handling:
            return nullptr;
    }
    return nullptr;
}

ConnectionWatchdog::ConnectionWatchdog(WatchdogPolicy policy, Poco::Logger& log)
    : policy_(policy), log_(log), thread_([this] { run(); }) {}

ConnectionWatchdog::~ConnectionWatchdog() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_all();
    thread_.join();
}

std::shared_ptr<WatchedConnection> ConnectionWatchdog::admit(const Poco::Net::Socket& socket,
                                                             const Poco::Net::IPAddress& peer) {
    std::string address = LoginThrottle::address_key(peer);
    std::lock_guard lock(mutex_);
    size_t& open = per_address_[address];
    if (open >= policy_.max_connections_per_address && !policy_.trusted_proxies.trusts(peer)) {
        if (open == 0) per_address_.erase(address);
        return nullptr;
    }
    const poco_socket_t poco_fd = socket.impl()->sockfd();
    const int own_fd = ::dup(poco_fd);
    if (own_fd < 0) {
        if (open == 0) per_address_.erase(address);
        return nullptr;  // out of descriptors: refused like an address over its cap
    }
    ++open;
    auto connection = std::make_shared<WatchedConnection>(poco_fd, own_fd, address);
    by_own_fd_[own_fd] = connection;
    by_poco_fd_[poco_fd] = connection;
    return connection;
}

void ConnectionWatchdog::leave(const std::shared_ptr<WatchedConnection>& connection) {
    if (!connection) return;
    std::lock_guard lock(mutex_);
    by_own_fd_.erase(connection->own_fd_);
    if (const auto it = by_poco_fd_.find(connection->poco_fd_);
        it != by_poco_fd_.end() && it->second == connection)
        by_poco_fd_.erase(it);
    ::close(connection->own_fd_);  // under the lock: no cut can be on its way to it
    const auto it = per_address_.find(connection->address_);
    if (it != per_address_.end() && --it->second == 0) per_address_.erase(it);
}

std::shared_ptr<WatchedConnection> ConnectionWatchdog::find(const Poco::Net::Socket& socket) const {
    std::lock_guard lock(mutex_);
    const auto it = by_poco_fd_.find(socket.impl()->sockfd());
    return it == by_poco_fd_.end() ? nullptr : it->second;
}

size_t ConnectionWatchdog::connections() const {
    std::lock_guard lock(mutex_);
    return by_own_fd_.size();
}

void ConnectionWatchdog::run() {
    std::unique_lock lock(mutex_);
    while (!stopping_) {
        wake_.wait_for(lock, policy_.check_interval, [this] { return stopping_; });
        const auto now = WatchedConnection::Clock::now();
        std::vector<std::string> cuts;
        for (const auto& [fd, connection] : by_own_fd_) {
            if (connection->cut_.load()) continue;
            if (const char* why = connection->overdue(now, policy_)) {
                connection->cut_.store(true);
                // The read side only: the blocked recv returns end-of-stream at once and the
                // worker can still write its 408 answer.
                ::shutdown(fd, SHUT_RD);
                cuts.push_back(std::string(why) + " from " + connection->address_);
            }
        }
        lock.unlock();
        for (const auto& line : cuts) log_.notice("connection cut: " + line);
        lock.lock();
    }
}

}  // namespace ocop::server
