// How the sync client reaches a server. HttpTransport (http_transport.hpp) speaks HTTP(S) with
// Poco; tests use an in-process transport that calls the server half directly.
#pragma once

#include <string>

namespace ocop::sync {

struct HttpReply {
    int status = 0;
    std::string body;  // already decompressed
};

class Transport {
public:
    virtual ~Transport() = default;
    // POSTs a JSON body (the transport compresses it) to `path` ("/v1/sync"), with the bearer
    // token when non-empty. Throws Error(sync.network / sync.timeout, transient) when no HTTP
    // answer arrived; any HTTP answer, error statuses included, is returned.
    virtual HttpReply post(const std::string& path, const std::string& json_body,
                           const std::string& bearer_token) = 0;
};

}  // namespace ocop::sync
