// Login throttling against password guessing. Failed logins are counted per user name and per
// remote address; once either has too many within a window it is locked out for a while, and
// every further failure after a lock-out locks it again for twice as long, up to a cap. While
// locked out, POST /v1/login answers 429 with Retry-After and never checks the password (no
// PBKDF2 work for the guesser). A successful login clears the user name's record.
//
// The records live behind LoginThrottleState: in memory for one process (the default), or in the
// database that several server processes share (PgLoginThrottleState,
// ocop/postgres/pg_login_throttle_state.hpp), so that a guesser spreading attempts over the
// processes behind a load balancer gets no more of them than against one process.
//
// Memory is bounded: in memory, at most Policy::max_entries records; beyond that the record whose
// last failure is oldest is dropped. Time comes from an injectable clock so that tests do not
// sleep. Thread-safe: one instance is shared by every HTTP worker thread (owned by Server).
#pragma once

#include <Poco/Net/IPAddress.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <list>
#include <memory>
#include <mutex>
#include <optional>
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

// What is remembered of one user name or address.
struct LoginThrottleRecord {
    std::vector<int64_t> failures;  // times of the recent failures, oldest first
    int lockouts = 0;               // lock-outs so far: the next lasts first * 2^lockouts
    int64_t locked_until = 0;
    int64_t last_failure = 0;
};

// Where LoginThrottle keeps its records. Every call is atomic against every other call on the
// same key, from any thread (and, for a shared state, any process).
class LoginThrottleState {
  public:
    virtual ~LoginThrottleState() = default;
    virtual std::optional<LoginThrottleRecord> find(const std::string& key) = 0;
    // Applies `change` to the key's record (an empty one if there is none) and stores the result,
    // with no other change of that key in between. `now` lets the state drop old records.
    virtual void update(const std::string& key, int64_t now,
                        const std::function<void(LoginThrottleRecord&)>& change) = 0;
    virtual void erase(const std::string& key) = 0;
    // Erases the key's record only if it is still `seen` (a failure since then keeps it).
    virtual void erase_if_unchanged(const std::string& key, const LoginThrottleRecord& seen) = 0;
    virtual size_t size() = 0;
};

// The records of one process, at most `max_entries` (the one that failed longest ago goes).
class MemoryLoginThrottleState final : public LoginThrottleState {
  public:
    explicit MemoryLoginThrottleState(size_t max_entries);
    std::optional<LoginThrottleRecord> find(const std::string& key) override;
    void update(const std::string& key, int64_t now,
                const std::function<void(LoginThrottleRecord&)>& change) override;
    void erase(const std::string& key) override;
    void erase_if_unchanged(const std::string& key, const LoginThrottleRecord& seen) override;
    size_t size() override;

  private:
    struct Entry {
        LoginThrottleRecord record;
        std::list<std::string>::iterator order;  // position in order_ (most recent failure first)
    };
    const size_t max_entries_;
    std::mutex mutex_;
    std::unordered_map<std::string, Entry> entries_;
    std::list<std::string> order_;  // keys, the one that failed most recently first
};

class LoginThrottle {
  public:
    using Policy = LoginThrottlePolicy;

    // Records in memory (MemoryLoginThrottleState of policy.max_entries).
    explicit LoginThrottle(PhysicalClock clock, Policy policy = {});
    // Records in `state`: a PgLoginThrottleState for several processes on one database.
    LoginThrottle(PhysicalClock clock, Policy policy, std::unique_ptr<LoginThrottleState> state);
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
    static std::string user_key(std::string_view user);
    static std::string peer_key(std::string_view address);
    bool stale(const LoginThrottleRecord& record, int64_t now) const;
    int64_t remaining(const std::string& key, int64_t now);  // locked-out ms left; 0 if none
    void fail(LoginThrottleRecord& record, int free_failures, int64_t now) const;

    PhysicalClock clock_;
    Policy policy_;
    std::unique_ptr<LoginThrottleState> state_;
};

}  // namespace ocop::server
