// The sync client's Transport over the app's own HTTP stack: the C ABI's ocop_transport
// callbacks (ocop_sdk.h, "a transport the app supplies"). The server's paths are appended to the
// enrolled server's URL; bodies cross uncompressed (the server accepts identity bodies, and the
// platform's HTTP stack may compress on its own).
#pragma once

#include <string>

#include "ocop/sdk/ocop_sdk.h"
#include "ocop/sync/transport.hpp"

struct ocop_http_response {
    bool answered = false;
    int status = 0;
    std::string body;
    bool failed = false;
    bool timed_out = false;
    std::string failure;
};

namespace ocop::sdk {

class HostTransport final : public sync::Transport {
  public:
    HostTransport(ocop_transport callbacks, std::string base_url)
        : callbacks_(callbacks), base_url_(std::move(base_url)) {}

    // Throws Error(sync.timeout / sync.no_connection, transient) when the host reports no
    // answer, Error(sync.server_error) when it neither answered nor failed.
    sync::HttpReply post(const std::string& path, const std::string& json_body,
                         const std::string& bearer_token) override;
    // One call at a time, possibly from the fetch-ahead thread: the header says so to the host.
    bool overlaps_apply() const noexcept override { return true; }

  private:
    ocop_transport callbacks_;
    std::string base_url_;
};

}  // namespace ocop::sdk
