// How the sync client reaches a server. HttpTransport (http_transport.hpp) speaks HTTP(S) with
// Poco; tests use an in-process transport that calls the server half directly.
#pragma once

#include <string>

namespace ocop::sync {

struct HttpReply {
    int status = 0;
    std::string body;  // already decompressed
    // Bytes of the request and answer bodies as they crossed the network (compressed), for
    // progress reports and benchmarks; 0 when the transport does not know.
    size_t wire_bytes_sent = 0;
    size_t wire_bytes_received = 0;
};

class Transport {
  public:
    virtual ~Transport() = default;
    // POSTs a JSON body (the transport compresses it) to `path` ("/v1/sync"), with the bearer
    // token when non-empty. Throws Error(sync.no_connection / sync.network / sync.timeout,
    // transient) when no HTTP answer arrived; any HTTP answer, error statuses included, is
    // returned.
    virtual HttpReply post(const std::string& path, const std::string& json_body,
                           const std::string& bearer_token) = 0;
    // true: post() touches nothing of the device (its store, clock or replica) and may run on
    // another thread, one post at a time, so the client asks for the next pull page while it
    // applies the last one. A network transport is; a simulated world that moves the device's
    // clock inside post() is not (the default, which keeps such a run serial and repeatable).
    virtual bool overlaps_apply() const noexcept { return false; }
};

}  // namespace ocop::sync
