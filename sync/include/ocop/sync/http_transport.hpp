// Transport over HTTP or HTTPS with Poco: gzip both ways, timeouts, a response size limit, and
// network failures reported as transient errors.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "ocop/sync/transport.hpp"
#include "ocop/sync/tuning.hpp"

namespace ocop::sync {

struct HttpOptions {
    std::chrono::seconds connect_timeout = tuning::connect_timeout;
    std::chrono::seconds request_timeout = tuning::request_timeout;
    // For https: a PEM file of trusted certificates (a province's own CA or a self-signed server
    // certificate). Empty: the system's trust store.
    std::string ca_file;
};

class HttpTransport final : public Transport {
public:
    // `base_url`: http://host:port or https://host:port, optionally with a path prefix.
    // Throws Error(sync.malformed) for a URL it cannot use.
    explicit HttpTransport(const std::string& base_url, HttpOptions options = {});
    ~HttpTransport() override;

    HttpReply post(const std::string& path, const std::string& json_body,
                   const std::string& bearer_token) override;
    // GET, for the health route and tools.
    HttpReply get(const std::string& path);

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace ocop::sync
