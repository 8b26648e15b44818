#include "ocop/server/login_throttle.hpp"

#include <algorithm>
#include <cstring>

namespace ocop::server {

namespace {

// User names are at most 64 characters of [a-z0-9._-] (account_rules.cpp); a longer "name" cannot
// exist, so it is kept only by its first 64 bytes plus a character no name has. Keys stay small
// whatever a request sends, and no made-up long name can share a record with a real one.
constexpr size_t kMaxKeyName = 64;

}  // namespace

MemoryLoginThrottleState::MemoryLoginThrottleState(size_t max_entries)
    : max_entries_(std::max<size_t>(max_entries, 1)) {}

std::optional<LoginThrottleRecord> MemoryLoginThrottleState::find(const std::string& key) {
    std::lock_guard lock(mutex_);
    const auto it = entries_.find(key);
    if (it == entries_.end()) return std::nullopt;
    return it->second.record;
}

void MemoryLoginThrottleState::update(const std::string& key, int64_t,
                                      const std::function<void(LoginThrottleRecord&)>& change) {
    std::lock_guard lock(mutex_);
    auto it = entries_.find(key);
    if (it == entries_.end()) {
        if (entries_.size() >= max_entries_) {  // drop the one that failed longest ago
            entries_.erase(order_.back());
            order_.pop_back();
        }
        order_.push_front(key);
        it = entries_.emplace(key, Entry{}).first;
        it->second.order = order_.begin();
    } else {
        order_.splice(order_.begin(), order_, it->second.order);
    }
    change(it->second.record);
}

void MemoryLoginThrottleState::erase(const std::string& key) {
    std::lock_guard lock(mutex_);
    const auto it = entries_.find(key);
    if (it == entries_.end()) return;
    order_.erase(it->second.order);
    entries_.erase(it);
}

void MemoryLoginThrottleState::erase_if_unchanged(const std::string& key,
                                                  const LoginThrottleRecord& seen) {
    std::lock_guard lock(mutex_);
    const auto it = entries_.find(key);
    if (it == entries_.end()) return;
    const LoginThrottleRecord& r = it->second.record;
    if (r.last_failure != seen.last_failure || r.locked_until != seen.locked_until ||
        r.lockouts != seen.lockouts || r.failures != seen.failures)
        return;
    order_.erase(it->second.order);
    entries_.erase(it);
}

size_t MemoryLoginThrottleState::size() {
    std::lock_guard lock(mutex_);
    return entries_.size();
}

LoginThrottle::LoginThrottle(PhysicalClock clock, Policy policy)
    : LoginThrottle(std::move(clock), policy,
                    std::make_unique<MemoryLoginThrottleState>(policy.max_entries)) {}

LoginThrottle::LoginThrottle(PhysicalClock clock, Policy policy,
                             std::unique_ptr<LoginThrottleState> state)
    : clock_(std::move(clock)), policy_(policy), state_(std::move(state)) {
    policy_.user_free_failures = std::max(policy_.user_free_failures, 1);
    policy_.address_free_failures = std::max(policy_.address_free_failures, 1);
    policy_.max_entries = std::max<size_t>(policy_.max_entries, 1);
}

std::string LoginThrottle::user_key(std::string_view user) {
    std::string key = "u:";
    key.append(user.substr(0, kMaxKeyName));
    if (user.size() > kMaxKeyName) key.push_back('+');
    return key;
}

std::string LoginThrottle::peer_key(std::string_view address) {
    return "a:" + std::string(address.substr(0, kMaxKeyName));
}

std::string LoginThrottle::address_key(const Poco::Net::IPAddress& address) {
    if (address.family() != Poco::Net::IPAddress::IPv6) return address.toString();
    const auto* bytes = static_cast<const unsigned char*>(address.addr());
    if (address.isIPv4Mapped())  // ::ffff:a.b.c.d is the IPv4 client a.b.c.d
        return Poco::Net::IPAddress(bytes + 12, 4).toString();
    unsigned char prefix[16] = {};
    std::memcpy(prefix, bytes, 8);
    return Poco::Net::IPAddress(prefix, sizeof prefix).toString() + "/64";
}

bool LoginThrottle::stale(const LoginThrottleRecord& e, int64_t now) const {
    if (now < e.locked_until) return false;
    const auto memory = e.lockouts > 0 ? policy_.lockout_memory : policy_.failure_window;
    return now - e.last_failure >= memory.count();
}

int64_t LoginThrottle::remaining(const std::string& key, int64_t now) {
    const auto record = state_->find(key);
    if (!record) return 0;
    if (stale(*record, now)) {
        state_->erase_if_unchanged(key, *record);
        return 0;
    }
    return std::max<int64_t>(record->locked_until - now, 0);
}

void LoginThrottle::fail(LoginThrottleRecord& e, int free_failures, int64_t now) const {
    if (stale(e, now)) e = LoginThrottleRecord{};
    e.last_failure = now;
    // A request that passed the check just before another one locked the record: it does not
    // lengthen the lock-out it could not have known about.
    if (now < e.locked_until) return;

    bool lock = e.lockouts > 0;  // after a lock-out, every failure locks again
    if (!lock) {
        const int64_t window = policy_.failure_window.count();
        e.failures.erase(std::remove_if(e.failures.begin(), e.failures.end(),
                                        [&](int64_t t) { return now - t >= window; }),
                         e.failures.end());
        e.failures.push_back(now);
        lock = e.failures.size() >= static_cast<size_t>(free_failures);
    }
    if (!lock) return;
    e.failures.clear();
    const int doublings = std::min(e.lockouts, 30);
    const int64_t first = policy_.first_lockout.count();
    const int64_t cap = policy_.max_lockout.count();
    const int64_t length = first > (cap >> doublings) ? cap : std::min(first << doublings, cap);
    e.locked_until = now + length;
    ++e.lockouts;
}

std::chrono::milliseconds LoginThrottle::retry_after(std::string_view user,
                                                     std::string_view address) {
    const int64_t now = clock_();
    return std::chrono::milliseconds(
        std::max(remaining(user_key(user), now), remaining(peer_key(address), now)));
}

void LoginThrottle::record_failure(std::string_view user, std::string_view address) {
    const int64_t now = clock_();
    // Two updates, each atomic on its own: no transaction ever holds both records (no deadlock).
    state_->update(user_key(user), now,
                   [&](LoginThrottleRecord& r) { fail(r, policy_.user_free_failures, now); });
    state_->update(peer_key(address), now,
                   [&](LoginThrottleRecord& r) { fail(r, policy_.address_free_failures, now); });
}

void LoginThrottle::record_success(std::string_view user) {
    state_->erase(user_key(user));
}

size_t LoginThrottle::size() const {
    return state_->size();
}

}  // namespace ocop::server
