// HTTPS for the server (Poco NetSSL over OpenSSL): the transport rule and the TLS context.
//
// The rule: the server speaks HTTPS with a certificate and private key from PEM files. Plain HTTP
// only when explicitly asked for, and only on a loopback address (127.0.0.0/8 or ::1): for tests
// and for a TLS-terminating reverse proxy on the same host. Anything else refuses to start.
#pragma once

#include <Poco/Net/Context.h>

#include <optional>
#include <string>

namespace ocop::server {

// Why the server must not start with this transport configuration (one line, naming the option
// to change), or nothing when it may. `listen` is the address to bind (an IP address or a host
// name, resolved as the server will bind it).
std::optional<std::string> transport_problem(const std::string& listen,
                                             const std::string& cert_file,
                                             const std::string& key_file, bool plain_http);

// A TLS server context: TLS 1.2 or newer, tuning::tls12_cipher_list for TLS 1.2, no client
// certificates. `cert_file` is the server certificate in PEM, optionally followed by its
// intermediate CA certificates; `key_file` its unencrypted PEM private key. Throws
// Poco::InvalidArgumentException naming the file when either cannot be loaded or they do not
// belong together.
Poco::Net::Context::Ptr make_server_tls_context(const std::string& cert_file,
                                                const std::string& key_file);

// Keeps Poco's NetSSL library (and OpenSSL under it) initialised for its lifetime:
// Poco::Net::initializeSSL() / uninitializeSSL(), which count references. The ocop-server
// process holds one in main(); contexts also initialise OpenSSL themselves while they live.
class SslLibrary {
  public:
    SslLibrary();
    ~SslLibrary();
    SslLibrary(const SslLibrary&) = delete;
    SslLibrary& operator=(const SslLibrary&) = delete;
};

}  // namespace ocop::server
