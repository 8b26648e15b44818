// Compiled only with OCOP_SDK_HTTP_TRANSPORT=OFF (mobile-sdk/CMakeLists.txt): the SDK links no
// network library, and the app supplies HTTP itself.
#include "default_transport.hpp"

#include "ocop/core/error.hpp"
#include "ocop/core/error_codes.hpp"

namespace ocop::sdk {

std::unique_ptr<sync::Transport> make_default_transport(const std::string& base_url,
                                                        const std::string&) {
    throw Error(ErrorKind::invalid_input, errc::sync_no_transport,
                "this SDK was built without its HTTP transport (OCOP_SDK_HTTP_TRANSPORT=OFF): "
                "the app must supply a transport to reach " +
                    base_url);
}

std::unique_ptr<sync::BlobTransport> make_default_blob_transport(const std::string& base_url,
                                                                 const std::string& ca_file) {
    make_default_transport(base_url, ca_file);  // throws sync.no_transport
    return nullptr;
}

bool has_default_transport() noexcept {
    return false;
}

}  // namespace ocop::sdk
