#include "ocop/server/http_connection.hpp"

#include <Poco/Timespan.h>
#include <Poco/Timestamp.h>

#include <string>

#include "ocop/core/error_codes.hpp"
#include "ocop/server/tuning.hpp"
#include "ocop/sync/wire.hpp"

namespace ocop::server {

void WatchedHttpConnection::run() {
    std::shared_ptr<WatchedConnection> watched;
    try {
        watched = watchdog_.admit(socket(), socket().peerAddress().host());
    } catch (const Poco::Exception&) {
        return;  // the peer is already gone (no address to ask)
    }
    if (!watched) {
        refuse();
        return;
    }
    try {
        HTTPServerConnection::run();
    } catch (...) {
        watchdog_.leave(watched);
        throw;
    }
    watchdog_.leave(watched);
}

// Answers without reading the request (which would take a thread for as long as the client
// likes), then reads and drops briefly what the client sent so that the close does not reset the
// answer away.
void WatchedHttpConnection::refuse() {
    const std::string body =
        sync::wire::error_body(errc::http_too_many_connections,
                               "too many connections at once from this address (at most " +
                                   std::to_string(watchdog_.policy().max_connections_per_address) +
                                   "); retry after Retry-After seconds");
    const std::string answer =
        "HTTP/1.1 503 Service Unavailable\r\n"
        "Content-Type: application/json\r\n"
        "Cache-Control: no-store\r\n"
        "Retry-After: " +
        std::to_string(tuning::busy_retry_after.count()) +
        "\r\n"
        "Connection: close\r\n"
        "Content-Length: " +
        std::to_string(body.size()) + "\r\n\r\n" + body;
    try {
        socket().setReceiveTimeout(Poco::Timespan(1, 0));
        socket().setSendTimeout(Poco::Timespan(1, 0));
        socket().sendBytes(answer.data(), static_cast<int>(answer.size()));
        if (!socket().secure()) socket().shutdownSend();
        char buffer[4096];
        size_t drained = 0;
        const Poco::Timestamp started;
        while (drained < 64 * 1024 && started.elapsed() < 2'000'000) {
            const int n = socket().receiveBytes(buffer, sizeof buffer);
            if (n <= 0) break;
            drained += static_cast<size_t>(n);
        }
    } catch (const Poco::Exception&) {  // timeout or reset: the answer went out or cannot
    }
}

}  // namespace ocop::server
