// Compiled only with OCOP_SDK_HTTP_TRANSPORT=ON (mobile-sdk/CMakeLists.txt).
#include "default_transport.hpp"

#include "ocop/sync/http_blob_transport.hpp"
#include "ocop/sync/http_transport.hpp"

namespace ocop::sdk {

std::unique_ptr<sync::Transport> make_default_transport(const std::string& base_url,
                                                        const std::string& ca_file) {
    sync::HttpOptions http;
    http.ca_file = ca_file;
    return std::make_unique<sync::HttpTransport>(base_url, http);
}

std::unique_ptr<sync::BlobTransport> make_default_blob_transport(const std::string& base_url,
                                                                 const std::string& ca_file) {
    sync::HttpBlobOptions http;
    http.ca_file = ca_file;
    return std::make_unique<sync::HttpBlobTransport>(base_url, http);
}

bool has_default_transport() noexcept {
    return true;
}

}  // namespace ocop::sdk
