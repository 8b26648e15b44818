// The blob protocol over HTTP(S) with Poco, judged by progress: every socket read and write has
// the stall timeout (blob_protocol::stall_timeout), never a limit on a whole transfer, so a
// photo that takes minutes on EDGE goes through while a link that moves nothing for that long is
// given up (and resumed, from the server's length, by the next attempt). Bodies go in
// blob_protocol::io_bytes pieces, each reported as progress. One keep-alive connection.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "ocop/sync/blob_protocol.hpp"
#include "ocop/sync/blob_transport.hpp"
#include "ocop/sync/tuning.hpp"

namespace ocop::sync {

struct HttpBlobOptions {
    std::chrono::milliseconds connect_timeout = tuning::connect_timeout;
    std::chrono::milliseconds stall_timeout = blob_protocol::stall_timeout;
    std::string ca_file;  // as HttpOptions::ca_file
};

class HttpBlobTransport final : public BlobTransport {
  public:
    // Throws Error(sync.malformed) for a URL it cannot use.
    explicit HttpBlobTransport(const std::string& base_url, HttpBlobOptions options = {});
    ~HttpBlobTransport() override;

    BlobRemote status(const std::string& ref, const std::string& token) override;
    BlobRemote upload(const std::string& ref, uint64_t offset, uint64_t total,
                      const std::string& content_type, std::string_view bytes,
                      const std::string& token, const Progress& progress) override;
    BlobDownload download(const std::string& ref, uint64_t offset,
                          const std::function<void(std::string_view)>& sink,
                          const std::string& token) override;
    std::string take_new_token() override;

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace ocop::sync
