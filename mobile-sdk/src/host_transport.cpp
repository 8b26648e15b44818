#include "host_transport.hpp"

#include "ocop/core/error.hpp"
#include "ocop/core/error_codes.hpp"

namespace ocop::sdk {

sync::HttpReply HostTransport::post(const std::string& path, const std::string& json_body,
                                    const std::string& bearer_token) {
    std::string url = base_url_;
    while (!url.empty() && url.back() == '/') url.pop_back();
    url += path;
    ocop_http_response response;
    callbacks_.post(callbacks_.ctx, url.c_str(), url.size(), bearer_token.c_str(),
                    bearer_token.size(), json_body.data(), json_body.size(), &response);
    if (response.failed)
        throw Error(ErrorKind::transient,
                    response.timed_out ? errc::sync_timeout : errc::sync_no_connection,
                    "the app's transport got no answer from " + url +
                        (response.failure.empty() ? std::string() : ": " + response.failure));
    if (!response.answered)
        throw Error(ErrorKind::internal, errc::sync_server_error,
                    "the app's transport returned without ocop_http_response_set or _fail");
    sync::HttpReply reply;
    reply.status = response.status;
    reply.body = std::move(response.body);
    reply.wire_bytes_sent = json_body.size();
    reply.wire_bytes_received = reply.body.size();
    return reply;
}

}  // namespace ocop::sdk
