// A TCP proxy between a device and the real server that can cut the next connection at a chosen
// point: after N bytes of the request (a push cut mid-way), after the whole request but before the
// answer (the server applied it; the device never hears), or after N bytes of the answer (a pull
// cut mid-way). Loopback only.
#pragma once

#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/StreamSocket.h>

#include <atomic>
#include <cstdint>
#include <mutex>
#include <thread>
#include <vector>

namespace ocop::test {

class CuttingProxy {
  public:
    enum class Cut { none, request_after_bytes, before_answer, answer_after_bytes };

    explicit CuttingProxy(int server_port);
    ~CuttingProxy();

    int port() const { return port_; }
    // Applies to the next connection only; later connections pass through.
    void cut_next(Cut how, size_t bytes = 0);
    int cuts_done() const { return cuts_done_.load(); }

  private:
    void accept_loop();
    void serve(Poco::Net::StreamSocket client, Cut how, size_t bytes);

    int server_port_;
    Poco::Net::ServerSocket listener_;
    int port_;
    std::atomic<bool> stopping_{false};
    std::mutex mutex_;
    Cut next_cut_ = Cut::none;
    size_t next_bytes_ = 0;
    std::atomic<int> cuts_done_{0};
    std::vector<std::thread> workers_;
    std::thread acceptor_;
};

}  // namespace ocop::test
