// Login throttling against password guessing. Failed logins are counted per user name and per
// remote address; once either has too many within a window it is locked out for a while, and
// every further failure after a lock-out locks it again for twice as long, up to a cap. While
// locked out, POST /v1/login answers 429 with Retry-After and never checks the password (no
// PBKDF2 work for the guesser). A successful login clears the user name's record.
//
// Memory is bounded: at most Policy::max_entries records; beyond that the record whose last
// failure is oldest is dropped. Time comes from an injectable clock so that tests do not sleep.
// Thread-safe: one instance is shared by every HTTP worker thread (owned by Server).
#pragma once

#include <Poco/Net/IPAddress.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <list>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "ocop/core/hlc.hpp"
#include "ocop/server/tuning.hpp"

namespace ocop::server {

// The numbers (why each has its value: tuning.hpp).
struct LoginThrottlePolicy {
    int user_free_failures = tuning::login_user_free_failures;
    int address_free_failures = tuning::login_address_free_failures;
    std::chrono::milliseconds failure_window = tuning::login_failure_window;
    std::chrono::milliseconds first_lockout = tuning::login_first_lockout;
    std::chrono::milliseconds max_lockout = tuning::login_max_lockout;
    std::chrono::milliseconds lockout_memory = tuning::login_lockout_memory;
    size_t max_entries = tuning::login_throttle_max_entries;
};

class LoginThrottle {
  public:
    using Policy = LoginThrottlePolicy;

    explicit LoginThrottle(PhysicalClock clock, Policy policy = {});
    LoginThrottle(const LoginThrottle&) = delete;
    LoginThrottle& operator=(const LoginThrottle&) = delete;

    // How long logins for `user` from `address` are still refused; zero: go ahead and check the
    // password. Does not count as an attempt.
    std::chrono::milliseconds retry_after(std::string_view user, std::string_view address);
    // A wrong password (or unknown user) for `user` from `address`.
    void record_failure(std::string_view user, std::string_view address);
    // A correct password: the user name's failures and lock-outs are forgotten. The address's are
    // kept, so that one valid account does not give a guesser a fresh allowance for others.
    void record_success(std::string_view user);

    size_t size() const;  // records held (user names and addresses)

    // The address a remote peer is counted under: the address itself for IPv4 (and IPv4-mapped
    // IPv6), its /64 prefix for IPv6, since one subscriber or host usually holds a whole /64.
    static std::string address_key(const Poco::Net::IPAddress& address);

  private:
    struct Entry {
        std::vector<int64_t> failures;  // times of the recent failures, oldest first
        int lockouts = 0;               // lock-outs so far: the next lasts first * 2^lockouts
        int64_t locked_until = 0;
        int64_t last_failure = 0;
        std::list<std::string>::iterator order;  // position in order_ (most recent failure first)
    };

    static std::string user_key(std::string_view user);
    static std::string peer_key(std::string_view address);
    bool stale(const Entry& entry, int64_t now) const;
    int64_t remaining(const std::string& key, int64_t now);  // locked-out ms left; 0 if none
    void fail(const std::string& key, int free_failures, int64_t now);

    PhysicalClock clock_;
    Policy policy_;
    mutable std::mutex mutex_;
    std::unordered_map<std::string, Entry> entries_;
    std::list<std::string> order_;  // keys, the one that failed most recently first
};

}  // namespace ocop::server
