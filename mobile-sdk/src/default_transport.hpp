// The transport Database::enroll and Database::sync use when the app supplies none: HTTP(S) over
// Poco when the SDK is built with OCOP_SDK_HTTP_TRANSPORT (the default,
// default_transport_http.cpp); without it (default_transport_none.cpp) an app must supply its
// own, and asking for the default throws Error(sync.no_transport).
#pragma once

#include <memory>
#include <string>

#include "ocop/sync/blob_transport.hpp"
#include "ocop/sync/transport.hpp"

namespace ocop::sdk {

// `ca_file`: a PEM file of trusted certificates for https; empty: the system's trust store.
std::unique_ptr<sync::Transport> make_default_transport(const std::string& base_url,
                                                        const std::string& ca_file);

// The same for blobs (HttpBlobTransport, with its stall timeout).
std::unique_ptr<sync::BlobTransport> make_default_blob_transport(const std::string& base_url,
                                                                 const std::string& ca_file);

// Whether make_default_transport gives a transport (the SDK was built with one).
bool has_default_transport() noexcept;

}  // namespace ocop::sdk
