#include "cutting_proxy.hpp"

#include <Poco/Net/NetException.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/Timespan.h>

#include <string>

namespace ocop::test {

namespace {

// Reads one HTTP request or answer head + body (Content-Length framing, which both our client
// and server use) from `from`, forwarding at most `limit` bytes to `to`. Returns bytes forwarded,
// or SIZE_MAX when the whole message was forwarded.
// `to` may be null: the message is then read and discarded.
size_t pump_message(Poco::Net::StreamSocket& from, Poco::Net::StreamSocket* to, size_t limit) {
    std::string buf;
    size_t forwarded = 0;
    size_t expected_total = SIZE_MAX;
    char chunk[16 * 1024];
    while (true) {
        const int n = from.receiveBytes(chunk, sizeof chunk);
        if (n <= 0) return forwarded;
        buf.append(chunk, static_cast<size_t>(n));
        if (expected_total == SIZE_MAX) {
            const auto head_end = buf.find("\r\n\r\n");
            if (head_end != std::string::npos) {
                size_t length = 0;
                std::string head = buf.substr(0, head_end);
                for (auto& c : head)
                    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
                const auto cl = head.find("content-length:");
                if (cl != std::string::npos) length = std::stoul(head.substr(cl + 15));
                expected_total = head_end + 4 + length;
            }
        }
        const size_t can_send = std::min(buf.size(), limit) - std::min(forwarded, buf.size());
        if (can_send > 0 && forwarded < limit) {
            if (to) to->sendBytes(buf.data() + forwarded, static_cast<int>(can_send));
            forwarded += can_send;
        }
        if (forwarded >= limit) return forwarded;
        if (expected_total != SIZE_MAX && buf.size() >= expected_total &&
            forwarded >= expected_total)
            return SIZE_MAX;
    }
}

}  // namespace

CuttingProxy::CuttingProxy(int server_port)
    : server_port_(server_port),
      listener_(Poco::Net::SocketAddress("127.0.0.1", 0)),
      port_(listener_.address().port()),
      acceptor_([this] { accept_loop(); }) {}

CuttingProxy::~CuttingProxy() {
    stopping_ = true;
    listener_.close();
    acceptor_.join();
    for (auto& w : workers_) w.join();
}

void CuttingProxy::cut_next(Cut how, size_t bytes) {
    std::lock_guard lock(mutex_);
    next_cut_ = how;
    next_bytes_ = bytes;
}

void CuttingProxy::accept_loop() {
    while (!stopping_) {
        try {
            if (!listener_.poll(Poco::Timespan(0, 100000), Poco::Net::Socket::SELECT_READ))
                continue;
            Poco::Net::StreamSocket client = listener_.acceptConnection();
            Cut how;
            size_t bytes;
            {
                std::lock_guard lock(mutex_);
                how = next_cut_;
                bytes = next_bytes_;
                next_cut_ = Cut::none;
            }
            workers_.emplace_back(
                [this, client, how, bytes]() mutable { serve(client, how, bytes); });
        } catch (const Poco::Exception&) {
            if (stopping_) return;
        }
    }
}

void CuttingProxy::serve(Poco::Net::StreamSocket client, Cut how, size_t bytes) {
    try {
        client.setReceiveTimeout(Poco::Timespan(30, 0));
        Poco::Net::StreamSocket server(Poco::Net::SocketAddress("127.0.0.1", server_port_));
        server.setReceiveTimeout(Poco::Timespan(30, 0));
        const size_t request_limit = how == Cut::request_after_bytes ? bytes : SIZE_MAX - 1;
        const size_t sent = pump_message(client, &server, request_limit);
        if (how == Cut::request_after_bytes && sent != SIZE_MAX) {
            ++cuts_done_;
            server.close();
            client.close();
            return;
        }
        if (how == Cut::before_answer) {
            // Let the server finish handling, then drop its answer.
            pump_message(server, nullptr, SIZE_MAX - 1);
            ++cuts_done_;
            client.close();
            return;
        }
        const size_t answer_limit = how == Cut::answer_after_bytes ? bytes : SIZE_MAX - 1;
        const size_t answered = pump_message(server, &client, answer_limit);
        if (how == Cut::answer_after_bytes && answered != SIZE_MAX) ++cuts_done_;
        client.shutdown();
        client.close();
        server.close();
    } catch (const Poco::Exception&) {
        client.close();
    }
}

}  // namespace ocop::test
