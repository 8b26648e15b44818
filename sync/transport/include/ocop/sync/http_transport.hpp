// Transport over HTTP or HTTPS with Poco: gzip both ways, timeouts, a response size limit, and
// network failures reported as transient errors. It keeps one keep-alive connection for all its
// requests (one TLS handshake per sync run, not per request) and opens a new one, transparently
// and once, when the server has closed an idle connection. One request at a time.
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
    bool overlaps_apply() const noexcept override { return true; }

    // TCP connections this transport opened (each one TLS handshake over https). One transport
    // serves one sync run over a single keep-alive connection, opening another only when the
    // server closed it (tests and benchmarks read this).
    size_t connections_opened() const noexcept;

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace ocop::sync
