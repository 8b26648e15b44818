#include "shaping_proxy.hpp"

#include <Poco/Net/NetException.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/Timespan.h>

#include <condition_variable>
#include <deque>

namespace ocop::test {

namespace {

using Clock = ShapingProxy::Clock;

Clock::duration scaled(std::chrono::microseconds d, double k) {
    return std::chrono::duration_cast<Clock::duration>(
        std::chrono::duration<double, std::micro>(static_cast<double>(d.count()) / k));
}

}  // namespace

struct ShapingProxy::Direction {
    struct Segment {
        std::string bytes;
        Clock::time_point deliver_at;
    };
    std::mutex mutex;
    std::condition_variable changed;
    std::deque<Segment> queue;
    size_t queued = 0;
    bool eof = false;
    Clock::time_point last_delivery{};
    // Request heads seen on the way up (the sniffer of count_request).
    std::string head;
    uint64_t body_left = 0;
};

struct ShapingProxy::Connection {
    Poco::Net::StreamSocket client;
    Poco::Net::StreamSocket server;
    Direction dir[2];  // 0: up (client -> server), 1: down
    std::atomic<bool> dead{false};

    // Drops what is queued and wakes every thread of the connection; returns the bytes dropped.
    uint64_t kill() {
        dead = true;
        uint64_t dropped = 0;
        for (auto& d : dir) {
            std::lock_guard lock(d.mutex);
            dropped += d.queued;
            d.queue.clear();
            d.queued = 0;
            d.changed.notify_all();
        }
        for (auto* s : {&client, &server}) {
            try {
                s->setLinger(true, 0);  // a reset, as a vanished radio link looks to the peer
                s->shutdown();
            } catch (const Poco::Exception&) {
            }
        }
        return dropped;
    }
};

ShapingProxy::ShapingProxy(int server_port, LinkShape shape)
    : server_port_(server_port),
      shape_(std::move(shape)),
      start_(Clock::now()),
      listener_(Poco::Net::SocketAddress("127.0.0.1", 0)),
      port_(listener_.address().port()),
      random_(shape_.seed) {
    link_free_[0] = link_free_[1] = start_;
    acceptor_ = std::thread([this] { accept_loop(); });
    cutter_ = std::thread([this] { cut_loop(); });
}

ShapingProxy::~ShapingProxy() {
    stopping_ = true;
    acceptor_.join();
    cutter_.join();
    {
        std::lock_guard lock(mutex_);
        for (auto& w : live_)
            if (auto c = w.lock()) c->kill();
    }
    for (auto& t : threads_) t.join();
}

LinkCounters ShapingProxy::counters() const {
    std::lock_guard lock(mutex_);
    return counters_;
}

bool ShapingProxy::in_cut() const {
    const auto now = Clock::now();
    for (const auto& c : shape_.cuts) {
        const auto from = start_ + scaled(c.at, shape_.time_scale);
        if (now >= from && now < from + scaled(c.length, shape_.time_scale)) return true;
    }
    return false;
}

std::chrono::microseconds ShapingProxy::down_time() const {
    const auto now = Clock::now();
    Clock::duration down{};
    for (const auto& c : shape_.cuts) {
        const auto from = start_ + scaled(c.at, shape_.time_scale);
        const auto to = from + scaled(c.length, shape_.time_scale);
        if (now > from) down += std::min(now, to) - from;
    }
    return std::chrono::duration_cast<std::chrono::microseconds>(down);
}

void ShapingProxy::cut_loop() {
    for (const auto& c : shape_.cuts) {
        const auto at = start_ + scaled(c.at, shape_.time_scale);
        while (!stopping_ && Clock::now() < at)
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
        if (stopping_) return;
        std::lock_guard lock(mutex_);
        for (auto& w : live_)
            if (auto conn = w.lock(); conn && !conn->dead)
                counters_.dropped_at_cuts += conn->kill();
    }
}

void ShapingProxy::accept_loop() {
    while (!stopping_) {
        try {
            if (!listener_.poll(Poco::Timespan(0, 20'000), Poco::Net::Socket::SELECT_READ))
                continue;
            Poco::Net::StreamSocket client = listener_.acceptConnection();
            if (in_cut()) {
                std::lock_guard lock(mutex_);
                ++counters_.refused_in_cuts;
                client.setLinger(true, 0);
                client.close();
                continue;
            }
            auto c = std::make_shared<Connection>();
            c->client = client;
            c->server =
                Poco::Net::StreamSocket(Poco::Net::SocketAddress("127.0.0.1", server_port_));
            c->client.setNoDelay(true);
            c->server.setNoDelay(true);
            std::lock_guard lock(mutex_);
            ++counters_.connections;
            live_.push_back(c);
            serve(c);
        } catch (const Poco::Exception&) {
            if (stopping_) return;
        }
    }
}

void ShapingProxy::count_request(const std::string& head) {
    const auto sp1 = head.find(' ');
    const auto sp2 = head.find(' ', sp1 + 1);
    if (sp1 == std::string::npos || sp2 == std::string::npos) return;
    std::string path = head.substr(sp1 + 1, sp2 - sp1 - 1);
    if (path.starts_with("/v1/blobs/")) path = "/v1/blobs/";
    ++counters_.requests[head.substr(0, sp1) + " " + path];
}

// Called with mutex_ held.
void ShapingProxy::serve(std::shared_ptr<Connection> c) {
    const double rate = shape_.bits_per_second * shape_.time_scale / 8.0;  // bytes per second
    const auto half_rtt = scaled(shape_.rtt, shape_.time_scale) / 2;
    const auto rto = scaled(shape_.rto, shape_.time_scale);
    for (int d = 0; d < 2; ++d) {
        Poco::Net::StreamSocket& from = d == 0 ? c->client : c->server;
        Poco::Net::StreamSocket& to = d == 0 ? c->server : c->client;
        Direction& dir = c->dir[d];
        // Reader: takes segments off the sender as the window allows and schedules them.
        threads_.emplace_back([this, c, d, &from, &dir, rate, half_rtt, rto] {
            std::string buffer(shape_.segment_bytes, '\0');
            from.setReceiveTimeout(Poco::Timespan(0, 100'000));
            while (!c->dead && !stopping_) {
                {
                    std::unique_lock lock(dir.mutex);
                    dir.changed.wait_for(lock, std::chrono::milliseconds(50), [&] {
                        return c->dead || dir.queued < shape_.window_bytes;
                    });
                    if (dir.queued >= shape_.window_bytes) continue;
                }
                int n = 0;
                try {
                    n = from.receiveBytes(buffer.data(), static_cast<int>(buffer.size()));
                } catch (const Poco::TimeoutException&) {
                    continue;
                } catch (const Poco::Exception&) {
                    n = 0;
                }
                if (n <= 0) break;
                Direction::Segment seg{buffer.substr(0, static_cast<size_t>(n)), {}};
                {
                    std::lock_guard lock(mutex_);
                    const auto now = Clock::now();
                    const auto on_link = std::chrono::duration_cast<Clock::duration>(
                        std::chrono::duration<double>(n / rate));
                    const auto sent = std::max(now, link_free_[d]) + on_link;
                    link_free_[d] = sent;
                    seg.deliver_at = sent + half_rtt;
                    if (std::uniform_real_distribution<double>(0, 1)(random_) <
                        shape_.stall_fraction) {
                        ++counters_.stalls;
                        link_free_[d] += on_link;  // the retransmission takes the link again
                        seg.deliver_at += rto;
                    }
                    if (d == 0) {  // count requests by their heads
                        size_t at = 0;
                        while (at < seg.bytes.size()) {
                            if (dir.body_left > 0) {
                                const auto skip =
                                    std::min<uint64_t>(dir.body_left, seg.bytes.size() - at);
                                dir.body_left -= skip;
                                at += skip;
                                continue;
                            }
                            dir.head.push_back(seg.bytes[at++]);
                            if (dir.head.ends_with("\r\n\r\n")) {
                                count_request(dir.head);
                                std::string lower = dir.head;
                                for (auto& ch : lower)
                                    ch = static_cast<char>(
                                        std::tolower(static_cast<unsigned char>(ch)));
                                if (const auto cl = lower.find("content-length:");
                                    cl != std::string::npos)
                                    dir.body_left = std::stoull(lower.substr(cl + 15));
                                dir.head.clear();
                            }
                        }
                    }
                }
                std::lock_guard lock(dir.mutex);
                if (c->dead) break;
                seg.deliver_at = std::max(seg.deliver_at, dir.last_delivery);
                dir.last_delivery = seg.deliver_at;
                dir.queued += seg.bytes.size();
                dir.queue.push_back(std::move(seg));
                dir.changed.notify_all();
            }
            std::lock_guard lock(dir.mutex);
            dir.eof = true;
            dir.changed.notify_all();
        });
        // Writer: delivers each segment at its time.
        threads_.emplace_back([this, c, d, &to, &dir] {
            while (true) {
                Direction::Segment seg;
                {
                    std::unique_lock lock(dir.mutex);
                    dir.changed.wait(lock,
                                     [&] { return c->dead || dir.eof || !dir.queue.empty(); });
                    if (c->dead) break;
                    if (dir.queue.empty()) {  // the sender finished: so does its peer's side
                        try {
                            to.shutdownSend();
                        } catch (const Poco::Exception&) {
                        }
                        break;
                    }
                    const auto at = dir.queue.front().deliver_at;
                    if (dir.changed.wait_until(lock, at, [&] { return c->dead.load(); })) break;
                    seg = std::move(dir.queue.front());
                    dir.queue.pop_front();
                    dir.queued -= seg.bytes.size();
                    dir.changed.notify_all();
                }
                try {
                    to.sendBytes(seg.bytes.data(), static_cast<int>(seg.bytes.size()));
                } catch (const Poco::Exception&) {
                    std::lock_guard lock(mutex_);
                    if (!c->dead) counters_.dropped_at_cuts += c->kill();
                    break;
                }
                std::lock_guard lock(mutex_);
                (d == 0 ? counters_.bytes_up : counters_.bytes_down) += seg.bytes.size();
            }
        });
    }
}

}  // namespace ocop::test
