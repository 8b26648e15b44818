// A bare TCP client for the tests of the HTTP layer's defences: it connects from a chosen
// loopback source address (all of 127.0.0.0/8 is the loopback on Linux, so one test can play many
// clients), sends exactly the bytes it is told, when it is told, and reads what comes back.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <stdexcept>
#include <string>

namespace ocop::server::test {

class RawClient {
  public:
    RawClient(uint16_t port, const std::string& source_ip = "127.0.0.1") {
        fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
        if (fd_ < 0) throw std::runtime_error("socket() failed");
        sockaddr_in local{};
        local.sin_family = AF_INET;
        ::inet_pton(AF_INET, source_ip.c_str(), &local.sin_addr);
        if (::bind(fd_, reinterpret_cast<sockaddr*>(&local), sizeof local) != 0)
            fail("bind to " + source_ip);
        sockaddr_in server{};
        server.sin_family = AF_INET;
        server.sin_port = htons(port);
        ::inet_pton(AF_INET, "127.0.0.1", &server.sin_addr);
        if (::connect(fd_, reinterpret_cast<sockaddr*>(&server), sizeof server) != 0)
            fail("connect");
    }
    ~RawClient() {
        if (fd_ >= 0) ::close(fd_);
    }
    RawClient(const RawClient&) = delete;
    RawClient& operator=(const RawClient&) = delete;

    // False once the server has closed or reset the connection.
    bool send(const std::string& bytes) {
        size_t sent = 0;
        while (sent < bytes.size()) {
            const ssize_t n = ::send(fd_, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
            if (n <= 0) return false;
            sent += static_cast<size_t>(n);
        }
        return true;
    }

    // Reads until the server closes the connection (or resets it, or `timeout` passes).
    // `closed` tells whether it did close within the time.
    std::string read_until_closed(std::chrono::milliseconds timeout, bool* closed = nullptr) {
        std::string got;
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        for (;;) {
            const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                deadline - std::chrono::steady_clock::now());
            if (left.count() <= 0) break;
            pollfd p{fd_, POLLIN, 0};
            if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) break;
            char buffer[4096];
            const ssize_t n = ::recv(fd_, buffer, sizeof buffer, 0);
            if (n <= 0) {
                if (closed) *closed = true;
                return got;
            }
            got.append(buffer, static_cast<size_t>(n));
        }
        if (closed) *closed = false;
        return got;
    }

    // Reads what has arrived within `wait`, without waiting for more; sets `closed` once the
    // server has closed or reset the connection.
    std::string read_some(std::chrono::milliseconds wait, bool& closed) {
        std::string got;
        pollfd p{fd_, POLLIN, 0};
        while (::poll(&p, 1, static_cast<int>(wait.count())) > 0) {
            char buffer[4096];
            const ssize_t n = ::recv(fd_, buffer, sizeof buffer, MSG_DONTWAIT);
            if (n <= 0) {
                if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK)) closed = true;
                break;
            }
            got.append(buffer, static_cast<size_t>(n));
            wait = std::chrono::milliseconds(0);
        }
        return got;
    }

    // The status code of an HTTP answer in `text` ("HTTP/1.1 503 ..."), or 0.
    static int status_of(const std::string& text) {
        if (text.rfind("HTTP/1.", 0) != 0 || text.size() < 12) return 0;
        return std::stoi(text.substr(9, 3));
    }
    // The body of an HTTP answer (after the blank line).
    static std::string body_of(const std::string& text) {
        const size_t at = text.find("\r\n\r\n");
        return at == std::string::npos ? std::string() : text.substr(at + 4);
    }

  private:
    [[noreturn]] void fail(const std::string& what) {
        const int err = errno;
        ::close(fd_);
        fd_ = -1;
        throw std::runtime_error(what + " failed: errno " + std::to_string(err));
    }
    int fd_ = -1;
};

}  // namespace ocop::server::test
