// A user-space link emulator on the loopback (this machine's kernel has no netem): a TCP proxy
// between devices and the server that gives every connection through it one shared link of a
// rate and round trip, stalls a fraction of segments for a retransmission time-out in place of
// loss, and cuts the link (every connection reset, new ones refused) for set periods. The
// cutting proxy (cutting_proxy.hpp) cuts one exchange at a chosen byte; this one shapes a whole
// day of traffic.
//
// The model, per direction (docs/attachments.md, "Field-network test"):
//  - a segment of `segment_bytes` occupies the link for its size at `bits_per_second`; segments
//    of all connections queue for the same link, so the rate is shared;
//  - it arrives rtt/2 after it left the link;
//  - `stall_fraction` of segments are "lost": they occupy the link a second time (the
//    retransmission) and arrive one `rto` later, holding up what follows on their connection
//    (head-of-line, as TCP delivers in order), while the link goes on sending later segments
//    within the window (SACK);
//  - a window of `window_bytes` in flight per connection and direction: beyond it the proxy stops
//    reading, and the sender's socket fills, as with a TCP receive window;
//  - cuts at set link times: queued bytes are dropped, both sockets of every connection are reset,
//    and connections made during the cut are reset at once.
// `time_scale` K runs the same link K times faster: rate x K, and every time (rtt, rto, cut
// start and length) / K, so a 25-minute day runs in about a minute with the same shape (ratios
// of wall time to transfer time, round trips, re-sent bytes are unchanged).
#pragma once

#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/StreamSocket.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

namespace ocop::test {

struct LinkShape {
    double bits_per_second = 64'000;  // EDGE
    std::chrono::microseconds rtt{600'000};
    double stall_fraction = 0.03;
    // RFC 6298's lower bound, and about what RTT + 4 x RTTVAR gives on EDGE.
    std::chrono::microseconds rto{1'000'000};
    size_t segment_bytes = 1400;
    size_t window_bytes = 32 * 1024;
    struct Cut {
        std::chrono::microseconds at;  // link time since the proxy started (unscaled)
        std::chrono::microseconds length;
    };
    std::vector<Cut> cuts;
    double time_scale = 1;
    uint32_t seed = 14;
};

struct LinkCounters {
    uint64_t bytes_up = 0;    // client -> server, delivered
    uint64_t bytes_down = 0;  // server -> client, delivered
    uint64_t dropped_at_cuts = 0;
    uint64_t stalls = 0;
    uint64_t connections = 0;
    uint64_t refused_in_cuts = 0;
    std::map<std::string, uint64_t> requests;  // by "METHOD /path-prefix"
};

class ShapingProxy {
  public:
    ShapingProxy(int server_port, LinkShape shape);
    ~ShapingProxy();
    ShapingProxy(const ShapingProxy&) = delete;
    ShapingProxy& operator=(const ShapingProxy&) = delete;

    int port() const { return port_; }
    LinkCounters counters() const;
    // Scaled wall time the link has been down so far.
    std::chrono::microseconds down_time() const;

    using Clock = std::chrono::steady_clock;
    struct Direction;
    struct Connection;

  private:
    void accept_loop();
    void cut_loop();
    bool in_cut() const;
    void serve(std::shared_ptr<Connection> c);
    void count_request(const std::string& line);
    friend struct Connection;

    const int server_port_;
    const LinkShape shape_;
    const Clock::time_point start_;
    Poco::Net::ServerSocket listener_;
    const int port_;
    std::atomic<bool> stopping_{false};
    mutable std::mutex mutex_;
    LinkCounters counters_;
    std::mt19937 random_;
    Clock::time_point link_free_[2];  // when each direction's link is next free
    std::vector<std::weak_ptr<Connection>> live_;
    std::vector<std::thread> threads_;
    std::thread acceptor_;
    std::thread cutter_;
};

}  // namespace ocop::test
