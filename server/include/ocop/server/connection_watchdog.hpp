// Keeps slow and idle connections from starving the server (docs/security.md, "Slow links").
// Every connection registers here for its life; a thread of the watchdog cuts one whose request
// headers are not complete within a header timeout, or whose body arrives slower than a minimum
// rate once a grace period is over (Apache's mod_reqtimeout does the same). Cutting shuts down
// the read side of the socket, which wakes the worker blocked in recv (plain or TLS): it answers
// 408 http.too_slow if it can and frees its thread. The watchdog also caps the connections open
// at once from one address, so that one client cannot take every worker thread.
#pragma once

#include <Poco/Logger.h>
#include <Poco/Net/IPAddress.h>
#include <Poco/Net/Socket.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "ocop/server/client_address.hpp"

namespace ocop::server {

struct WatchdogPolicy {
    // From the connection's start (or the end of its previous request) to complete headers.
    std::chrono::milliseconds header_timeout{20'000};
    // A body may take this long whatever its rate ...
    std::chrono::milliseconds body_grace{20'000};
    // ... and then one more second for every this many bytes received.
    size_t min_body_bytes_per_second = 500;
    // Connections open at once from one client address (IPv4 address or IPv6 /64).
    size_t max_connections_per_address = 32;
    // How often the watchdog looks (a cut comes at most this late).
    std::chrono::milliseconds check_interval{250};
    // Not capped: a trusted proxy carries many clients' connections and bounds them itself
    // (haproxy's maxconn on each server line).
    TrustedProxies trusted_proxies;
};

// One connection as the watchdog sees it; shared by the worker serving it and the watchdog.
class WatchedConnection {
  public:
    enum class Phase { headers, body, handling };
    using Clock = std::chrono::steady_clock;

    // `own_fd` is the watchdog's own duplicate of the socket's descriptor (see admit()).
    WatchedConnection(poco_socket_t poco_fd, int own_fd, std::string address)
        : poco_fd_(poco_fd), own_fd_(own_fd), address_(std::move(address)) {}

    // The request handler's reports: headers complete, body reading began, body bytes so far,
    // request answered (the next request's headers are awaited).
    void headers_complete() { set_phase(Phase::handling); }
    void body_started();
    void body_progress(size_t total_bytes) { body_bytes_.store(total_bytes); }
    void body_done() { set_phase(Phase::handling); }
    void request_finished() { set_phase(Phase::headers); }

    // True once the watchdog cut this connection (what the worker then reads is not the client's).
    bool cut() const { return cut_.load(); }
    const std::string& address() const { return address_; }

  private:
    friend class ConnectionWatchdog;
    void set_phase(Phase p);
    // The reason to cut it now, or null.
    const char* overdue(Clock::time_point now, const WatchdogPolicy& policy) const;

    const poco_socket_t poco_fd_;
    const int own_fd_;
    const std::string address_;
    mutable std::mutex mutex_;
    Phase phase_ = Phase::headers;
    Clock::time_point phase_start_ = Clock::now();
    std::atomic<size_t> body_bytes_{0};
    std::atomic<bool> cut_{false};
};

class ConnectionWatchdog {
  public:
    ConnectionWatchdog(WatchdogPolicy policy, Poco::Logger& log);
    ConnectionWatchdog(const ConnectionWatchdog&) = delete;
    ConnectionWatchdog& operator=(const ConnectionWatchdog&) = delete;
    ~ConnectionWatchdog();  // stops the thread

    // Registers a connection; null when its address already has the most connections allowed.
    // The watchdog keeps a duplicate of the socket's descriptor until leave(): Poco closes its
    // own before the connection's run() returns, and a cut must never reach a descriptor number
    // reused by a newer connection.
    std::shared_ptr<WatchedConnection> admit(const Poco::Net::Socket& socket,
                                             const Poco::Net::IPAddress& peer);
    void leave(const std::shared_ptr<WatchedConnection>& connection);
    // The registered connection on this socket, or null.
    std::shared_ptr<WatchedConnection> find(const Poco::Net::Socket& socket) const;

    const WatchdogPolicy& policy() const noexcept { return policy_; }
    size_t connections() const;

  private:
    void run();

    const WatchdogPolicy policy_;
    Poco::Logger& log_;
    mutable std::mutex mutex_;
    std::condition_variable wake_;
    bool stopping_ = false;
    std::map<int, std::shared_ptr<WatchedConnection>> by_own_fd_;
    // The newest registration of each of Poco's descriptors (what a request handler knows).
    std::map<poco_socket_t, std::shared_ptr<WatchedConnection>> by_poco_fd_;
    std::map<std::string, size_t> per_address_;
    std::thread thread_;
};

}  // namespace ocop::server
